package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// LineKind is what an order line bills: labour or a part.
type LineKind string

const (
	LineLabour LineKind = "labour"
	LinePart   LineKind = "part"
)

// Approval is the client's decision on a line.
type Approval string

const (
	ApprovalPending  Approval = "pending"
	ApprovalApproved Approval = "approved"
	ApprovalDeclined Approval = "declined"
	ApprovalLater    Approval = "later" // deferred work, offered again later
)

// Rule refusals of order work; each wraps ErrInvalidInput, and the bot words each one.
var (
	ErrDiscountTooBig   = fmt.Errorf("discount above the order total: %w", ErrInvalidInput)
	ErrUnapprovedLines  = fmt.Errorf("the order has lines the client has not approved: %w", ErrInvalidInput)
	ErrUnpaid           = fmt.Errorf("the order is not paid: %w", ErrInvalidInput)
	ErrInvoiceFixed     = fmt.Errorf("the invoice is fixed; change it with a correction: %w", ErrInvalidInput)
	ErrOutOfStock       = fmt.Errorf("not enough stock: %w", ErrInvalidInput)
	ErrNoLines          = fmt.Errorf("the order has no lines to approve: %w", ErrInvalidInput)
	ErrLineHasDecisions = fmt.Errorf("the client already decided on this line: %w", ErrInvalidInput)
	ErrOverpayment      = fmt.Errorf("payment above what is due: %w", ErrInvalidInput)
)

// MaxLineNameLen bounds the name of a free-text line, in characters (as the catalog's names).
const MaxLineNameLen = 200

// OrderLine is one line of a work order.
type OrderLine struct {
	ID               int64      `db:"id"`
	OrderID          int64      `db:"order_id"`
	Kind             LineKind   `db:"kind"`
	ItemID           *int64     `db:"item_id"` // nil for a free-text line
	Name             string     `db:"name"`
	SKU              string     `db:"sku"`
	Unit             string     `db:"unit"`
	Qty              Qty        `db:"qty_milli"`
	Price            Money      `db:"price"`
	Amount           Money      `db:"amount"` // price × quantity, rounded to a kopeck
	Approval         Approval   `db:"approval"`
	ApprovedPrice    *Money     `db:"approved_price"` // what the client last approved
	ApprovedQty      *Qty       `db:"approved_qty_milli"`
	Supplement       bool       `db:"supplement"` // added or raised after the estimate was approved
	Reserved         Qty        `db:"reserved_milli"`
	WrittenOff       Qty        `db:"written_off_milli"`
	PartsRequestedAt *time.Time `db:"parts_requested_at"`
	CreatedBy        *int64     `db:"created_by"`
	CreatedAt        time.Time  `db:"created_at"`
}

// Active reports whether the line is part of the work: pending or approved, not declined or
// postponed.
func (l OrderLine) Active() bool {
	return l.Approval == ApprovalPending || l.Approval == ApprovalApproved
}

// Short reports whether an active part line lacks stock: less is reserved (or written off) than
// it needs.
func (l OrderLine) Short() bool {
	return l.Kind == LinePart && l.Active() && l.Reserved+l.WrittenOff < l.Qty
}

const lineColumns = `id, order_id, kind, item_id, name, sku, unit, qty_milli, price, amount, approval,
	approved_price, approved_qty_milli, supplement, reserved_milli, written_off_milli,
	parts_requested_at, created_by, created_at`

// Discount is an order's discount: a percent (Value in hundredths of a percent, 1050 = 10.5 %) or
// an amount (Value in kopecks). The zero value is no discount.
type Discount struct {
	Kind  string `json:"kind"` // DiscountNone, DiscountPercent, DiscountAmount
	Value int64  `json:"value"`
}

const (
	DiscountNone    = "none"
	DiscountPercent = "percent"
	DiscountAmount  = "amount"
)

// Totals of an order.
type Totals struct {
	Labour   Money `json:"labour"`
	Parts    Money `json:"parts"`
	Discount Money `json:"discount"`
	Total    Money `json:"total"`
}

