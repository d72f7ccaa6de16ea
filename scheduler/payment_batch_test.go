package scheduler

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// A first payment run used to make a transaction per invoice (seconds over a large shop); the
// steps now go in batches of one statement each. The batch makes the same checks as the single
// path: an invoice paid since the scan gets nothing, an unreachable client's debt goes to the
// managers once, and a second batch of the same steps adds nothing.
func TestPaymentReminderBatchChecksLikeOneByOne(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, msk)
	sh := newSimShop(t, msk, now)
	ctx := context.Background()
	reach, _ := sh.client(true, false)
	paidLater, _ := sh.client(true, false)
	blocked, _ := sh.client(true, true)
	due := now.AddDate(0, 0, -2)
	oReach := sh.invoice(reach, 90000, due)
	oPaid := sh.invoice(paidLater, 50000, due)
	oBlocked := sh.invoice(blocked, 70000, due)

	invs, err := sh.svc.OverdueInvoices(ctx, now.AddDate(0, 0, -44), now)
	if err != nil || len(invs) != 3 {
		t.Fatalf("OverdueInvoices = %d, %v; want 3", len(invs), err)
	}
	sh.pay(oPaid, 50000) // paid between the scan and the enqueue
	var steps []crm.PaymentReminder
	for _, inv := range invs {
		steps = append(steps, crm.PaymentReminder{Invoice: inv, Step: 1, NotBefore: now})
	}
	n, err := sh.svc.EnqueuePaymentReminders(ctx, steps)
	if err != nil || n != 2 {
		t.Fatalf("EnqueuePaymentReminders = %d, %v; want 2 (the reminder and the managers' listing)", n, err)
	}
	if n, err := sh.svc.EnqueuePaymentReminders(ctx, steps); err != nil || n != 0 {
		t.Fatalf("again = %d, %v; want nothing more", n, err)
	}
	got := sh.outbox()
	for key, want := range map[string]bool{
		fmt.Sprintf("payment_reminder:%d:1", oReach):                       true,
		fmt.Sprintf("payment_reminder:%d:1", oPaid):                        false,
		fmt.Sprintf("payment_reminder:%d:1", oBlocked):                     false,
		fmt.Sprintf("payment_unreachable:%d:%d", oBlocked, sh.managerChat): true,
	} {
		if _, ok := got[key]; ok != want {
			t.Errorf("%s enqueued = %v, want %v", key, ok, want)
		}
	}
	var lang string
	if err := sh.pool.QueryRow(ctx, `SELECT language FROM outbox WHERE dedupe_key = $1`,
		fmt.Sprintf("payment_reminder:%d:1", oReach)).Scan(&lang); err != nil || strings.TrimSpace(lang) == "" {
		t.Errorf("reminder language = %q, %v; want the client's", lang, err)
	}
}
