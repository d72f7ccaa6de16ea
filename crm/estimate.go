package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outbox kinds of estimates.
const (
	// KindEstimate sends the client the live card of the order's estimate, with a decision per
	// line. OrderID is set; Data: EstimateData. Dedupe key "estimate:<order id>:<estimate version>".
	KindEstimate = "estimate"
	// KindEstimateDecided tells staff the client decided on every line of the estimate (the
	// managers, and the order's mechanic). OrderID is set; Data:
	// EstimateDecidedData. Dedupe key "estimate_decided:<order id>:<order version>:<chat id>".
	KindEstimateDecided = "estimate_decided"
)

// How a decision reached us.
const (
	MethodChat     = "chat"      // the client pressed a button
	MethodPhone    = "phone"     // a manager recorded what the client said on the phone
	MethodInPerson = "in_person" // or in the shop
)

// Follow-up of deferred work: lines the client postponed come back sooner than declined ones.
const (
	FollowUpLater    = 14 // days
	FollowUpDeclined = 60 // days
)

// EstimateData is the Data of a KindEstimate message.
type EstimateData struct {
	Number          int64 `json:"number"`
	EstimateVersion int   `json:"estimate_version"`
}

// EstimateDecidedData is the Data of a KindEstimateDecided message.
type EstimateDecidedData struct {
	Number   int64  `json:"number"`
	Approved int    `json:"approved"` // lines approved by now
	Declined int    `json:"declined"` // declined or postponed
	Pending  int    `json:"pending"`
	Status   Status `json:"status"`
}

// Estimate is everything the cards of an order's work show: lines, totals, invoice, payments.
type Estimate struct {
	Card     OrderCard
	Version  int // estimate version: approval buttons carry it
	Lines    []OrderLine
	Discount Discount
	Totals   Totals // of the active lines (pending and approved)
	Approved Totals // of the approved lines only
	Invoice  *Invoice
	Paid     Money
	Payment  PaymentState // against the invoice, or the approved totals before there is one
}

// Pending counts the lines waiting for the client.
func (e Estimate) Pending() int {
	n := 0
	for _, l := range e.Lines {
		if l.Approval == ApprovalPending {
			n++
		}
	}
	return n
}

// Due is what the client is to pay: the invoice total, or the approved totals before the invoice.
func (e Estimate) Due() Money {
	if e.Invoice != nil {
		return e.Invoice.Total
	}
	return e.Approved.Total
}

const sqlEstimateHead = `
SELECT o.estimate_version, o.discount_kind, o.discount_value,
	coalesce((SELECT sum(amount) FROM payments p WHERE p.order_id = o.id), 0)
FROM orders o WHERE o.id = $1`

// Estimate returns the work of an order (ErrNotFound for none).
func (s *Service) Estimate(ctx context.Context, orderID int64) (Estimate, error) {
	card, err := s.OrderCard(ctx, orderID)
	if err != nil {
		return Estimate{}, err
	}
	e := Estimate{Card: card}
	err = s.db.QueryRow(ctx, sqlEstimateHead, orderID).Scan(&e.Version, &e.Discount.Kind, &e.Discount.Value, &e.Paid)
	if err != nil {
		return Estimate{}, fmt.Errorf("get estimate of order %d: %w", orderID, notFound(err))
	}
	if e.Lines, err = orderLines(ctx, s.db, orderID); err != nil {
		return Estimate{}, err
	}
	e.Totals = ComputeTotals(e.Lines, e.Discount, false)
	e.Approved = ComputeTotals(e.Lines, e.Discount, true)
	inv, err := invoiceOf(ctx, s.db, orderID)
	switch {
	case err == nil:
		e.Invoice = &inv
	case !errors.Is(err, ErrNotFound):
		return Estimate{}, err
	}
	var due *time.Time
	if e.Invoice != nil {
		due = e.Invoice.DueAt
	}
	e.Payment = DerivePaymentState(e.Due(), e.Paid, due, s.now())
	return e, nil
}

// EstimateSent is what SendEstimate did.
type EstimateSent struct {
	Card OrderCard
	// ToClient is false when the client is not in Telegram: a manager records their decision.
	ToClient bool
}