// ComputeTotals sums the lines that count: active lines, or only approved ones when
// approvedOnly (what the client has agreed to pay). The discount never exceeds the sum, so the
// total is never negative; a percent is rounded half up to a kopeck.
func ComputeTotals(lines []OrderLine, d Discount, approvedOnly bool) Totals {
	var t Totals
	for _, l := range lines {
		if !l.Active() || (approvedOnly && l.Approval != ApprovalApproved) {
			continue
		}
		if l.Kind == LineLabour {
			t.Labour += l.Amount
		} else {
			t.Parts += l.Amount
		}
	}
	sum := t.Labour + t.Parts
	switch d.Kind {
	case DiscountPercent:
		t.Discount = Money((int64(sum)*d.Value + 5000) / 10000)
	case DiscountAmount:
		t.Discount = Money(d.Value)
	}
	t.Discount = min(t.Discount, sum)
	t.Total = sum - t.Discount
	return t
}

// ParseDiscount reads a discount a manager typed: "10%" or "10,5 %" is a percent, anything else
// an amount in rubles ("500", "500 ₽"). "0" removes the discount. Over 100 % is ErrDiscountTooBig.
func ParseDiscount(s string) (Discount, error) {
	t := []rune(s)
	for len(t) > 0 && (t[len(t)-1] == ' ' || t[len(t)-1] == '%') {
		if t[len(t)-1] == '%' {
			v, err := parseDecimal(string(t[:len(t)-1]), 2)
			switch {
			case err != nil:
				return Discount{}, fmt.Errorf("parse discount %q: %w", s, err)
			case v < 0:
				return Discount{}, fmt.Errorf("parse discount %q: %w", s, ErrNegative)
			case v > 10000:
				return Discount{}, fmt.Errorf("parse discount %q: %w", s, ErrDiscountTooBig)
			case v == 0:
				return Discount{Kind: DiscountNone}, nil
			}
			return Discount{Kind: DiscountPercent, Value: v}, nil
		}
		t = t[:len(t)-1]
	}
	m, err := ParseMoney(s)
	if err != nil {
		return Discount{}, fmt.Errorf("parse discount: %w", err)
	}
	if m == 0 {
		return Discount{Kind: DiscountNone}, nil
	}
	return Discount{Kind: DiscountAmount, Value: int64(m)}, nil
}

const sqlOrderLines = `SELECT ` + lineColumns + ` FROM order_lines WHERE order_id = $1 ORDER BY id`

// orderLines reads an order's lines in the order they were added.
func orderLines(ctx context.Context, q querier, orderID int64) ([]OrderLine, error) {
	rows, _ := q.Query(ctx, sqlOrderLines, orderID)
	ls, err := pgx.CollectRows(rows, pgx.RowToStructByName[OrderLine])
	if err != nil {
		return nil, fmt.Errorf("list lines of order %d: %w", orderID, err)
	}
	return ls, nil
}

const sqlLockLine = `SELECT ` + lineColumns + ` FROM order_lines WHERE id = $1 AND order_id = $2 FOR UPDATE`

// lockLine reads a line of the order for change, or ErrNotFound (also for a line of another order).
func lockLine(ctx context.Context, tx pgx.Tx, orderID, lineID int64) (OrderLine, error) {
	rows, _ := tx.Query(ctx, sqlLockLine, lineID, orderID)
	l, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OrderLine])
	if err != nil {
		return OrderLine{}, fmt.Errorf("lock line %d of order %d: %w", lineID, orderID, notFound(err))
	}
	return l, nil
}

// LineInput is a line to add. A catalog line names ItemID and takes its kind, name, SKU, unit and
// (unless Price is set) price from the catalog; a free-text line (ItemID 0, managers only) names
// Kind, Name, Unit and Price.
type LineInput struct {
	ItemID int64
	Qty    Qty
	Price  *Money // nil: the catalog price; set only by managers
	Kind   LineKind
	Name   string
	Unit   string // "" = "шт" for parts, "усл" for labour
}

