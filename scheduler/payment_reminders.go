package scheduler

import (
	"context"
	"slices"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// paymentReminderClock is when, on the shop's clock, a ladder step falls
// due: late enough in the morning to be read, early enough to pay that day.
var paymentReminderClock = Clock(10, 0)

// paymentCatchUpDays is how long past the ladder's last step an invoice is
// still looked at: a process down for up to this long still sends the step
// it missed; the window keeps the scan to recent invoices.
const paymentCatchUpDays = 30

// paymentBatch is how many ladder steps one statement enqueues (EnqueuePaymentReminders): a
// first run over a large shop has hundreds due, and a transaction each cost about 1 ms apiece.
const paymentBatch = 1000

// paymentRemindersJob reminds clients of invoices past due, on the ladder's
// days after the due date (10:00 shop time, each). It runs hourly so a step
// goes out within the hour it falls due, and a run missed while the process
// was down is made up by the next one: each run enqueues the latest step due
// and not yet enqueued (earlier steps a long outage skipped are not sent
// late: the client gets one reminder, the current one).
func (s *Scheduler) paymentRemindersJob() Job {
	return Job{Name: "payment_reminders", Spec: "5 * * * *", Run: s.paymentReminders}
}

func (s *Scheduler) paymentReminders(ctx context.Context, now time.Time) (int, error) {
	ladder := slices.Sorted(slices.Values(s.cfg.PaymentLadder))
	last := ladder[len(ladder)-1]
	from := localDay(now, s.loc).AddDate(0, 0, -(last + paymentCatchUpDays))
	invs, err := s.svc.OverdueInvoices(ctx, from, now)
	if err != nil {
		return 0, err
	}
	ids := make([]int64, len(invs))
	for i, inv := range invs {
		ids[i] = inv.OrderID
	}
	done, err := s.svc.PaymentNotices(ctx, ids)
	if err != nil {
		return 0, err
	}
	var due []crm.PaymentReminder
	for _, inv := range invs {
		step, at, ok := ladderStep(inv.DueAt, now, ladder, s.loc)
		notice := paymentNoticeOf(inv, step, step == last)
		if !ok || done[notice] {
			continue // not due yet, or enqueued already (EnqueuePaymentReminder would add nothing)
		}
		// The quiet hours are the clients': the managers' task and the unreachable listing are
		// work for the shop, in the shop's own chats, and go out when due, like every other
		// staff notice (a task caught up at night is there when the day starts, not after 09:00
		// and its spread).
		nb := latest(at, now)
		if notice.Kind == crm.KindPaymentReminder {
			nb = s.cfg.Quiet.At(nb, s.loc, inv.OrderID)
		}
		due = append(due, crm.PaymentReminder{Invoice: inv, Step: step, Last: step == last, NotBefore: nb})
	}
	enqueued := 0
	var bad skipped
	for start := 0; start < len(due); start += paymentBatch {
		batch := due[start:min(start+paymentBatch, len(due))]
		n, err := s.svc.EnqueuePaymentReminders(ctx, batch)
		if err == nil {
			enqueued += n
			continue
		}
		if ctx.Err() != nil {
			return enqueued, ctx.Err()
		}
		// The batch is one statement: one bad row fails it all. Its steps go again one by one,
		// so only the bad one is skipped.
		s.log.Warn("payment reminder batch failed, retrying one by one", "steps", len(batch), "error", err.Error())
		for _, r := range batch {
			n, err := s.svc.EnqueuePaymentReminder(ctx, r)
			if err != nil {
				if ctx.Err() != nil {
					return enqueued, ctx.Err()
				}
				bad.add(s.log, "payment reminder skipped", r.Invoice.OrderID, err)
				continue
			}
			enqueued += n
		}
	}
	return enqueued, bad.err(len(invs), "payment reminders")
}

// paymentNoticeOf is the notice EnqueuePaymentReminder writes for the step: the managers' task
// at the last step, the unreachable listing (once per invoice) for a client out of reach, else
// the client's reminder of the step.
func paymentNoticeOf(inv crm.OverdueInvoice, step int, last bool) crm.PaymentNotice {
	switch {
	case last:
		return crm.PaymentNotice{Kind: crm.KindPaymentTask, OrderID: inv.OrderID}
	case inv.ChatID == nil || inv.Unreachable:
		return crm.PaymentNotice{Kind: crm.KindPaymentUnreachable, OrderID: inv.OrderID}
	}
	return crm.PaymentNotice{Kind: crm.KindPaymentReminder, OrderID: inv.OrderID, Step: step}
}

// ladderStep is the latest step of ladder due at now for an invoice due at
// dueAt, and when it fell due: the step's day after the due date's local
// day, at paymentReminderClock (calendar days: a day with a clock change is
// still one day).
func ladderStep(dueAt, now time.Time, ladder []int, loc *time.Location) (step int, at time.Time, ok bool) {
	d := dueAt.In(loc)
	for _, days := range ladder {
		t := time.Date(d.Year(), d.Month(), d.Day()+days, int(paymentReminderClock)/60, int(paymentReminderClock)%60, 0, 0, loc)
		if t.After(now) {
			break
		}
		step, at, ok = days, t, true
	}
	return step, at, ok
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