const sqlEstimateVersion = `SELECT estimate_version FROM orders WHERE id = $1`

// SendEstimate sends the client the order's estimate to decide on, line by line (KindEstimate),
// and moves a diagnosing order to estimate. Only managers, admins and owners send estimates
// (ErrForbidden); there must be lines waiting for a decision (ErrNoLines). After approval it sends
// the supplements. version is the order's version (ErrStale).
func (s *Service) SendEstimate(ctx context.Context, a Actor, orderID int64, version int) (EstimateSent, error) {
	var res EstimateSent
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := orderLocked(ctx, tx, a, o, version)
		if err != nil {
			return err
		}
		if err := Permit(st, ActEstimate, o.MechanicID); err != nil {
			return err
		}
		switch o.Status {
		case StatusDiagnosing, StatusEstimate, StatusApproved, StatusInProgress, StatusWaitingParts:
		default:
			return fmt.Errorf("send the estimate of a %s order: %w", o.Status, ErrInvalidTransition)
		}
		lines, err := orderLines(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		pending := 0
		for _, l := range lines {
			if l.Approval == ApprovalPending {
				pending++
			}
		}
		if pending == 0 {
			return fmt.Errorf("order %d: %w", o.ID, ErrNoLines)
		}
		if o.Status == StatusDiagnosing {
			o.Status = StatusEstimate
			if err := s.recordChange(ctx, tx, o, st.ID, StatusDiagnosing, nil); err != nil {
				return err
			}
		}
		var ev int
		if err := tx.QueryRow(ctx, sqlEstimateVersion, o.ID).Scan(&ev); err != nil {
			return fmt.Errorf("get estimate version: %w", err)
		}
		var chatID *int64
		var lang string
		if err := tx.QueryRow(ctx, sqlClientChat, o.ClientID).Scan(&chatID, &lang); err != nil {
			return fmt.Errorf("get client chat: %w", err)
		}
		if chatID != nil {
			res.ToClient = true
			data, err := json.Marshal(EstimateData{Number: o.Number, EstimateVersion: ev})
			if err != nil {
				return fmt.Errorf("encode %s data: %w", KindEstimate, err)
			}
			if _, err := s.enqueue(ctx, tx, OutboxMessage{
				Kind: KindEstimate, ChatID: *chatID, Language: lang, OrderID: &o.ID, Data: data,
				DedupeKey: KindEstimate + ":" + strconv.FormatInt(o.ID, 10) + ":" + strconv.Itoa(ev),
			}); err != nil {
				return err
			}
		}
		return s.activity(ctx, tx, o.ID, staffRef(st.ID), ActivityEstimateSent, map[string]any{
			"estimate_version": ev, "pending": pending, "to_client": res.ToClient})
	})
	if err != nil {
		return EstimateSent{}, fmt.Errorf("send estimate of order %d: %w", orderID, err)
	}
	res.Card, err = s.OrderCard(ctx, orderID)
	return res, err
}

// decider is who decides: the client in the chat, or a staff member recording the client's word.
type decider struct {
	telegramUserID int64  // the client's, for MethodChat
	staff          *Actor // for MethodPhone and MethodInPerson
	method         string
}

// ClientDecide records the client's decision (approved, declined or later) on a line of their
// order, or on every pending line when lineID is 0 ("approve all"). The Telegram user must be
// the order's client (ErrForbidden); estimateVersion must be the estimate's current version and
// the line still pending (ErrStale: the card is out of date). When no line is left pending, an
// order in estimate becomes approved (some line approved) or declined.
func (s *Service) ClientDecide(ctx context.Context, telegramUserID, orderID int64, estimateVersion int, lineID int64, a Approval) (Estimate, error) {
	return s.decide(ctx, decider{telegramUserID: telegramUserID, method: MethodChat}, orderID, estimateVersion, lineID, a)
}