// AddLineResult is what adding a line did.
type AddLineResult struct {
	Line OrderLine
	// Short is true when the stock did not cover a part line: nothing was reserved, and the
	// mechanic can ask for the part.
	Short bool
}

// statusTakesLines reports whether lines may be added to or changed on an order in status s
// (until it is ready; after that the invoice is fixed).
func statusTakesLines(s Status) bool {
	switch s {
	case StatusNew, StatusAccepted, StatusDiagnosing, StatusEstimate, StatusApproved, StatusInProgress, StatusWaitingParts:
		return true
	}
	return false
}

// orderLocked is the start of every change to an order's estimate inside UpdateOrder: it
// re-reads the actor, checks who may work on the order, its version and that lines may still
// change.
func orderLocked(ctx context.Context, tx pgx.Tx, a Actor, o *Order, version int) (Staff, error) {
	st, err := actorStaff(ctx, tx, a)
	if err != nil {
		return Staff{}, err
	}
	if err := Permit(st, ActLines, o.MechanicID); err != nil {
		return Staff{}, err
	}
	if err := checkVersion(o, version); err != nil {
		return Staff{}, err
	}
	if !statusTakesLines(o.Status) {
		if hasInvoice, err := invoiceExists(ctx, tx, o.ID); err != nil {
			return Staff{}, err
		} else if hasInvoice {
			return Staff{}, fmt.Errorf("order %d: %w", o.ID, ErrInvoiceFixed)
		}
		return Staff{}, fmt.Errorf("change lines of a %s order: %w", o.Status, ErrInvalidTransition)
	}
	return st, nil
}

const sqlBumpEstimate = `UPDATE orders SET estimate_version = estimate_version + 1 WHERE id = $1`

