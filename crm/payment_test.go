package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

// ready → invoice → partial payment → payment → delivered → closed, with the guards on the way.
func TestInvoicePaymentsAndClose(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{})
	o := w.order(t, 900).Order
	lab := w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit}).Line
	w.add(t, w.manager, o.ID, crm.LineInput{ItemID: w.oil.ID, Qty: 4 * crm.QtyUnit})
	w.add(t, w.manager, o.ID, crm.LineInput{Kind: crm.LinePart, Name: "Хомут", Qty: crm.QtyUnit, Price: money(20000)})
	if err := w.svc.SetDiscount(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), crm.Discount{Kind: crm.DiscountAmount, Value: 10000}); err != nil {
		t.Fatal(err)
	}
	e := w.estimate(t, o.ID)
	if _, err := w.svc.SendEstimate(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ClientDecide(w.ctx, 900, o.ID, e.Version, e.Lines[2].ID, crm.ApprovalDeclined); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ClientDecide(w.ctx, 900, o.ID, e.Version, 0, crm.ApprovalApproved); err != nil {
		t.Fatal(err)
	}
	// A prepayment against the approved lines.
	if _, err := w.svc.RecordPayment(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), 100000, crm.PayCash); err != nil {
		t.Fatal(err)
	}
	w.move(t, o.ID, crm.StatusInProgress)
	w.move(t, o.ID, crm.StatusReady)

	inv, err := w.svc.Invoice(w.ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Labour != 150000 || inv.Parts != 320000 || inv.Discount != 10000 || inv.Total != 460000 || len(inv.Lines) != 2 || inv.DueDays != 0 || inv.DueAt != nil {
		t.Errorf("invoice: %+v", inv)
	}
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'invoice' AND chat_id = 900`); n != 1 {
		t.Errorf("%d invoices to the client", n)
	}
	// The invoice is fixed: a change needs a correction with a reason.
	if _, err := w.svc.UpdateLine(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), lab.ID, nil, money(1)); !errors.Is(err, crm.ErrInvoiceFixed) {
		t.Errorf("price change on a fixed invoice: %v", err)
	}
	if _, err := w.svc.AddLine(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit}); !errors.Is(err, crm.ErrInvoiceFixed) {
		t.Errorf("new line on a fixed invoice: %v", err)
	}
	if _, err := w.svc.CorrectInvoice(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), lab.ID, 140000, " "); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("correction without a reason: %v", err)
	}
	inv, err = w.svc.CorrectInvoice(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), lab.ID, 140000, "скидка постоянному клиенту")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Total != 450000 || inv.Corrections != 1 {
		t.Errorf("corrected invoice: %+v", inv)
	}
	cs, err := w.svc.InvoiceCorrections(w.ctx, o.ID)
	if err != nil || len(cs) != 1 || cs[0].TotalFrom != 460000 || cs[0].TotalTo != 450000 || cs[0].RecordedBy != w.manager.ID {
		t.Errorf("corrections: %+v %v", cs, err)
	}

	state := func() crm.PaymentState { return w.estimate(t, o.ID).Payment }
	if s := state(); s != crm.PaymentPartial {
		t.Errorf("after the prepayment: %s", s)
	}
	for _, tc := range []struct {
		by     crm.Staff
		amount crm.Money
		method string
		err    error
	}{
		{w.mech, 1000, crm.PayCash, crm.ErrForbidden},
		{w.manager, 350001, crm.PayCard, crm.ErrOverpayment},
		{w.manager, -100001, crm.PayCard, crm.ErrOverpayment},
		{w.manager, 0, crm.PayCard, crm.ErrNotPositive},
		{w.manager, 1000, "barter", crm.ErrInvalidInput},
	} {
		if _, err := w.svc.RecordPayment(w.ctx, actor(tc.by), o.ID, w.version(t, o.ID), tc.amount, tc.method); !errors.Is(err, tc.err) {
			t.Errorf("RecordPayment(%d, %s): %v, want %v", tc.amount, tc.method, err, tc.err)
		}
	}
	// A double tap on the same confirmation pays once.
	v := w.version(t, o.ID)
	if _, err := w.svc.RecordPayment(w.ctx, actor(w.manager), o.ID, v, 150000, crm.PayCard); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.RecordPayment(w.ctx, actor(w.manager), o.ID, v, 150000, crm.PayCard); !errors.Is(err, crm.ErrStale) {
		t.Errorf("double tap: %v", err)
	}
	w.move(t, o.ID, crm.StatusDelivered)
	if _, err := w.svc.Transition(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), crm.StatusClosed); !errors.Is(err, crm.ErrUnpaid) {
		t.Errorf("close while unpaid: %v", err)
	}
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'documents' AND chat_id = 900`); n != 1 {
		t.Errorf("%d sets of papers to the client on delivery", n)
	}
	// Due on delivery: the rest is overdue a moment later, and shows as the client's debt.
	w.clock.Add(time.Hour)
	if s := state(); s != crm.PaymentOverdue {
		t.Errorf("after delivery, unpaid: %s", s)
	}
	debt, err := w.svc.ClientDebt(w.ctx, w.estimate(t, o.ID).Card.Client.ID)
	if err != nil || debt != 200000 {
		t.Errorf("debt %s, %v", debt, err)
	}
	if _, err := w.svc.RecordPayment(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), 200000, crm.PayTransfer); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != crm.PaymentPaid {
		t.Errorf("paid in full: %s", s)
	}
	// A refund and the money back again.
	if _, err := w.svc.RecordPayment(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), -50000, crm.PayCash); err != nil {
		t.Fatal(err)
	}
	if s := state(); s != crm.PaymentOverdue {
		t.Errorf("after a refund: %s", s)
	}
	if _, err := w.svc.RecordPayment(w.ctx, actor(w.manager), o.ID, w.version(t, o.ID), 50000, crm.PayCash); err != nil {
		t.Fatal(err)
	}
	w.move(t, o.ID, crm.StatusClosed)
	if n := w.count(t, `SELECT count(*) FROM outbox WHERE kind = 'payment_receipt' AND chat_id = 900`); n != 5 {
		t.Errorf("%d receipts, want 5", n)
	}
	ps, err := w.svc.Payments(w.ctx, o.ID)
	if err != nil || len(ps) != 5 {
		t.Errorf("payments %+v %v", ps, err)
	}
	if debt, _ := w.svc.ClientDebt(w.ctx, w.estimate(t, o.ID).Card.Client.ID); debt != 0 {
		t.Errorf("debt after paying: %s", debt)
	}
	w.checkLedger(t)
}