// RecordDecision is ClientDecide for a manager who records a decision the client gave by phone
// or in person (method), for clients outside Telegram or who prefer to call. Only managers,
// admins and owners may (ErrForbidden). Decisions may be recorded before the estimate is sent
// (a diagnosing order goes through estimate to approved).
func (s *Service) RecordDecision(ctx context.Context, actor Actor, orderID int64, estimateVersion int, lineID int64, a Approval, method string) (Estimate, error) {
	if method != MethodPhone && method != MethodInPerson {
		return Estimate{}, fmt.Errorf("record decision: method %q: %w", method, ErrInvalidInput)
	}
	return s.decide(ctx, decider{staff: &actor, method: method}, orderID, estimateVersion, lineID, a)
}

const sqlClientTelegram = `SELECT telegram_user_id FROM clients WHERE id = $1`

const sqlInsertDecision = `
INSERT INTO line_decisions (line_id, order_id, decision, price, qty_milli, amount, estimate_version,
	method, telegram_user_id, recorded_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

const sqlApplyDecision = `
UPDATE order_lines SET approval = $2, price = $3, qty_milli = $4, approved_price = $5,
	approved_qty_milli = $6, updated_at = $7
WHERE id = $1`

func (s *Service) decide(ctx context.Context, d decider, orderID int64, estimateVersion int, lineID int64, a Approval) (Estimate, error) {
	if a != ApprovalApproved && a != ApprovalDeclined && a != ApprovalLater {
		return Estimate{}, fmt.Errorf("decide: %q: %w", a, ErrInvalidInput)
	}
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		var by actorRef
		var telegramUser *int64
		var recordedBy *int64
		allowed := []Status{StatusEstimate, StatusApproved, StatusInProgress, StatusWaitingParts}
		if d.staff == nil {
			var owner *int64
			if err := tx.QueryRow(ctx, sqlClientTelegram, o.ClientID).Scan(&owner); err != nil {
				return fmt.Errorf("get client: %w", err)
			}
			if owner == nil || *owner != d.telegramUserID {
				return fmt.Errorf("telegram user %d is not the client of order %d: %w", d.telegramUserID, o.ID, ErrForbidden)
			}
			by, telegramUser = clientRef(o.ClientID), &d.telegramUserID
		} else {
			st, err := actorStaff(ctx, tx, *d.staff)
			if err != nil {
				return err
			}
			if err := Permit(st, ActEstimate, o.MechanicID); err != nil {
				return err
			}
			by, recordedBy = staffRef(st.ID), &st.ID
			allowed = append(allowed, StatusDiagnosing)
		}
		var ev int
		if err := tx.QueryRow(ctx, sqlEstimateVersion, o.ID).Scan(&ev); err != nil {
			return fmt.Errorf("get estimate version: %w", err)
		}
		if ev != estimateVersion {
			return fmt.Errorf("estimate of order %d is at version %d, the card shows %d: %w", o.ID, ev, estimateVersion, ErrStale)
		}
		ok := false
		for _, st := range allowed {
			ok = ok || o.Status == st
		}
		if !ok {
			return fmt.Errorf("decide on a %s order: %w", o.Status, ErrInvalidTransition)
		}
		lines, err := orderLines(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		sortByItem(lines) // releases touch items in one order
		now := s.now()
		decided := 0
		for i := range lines {
			l := &lines[i]
			if l.Approval != ApprovalPending || (lineID != 0 && l.ID != lineID) {
				continue
			}
			decided++
			if _, err := tx.Exec(ctx, sqlInsertDecision, l.ID, o.ID, a, l.Price, l.Qty, l.Amount, ev,
				d.method, telegramUser, recordedBy, now); err != nil {
				return fmt.Errorf("record decision on line %d: %w", l.ID, err)
			}
			if err := s.applyDecision(ctx, tx, by, o, l, a, now); err != nil {
				return err
			}
			if err := s.activity(ctx, tx, o.ID, by, ActivityLineDecided, map[string]any{
				"line_id": l.ID, "name": l.Name, "decision": a, "method": d.method, "price": l.Price, "qty": l.Qty,
			}); err != nil {
				return err
			}
		}
		if decided == 0 {
			// The line was decided already (a second tap, another device): the card is stale.
			return fmt.Errorf("line %d of order %d is not pending: %w", lineID, o.ID, ErrStale)
		}
		return s.afterDecisions(ctx, tx, o, by)
	})
	if err != nil {
		return Estimate{}, fmt.Errorf("decide on order %d: %w", orderID, err)
	}
	return s.Estimate(ctx, orderID)
}

// applyDecision changes a pending line as decided. A declined raise of an approved line (a
// supplement) goes back to what was approved; a declined or postponed line leaves the work,
// gives its stock back and becomes deferred work.
func (s *Service) applyDecision(ctx context.Context, tx pgx.Tx, by actorRef, o *Order, l *OrderLine, a Approval, now time.Time) error {
	approval, price, qty := a, l.Price, l.Qty
	approvedPrice, approvedQty := l.ApprovedPrice, l.ApprovedQty
	switch {
	case a == ApprovalApproved:
		approvedPrice, approvedQty = &price, &qty
	case l.ApprovedPrice != nil:
		approval, price, qty = ApprovalApproved, *l.ApprovedPrice, *l.ApprovedQty
		if excess := l.Reserved + l.WrittenOff - qty; excess > 0 {
			if err := s.release(ctx, tx, by, o.ID, l, excess); err != nil {
				return err
			}
		}
	default:
		if err := s.release(ctx, tx, by, o.ID, l, l.Reserved); err != nil {
			return err
		}
		if err := s.deferWork(ctx, tx, o, l, a, now); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, sqlApplyDecision, l.ID, approval, price, qty, approvedPrice, approvedQty, now); err != nil {
		return fmt.Errorf("apply decision to line %d: %w", l.ID, err)
	}
	l.Approval, l.Price, l.Qty, l.ApprovedPrice, l.ApprovedQty = approval, price, qty, approvedPrice, approvedQty
	return nil
}

const sqlDeferWork = `
INSERT INTO deferred_work (line_id, order_id, client_id, vehicle_id, reason, follow_up_on, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (line_id) DO UPDATE SET reason = EXCLUDED.reason, follow_up_on = EXCLUDED.follow_up_on`

func (s *Service) deferWork(ctx context.Context, tx pgx.Tx, o *Order, l *OrderLine, a Approval, now time.Time) error {
	days := FollowUpDeclined
	if a == ApprovalLater {
		days = FollowUpLater
	}
	day := now.In(s.opts.Location)
	followUp := time.Date(day.Year(), day.Month(), day.Day()+days, 0, 0, 0, 0, time.UTC)
	if _, err := tx.Exec(ctx, sqlDeferWork, l.ID, o.ID, o.ClientID, o.VehicleID, a, followUp, now); err != nil {
		return fmt.Errorf("defer line %d: %w", l.ID, err)
	}
	return nil
}

// afterDecisions moves an order in estimate on once nothing is pending, and tells staff.
func (s *Service) afterDecisions(ctx context.Context, tx pgx.Tx, o *Order, by actorRef) error {
	lines, err := orderLines(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	var data EstimateDecidedData
	for _, l := range lines {
		switch l.Approval {
		case ApprovalApproved:
			data.Approved++
		case ApprovalPending:
			data.Pending++
		default:
			data.Declined++
		}
	}
	if data.Pending == 0 && (o.Status == StatusEstimate || o.Status == StatusDiagnosing) {
		if o.Status == StatusDiagnosing {
			// Recorded before the estimate was sent: pass through estimate, as the machine says.
			if err := s.recordEvent(ctx, tx, o, by, StatusEstimate); err != nil {
				return err
			}
		}
		to := StatusDeclined
		if data.Approved > 0 {
			to = StatusApproved
		}
		if err := s.recordEvent(ctx, tx, o, by, to); err != nil {
			return err
		}
	}
	data.Number, data.Status = o.Number, o.Status
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s data: %w", KindEstimateDecided, err)
	}
	if data.Pending > 0 {
		return nil // staff hear once the client has decided on everything, not at every tap
	}
	key := KindEstimateDecided + ":" + strconv.FormatInt(o.ID, 10) + ":" + strconv.Itoa(o.Version+1)
	if by.Kind == ActorClient {
		// Staff hear about what the client decided; a manager who recorded it knows already.
		if err := s.notifyStaff(ctx, tx, KindEstimateDecided, &o.ID, raw, key); err != nil {
			return err
		}
	}
	if o.MechanicID == nil {
		return nil
	}
	mech, err := staffByID(ctx, tx, *o.MechanicID)
	if err != nil || mech.ChatID == nil {
		return err
	}
	_, err = s.enqueue(ctx, tx, OutboxMessage{
		Kind: KindEstimateDecided, ChatID: *mech.ChatID, Language: mech.Language, OrderID: &o.ID, Data: raw,
		DedupeKey: key + ":" + strconv.FormatInt(*mech.ChatID, 10),
	})
	return err
}

// recordEvent moves o to status to on behalf of by inside an UpdateOrder closure: the event, and
// a KindStatusChanged message to the client unless the client made the move.
func (s *Service) recordEvent(ctx context.Context, tx pgx.Tx, o *Order, by actorRef, to Status) error {
	from := o.Status
	if !CanTransition(from, to) {
		return fmt.Errorf("%s → %s: %w", from, to, ErrInvalidTransition)
	}
	o.Status = to
	if by.Kind == ActorStaff {
		return s.recordChange(ctx, tx, o, *by.ID, from, nil)
	}
	if _, err := tx.Exec(ctx, sqlInsertEvent, o.ID, by.Kind, by.ID, from, to, nil, s.now()); err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	return nil
}

// DeferredWork is a declined or postponed line, to offer again from FollowUpOn.
type DeferredWork struct {
	ID         int64     `db:"id"`
	LineID     int64     `db:"line_id"`
	OrderID    int64     `db:"order_id"`
	ClientID   int64     `db:"client_id"`
	VehicleID  int64     `db:"vehicle_id"`
	Reason     Approval  `db:"reason"`
	FollowUpOn time.Time `db:"follow_up_on"`
	Name       string    `db:"name"`
	Amount     Money     `db:"amount"`
}

const sqlDeferredWork = `
SELECT d.id, d.line_id, d.order_id, d.client_id, d.vehicle_id, d.reason, d.follow_up_on, l.name, l.amount
FROM deferred_work d JOIN order_lines l ON l.id = d.line_id
WHERE d.client_id = $1 ORDER BY d.follow_up_on, d.id`

// ClientDeferredWork lists the client's deferred work, soonest follow-up first.
func (s *Service) ClientDeferredWork(ctx context.Context, clientID int64) ([]DeferredWork, error) {
	rows, _ := s.db.Query(ctx, sqlDeferredWork, clientID)
	ws, err := pgx.CollectRows(rows, pgx.RowToStructByName[DeferredWork])
	if err != nil {
		return nil, fmt.Errorf("list deferred work of client %d: %w", clientID, err)
	}
	return ws, nil
}

// LineDecision is one recorded decision on a line.
type LineDecision struct {
	ID              int64     `db:"id"`
	LineID          int64     `db:"line_id"`
	Decision        Approval  `db:"decision"`
	Price           Money     `db:"price"`
	Qty             Qty       `db:"qty_milli"`
	Amount          Money     `db:"amount"`
	EstimateVersion int       `db:"estimate_version"`
	Method          string    `db:"method"`
	TelegramUserID  *int64    `db:"telegram_user_id"`
	RecordedBy      *int64    `db:"recorded_by"`
	CreatedAt       time.Time `db:"created_at"`
}

const sqlLineDecisions = `
SELECT id, line_id, decision, price, qty_milli, amount, estimate_version, method, telegram_user_id,
	recorded_by, created_at
FROM line_decisions WHERE order_id = $1 ORDER BY id`

// LineDecisions lists every decision recorded on the order's lines, oldest first.
func (s *Service) LineDecisions(ctx context.Context, orderID int64) ([]LineDecision, error) {
	rows, _ := s.db.Query(ctx, sqlLineDecisions, orderID)
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[LineDecision])
	if err != nil {
		return nil, fmt.Errorf("list decisions of order %d: %w", orderID, err)
	}
	return ds, nil
}