// estimateApproved reports whether the client has approved the order's estimate (the status is
// past it, or some line is approved): a change now is a supplement that needs its own approval.
func estimateApproved(ctx context.Context, tx pgx.Tx, o *Order) (bool, error) {
	switch o.Status {
	case StatusApproved, StatusInProgress, StatusWaitingParts:
		return true, nil
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM order_lines WHERE order_id = $1 AND approval = 'approved'`, o.ID).Scan(&n); err != nil {
		return false, fmt.Errorf("count approved lines: %w", err)
	}
	return n > 0, nil
}

const sqlInsertLine = `
INSERT INTO order_lines (order_id, kind, item_id, name, sku, unit, qty_milli, price, supplement,
	created_by, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
RETURNING ` + lineColumns

// AddLine adds a line to an order at version (ErrStale otherwise). Managers, admins and owners
// may add any line to any order; a mechanic only catalog lines at the catalog price to an order
// assigned to them (ErrForbidden). A part line reserves its quantity of stock at once; when the
// stock does not cover it (and Options.AllowNegativeStock is off) the line is added unreserved
// and the result says Short. Lines added after the estimate was approved are supplements. Lines
// cannot change once the order is ready (ErrInvoiceFixed: use CorrectInvoice).
func (s *Service) AddLine(ctx context.Context, a Actor, orderID int64, version int, in LineInput) (AddLineResult, error) {
	if in.Qty <= 0 {
		return AddLineResult{}, fmt.Errorf("add line: %w", ErrNotPositive)
	}
	if in.Qty > MaxQty {
		return AddLineResult{}, fmt.Errorf("add line: %w", ErrTooLarge)
	}
	if in.Price != nil && (*in.Price < 0 || *in.Price > MaxPrice) {
		return AddLineResult{}, fmt.Errorf("add line: price %d: %w", *in.Price, ErrTooLarge)
	}
	var res AddLineResult
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := orderLocked(ctx, tx, a, o, version)
		if err != nil {
			return err
		}
		if in.ItemID == 0 || in.Price != nil {
			// A free-text line or a price of one's own is pricing.
			if err := Permit(st, ActPrice, o.MechanicID); err != nil {
				return err
			}
		}
		var itemID *int64
		kind, name, sku, unit := in.Kind, in.Name, "", in.Unit
		var price Money
		if in.ItemID != 0 {
			it, err := itemByID(ctx, tx, in.ItemID)
			if err != nil {
				return err
			}
			if !it.Active {
				return fmt.Errorf("catalog item %d is archived: %w", it.ID, ErrInvalidInput)
			}
			itemID = &it.ID
			kind, name, sku, unit, price = LineLabour, it.Name, it.SKU, it.Unit, it.Price
			if it.Kind == ItemPart {
				kind = LinePart
			}
		} else {
			if kind != LineLabour && kind != LinePart {
				return fmt.Errorf("line kind %q: %w", kind, ErrInvalidInput)
			}
			if name, err = trimmed("line name", name, MaxLineNameLen); err != nil {
				return err
			}
			if name == "" || in.Price == nil {
				return fmt.Errorf("a free-text line needs a name and a price: %w", ErrInvalidInput)
			}
			if unit, err = trimmed("unit", unit, 16); err != nil {
				return err
			}
			if unit == "" {
				unit = defaultUnit(kind)
			}
		}
		if in.Price != nil {
			price = *in.Price
		}
		supplement, err := estimateApproved(ctx, tx, o)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, sqlInsertLine, o.ID, kind, itemID, name, sku, unit, in.Qty, price,
			supplement, st.ID, s.now())
		line, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OrderLine])
		if err != nil {
			return fmt.Errorf("insert line: %w", err)
		}
		by := staffRef(st.ID)
		if line.Kind == LinePart && line.ItemID != nil {
			got, err := s.reserve(ctx, tx, by, o, &line, line.Qty)
			if err != nil {
				return err
			}
			res.Short = !got
		}
		res.Line = line
		if _, err := tx.Exec(ctx, sqlBumpEstimate, o.ID); err != nil {
			return fmt.Errorf("bump estimate: %w", err)
		}
		return s.activity(ctx, tx, o.ID, by, ActivityLineAdded, lineActivity(line))
	})
	if err != nil {
		return AddLineResult{}, fmt.Errorf("add line to order %d: %w", orderID, err)
	}
	return res, nil
}

func defaultUnit(k LineKind) string {
	if k == LineLabour {
		return "усл"
	}
	return "шт"
}

const sqlUpdateLine = `
UPDATE order_lines SET qty_milli = $2, price = $3, approval = $4, supplement = $5, updated_at = $6
WHERE id = $1
RETURNING ` + lineColumns

// UpdateLine changes a line's quantity and/or price (nil keeps it) on an order at version.
// Mechanics may change the quantity of lines of their own orders; only managers, admins and
// owners the price (ErrForbidden). Raising the price or quantity of an approved line above what
// was approved makes it a supplement pending the client's approval; lowering keeps it approved.
// A part line's reservation follows the quantity.
func (s *Service) UpdateLine(ctx context.Context, a Actor, orderID int64, version int, lineID int64, qty *Qty, price *Money) (AddLineResult, error) {
	if qty != nil && *qty <= 0 {
		return AddLineResult{}, fmt.Errorf("update line: %w", ErrNotPositive)
	}
	if qty != nil && *qty > MaxQty || price != nil && *price > MaxPrice {
		return AddLineResult{}, fmt.Errorf("update line: %w", ErrTooLarge)
	}
	if price != nil && *price < 0 {
		return AddLineResult{}, fmt.Errorf("update line: %w", ErrNegative)
	}
	var res AddLineResult
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := orderLocked(ctx, tx, a, o, version)
		if err != nil {
			return err
		}
		if price != nil {
			if err := Permit(st, ActPrice, o.MechanicID); err != nil {
				return err
			}
		}
		l, err := lockLine(ctx, tx, o.ID, lineID)
		if err != nil {
			return err
		}
		if !l.Active() {
			return fmt.Errorf("line %d is %s: %w", l.ID, l.Approval, ErrInvalidInput)
		}
		before := l
		if qty != nil {
			l.Qty = *qty
		}
		if price != nil {
			l.Price = *price
		}
		if l.Approval == ApprovalApproved && (l.Price > *l.ApprovedPrice || l.Qty > *l.ApprovedQty) {
			l.Approval, l.Supplement = ApprovalPending, true
		}
		by := staffRef(st.ID)
		// Shrink the reservation before the quantity drops below it (a CHECK holds reserved <= qty).
		if excess := l.Reserved + l.WrittenOff - l.Qty; excess > 0 {
			if err := s.release(ctx, tx, by, o.ID, &l, excess); err != nil {
				return err
			}
		}
		rows, _ := tx.Query(ctx, sqlUpdateLine, l.ID, l.Qty, l.Price, l.Approval, l.Supplement, s.now())
		saved, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OrderLine])
		if err != nil {
			return fmt.Errorf("update line %d: %w", l.ID, err)
		}
		if missing := saved.Qty - saved.Reserved - saved.WrittenOff; saved.Kind == LinePart && saved.ItemID != nil && missing > 0 && qty != nil && *qty > before.Qty {
			got, err := s.reserve(ctx, tx, by, o, &saved, missing)
			if err != nil {
				return err
			}
			res.Short = !got
		}
		res.Line = saved
		if _, err := tx.Exec(ctx, sqlBumpEstimate, o.ID); err != nil {
			return fmt.Errorf("bump estimate: %w", err)
		}
		return s.activity(ctx, tx, o.ID, by, ActivityLineChanged, map[string]any{
			"line_id": l.ID, "name": l.Name,
			"qty_from": before.Qty, "qty_to": saved.Qty, "price_from": before.Price, "price_to": saved.Price,
		})
	})
	if err != nil {
		return AddLineResult{}, fmt.Errorf("update line %d of order %d: %w", lineID, orderID, err)
	}
	return res, nil
}

const sqlLineHasDecisions = `SELECT EXISTS (SELECT 1 FROM line_decisions WHERE line_id = $1)`

const sqlDeleteLine = `DELETE FROM order_lines WHERE id = $1`

// RemoveLine deletes a line the client has not decided on yet (ErrLineHasDecisions otherwise:
// a decision is a record that stays), releasing its reservation. Managers may remove any such
// line; a mechanic lines of an order assigned to them.
func (s *Service) RemoveLine(ctx context.Context, a Actor, orderID int64, version int, lineID int64) error {
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := orderLocked(ctx, tx, a, o, version)
		if err != nil {
			return err
		}
		l, err := lockLine(ctx, tx, o.ID, lineID)
		if err != nil {
			return err
		}
		var decided bool
		if err := tx.QueryRow(ctx, sqlLineHasDecisions, l.ID).Scan(&decided); err != nil {
			return fmt.Errorf("look up decisions: %w", err)
		}
		if decided {
			return fmt.Errorf("line %d: %w", l.ID, ErrLineHasDecisions)
		}
		by := staffRef(st.ID)
		if l.Reserved > 0 {
			if err := s.release(ctx, tx, by, o.ID, &l, l.Reserved); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, sqlDeleteLine, l.ID); err != nil {
			return fmt.Errorf("delete line %d: %w", l.ID, err)
		}
		if _, err := tx.Exec(ctx, sqlBumpEstimate, o.ID); err != nil {
			return fmt.Errorf("bump estimate: %w", err)
		}
		return s.activity(ctx, tx, o.ID, by, ActivityLineRemoved, lineActivity(l))
	})
	if err != nil {
		return fmt.Errorf("remove line %d of order %d: %w", lineID, orderID, err)
	}
	return nil
}

const sqlSetDiscount = `UPDATE orders SET discount_kind = $2, discount_value = $3, estimate_version = estimate_version + 1 WHERE id = $1`

// SetDiscount sets the order's discount (managers, admins and owners only). A discount above
// the sum of the active lines is ErrDiscountTooBig.
func (s *Service) SetDiscount(ctx context.Context, a Actor, orderID int64, version int, d Discount) error {
	switch {
	case d.Kind == DiscountNone || d.Kind == "":
		d = Discount{Kind: DiscountNone}
	case d.Kind == DiscountPercent && d.Value > 0 && d.Value <= 10000:
	case d.Kind == DiscountAmount && d.Value > 0:
	case d.Kind == DiscountPercent && d.Value > 10000:
		return fmt.Errorf("set discount of order %d: %w", orderID, ErrDiscountTooBig)
	default:
		return fmt.Errorf("set discount of order %d: %+v: %w", orderID, d, ErrInvalidInput)
	}
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := orderLocked(ctx, tx, a, o, version)
		if err != nil {
			return err
		}
		if err := Permit(st, ActPrice, o.MechanicID); err != nil {
			return err
		}
		lines, err := orderLines(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		if sum := ComputeTotals(lines, Discount{}, false).Total; d.Kind == DiscountAmount && Money(d.Value) > sum {
			return fmt.Errorf("discount %d above %d: %w", d.Value, sum, ErrDiscountTooBig)
		}
		if _, err := tx.Exec(ctx, sqlSetDiscount, o.ID, d.Kind, d.Value); err != nil {
			return fmt.Errorf("save discount: %w", err)
		}
		return s.activity(ctx, tx, o.ID, staffRef(st.ID), ActivityDiscount, d)
	})
	if err != nil {
		return fmt.Errorf("set discount of order %d: %w", orderID, err)
	}
	return nil
}

// RequestPart is the mechanic's "need part": the part line is short of stock. It marks the line
// requested, moves an order in progress to waiting_parts, and tells the managers (KindPartsNeeded).
// When the part is received the stock is reserved for the line and the mechanic is told
// (KindPartsArrived). A line that is not short is ErrInvalidInput.
func (s *Service) RequestPart(ctx context.Context, a Actor, orderID int64, version int, lineID int64) (OrderCard, error) {
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := orderLocked(ctx, tx, a, o, version)
		if err != nil {
			return err
		}
		l, err := lockLine(ctx, tx, o.ID, lineID)
		if err != nil {
			return err
		}
		if !l.Short() || l.ItemID == nil {
			return fmt.Errorf("line %d is not short of stock: %w", l.ID, ErrInvalidInput)
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE order_lines SET parts_requested_at = $2, updated_at = $2 WHERE id = $1`, l.ID, now); err != nil {
			return fmt.Errorf("mark line %d requested: %w", l.ID, err)
		}
		from := o.Status
		if o.Status == StatusInProgress {
			o.Status = StatusWaitingParts
			if err := s.recordChange(ctx, tx, o, st.ID, from, nil); err != nil {
				return err
			}
		}
		data, err := json.Marshal(PartsData{Number: o.Number, LineID: l.ID, ItemID: *l.ItemID, Name: l.Name, Qty: l.Qty - l.Reserved - l.WrittenOff})
		if err != nil {
			return fmt.Errorf("encode %s data: %w", KindPartsNeeded, err)
		}
		if err := s.notifyStaff(ctx, tx, KindPartsNeeded, &o.ID, data, fmt.Sprintf("%s:%d:%d", KindPartsNeeded, l.ID, o.Version+1)); err != nil {
			return err
		}
		return s.activity(ctx, tx, o.ID, staffRef(st.ID), ActivityPartRequested, lineActivity(l))
	})
	if err != nil {
		return OrderCard{}, fmt.Errorf("request part for line %d of order %d: %w", lineID, orderID, err)
	}
	return s.OrderCard(ctx, orderID)
}

// PartsData is the Data of KindPartsNeeded and KindPartsArrived messages.
type PartsData struct {
	Number int64  `json:"number"`
	LineID int64  `json:"line_id"`
	ItemID int64  `json:"item_id"`
	Name   string `json:"name"`
	Qty    Qty    `json:"qty"`
}

func lineActivity(l OrderLine) map[string]any {
	return map[string]any{"line_id": l.ID, "name": l.Name, "kind": l.Kind, "qty": l.Qty, "price": l.Price}
}