// Companies pay on terms: due N days after delivery.
func TestCompanyPaysOnTerms(t *testing.T) {
	t.Parallel()
	w := newWork(t, crm.Options{CompanyPaymentDays: 10})
	o := w.order(t, 950)
	if err := w.svc.SetClientCompany(w.ctx, actor(w.mech), o.Client.ID, true); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("mechanic marks a company: %v", err)
	}
	if err := w.svc.SetClientCompany(w.ctx, actor(w.manager), o.Client.ID, true); err != nil {
		t.Fatal(err)
	}
	w.add(t, w.manager, o.Order.ID, crm.LineInput{ItemID: w.labour.ID, Qty: crm.QtyUnit})
	if _, err := w.svc.RecordDecision(w.ctx, actor(w.manager), o.Order.ID, w.estimate(t, o.Order.ID).Version, 0, crm.ApprovalApproved, crm.MethodInPerson); err != nil {
		t.Fatal(err)
	}
	w.move(t, o.Order.ID, crm.StatusInProgress)
	w.move(t, o.Order.ID, crm.StatusReady)
	w.move(t, o.Order.ID, crm.StatusDelivered)
	inv, err := w.svc.Invoice(w.ctx, o.Order.ID)
	if err != nil || inv.DueDays != 10 || inv.DueAt == nil || !inv.DueAt.Equal(t0.AddDate(0, 0, 10)) {
		t.Fatalf("invoice %+v, %v", inv, err)
	}
	w.clock.Add(9 * 24 * time.Hour)
	if s := w.estimate(t, o.Order.ID).Payment; s != crm.PaymentUnpaid {
		t.Errorf("within terms: %s", s)
	}
	w.clock.Add(2 * 24 * time.Hour)
	if s := w.estimate(t, o.Order.ID).Payment; s != crm.PaymentOverdue {
		t.Errorf("after terms: %s", s)
	}
}
