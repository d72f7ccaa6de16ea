package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Stock movement kinds. on_hand is what is physically in the shop, reserved what order lines
// hold of it; each movement moves one or both, and the item's columns are their sums.
const (
	MoveReceipt    = "receipt"    // goods received: on_hand +
	MoveReserve    = "reserve"    // a part line holds stock: reserved +
	MoveRelease    = "release"    // a line gives it back (declined, removed, cancelled): reserved −
	MoveWriteOff   = "writeoff"   // used on a delivered order: on_hand −, reserved −
	MoveReturn     = "return"     // back from an order: on_hand +
	MoveCorrection = "correction" // an inventory count: on_hand ±
)

// Outbox kinds of stock.
const (
	// KindPartsNeeded tells managers a mechanic needs a part that is short. OrderID is set; Data:
	// PartsData. Dedupe key "parts_needed:<line id>:<order version>:<chat id>".
	KindPartsNeeded = "parts_needed"
	// KindPartsArrived tells the order's mechanic that a requested part was received and is
	// reserved for the order. OrderID is set; Data: PartsData. Dedupe key
	// "parts_arrived:<line id>:<movement id>".
	KindPartsArrived = "parts_arrived"
	// KindLowStock tells managers an item's free stock fell below its minimum, once per
	// crossing. OrderID is nil; Data: LowStockData. Dedupe key
	// "low_stock:<item id>:<crossing number>:<chat id>".
	KindLowStock = "low_stock"
)

// LowStockData is the Data of a KindLowStock message.
type LowStockData struct {
	ItemID    int64  `json:"item_id"`
	Name      string `json:"name"`
	SKU       string `json:"sku"`
	Unit      string `json:"unit"`
	Available Qty    `json:"available"`
	MinStock  Qty    `json:"min_stock"`
}

// StockMovement is one row of the stock ledger.
type StockMovement struct {
	ID            int64     `db:"id"`
	ItemID        int64     `db:"item_id"`
	Kind          string    `db:"kind"`
	OnHandDelta   Qty       `db:"on_hand_delta"`
	ReservedDelta Qty       `db:"reserved_delta"`
	UnitCost      *Money    `db:"unit_cost"`
	OrderID       *int64    `db:"order_id"`
	LineID        *int64    `db:"line_id"`
	ActorKind     string    `db:"actor_kind"`
	ActorID       *int64    `db:"actor_id"`
	Note          string    `db:"note"`
	CreatedAt     time.Time `db:"created_at"`
}

// actorRef is who caused a change: a staff member, a client, or the system (the operator's CLI,
// automatic steps).
type actorRef struct {
	Kind string
	ID   *int64
}

func staffRef(id int64) actorRef  { return actorRef{Kind: ActorStaff, ID: &id} }
func clientRef(id int64) actorRef { return actorRef{Kind: ActorClient, ID: &id} }
func systemRef() actorRef         { return actorRef{Kind: ActorSystem} }

// movement is a ledger row to write.
type movement struct {
	item     int64
	kind     string
	onHand   Qty
	reserved Qty
	unitCost *Money
	orderID  *int64
	lineID   *int64
	by       actorRef
	note     string
	branch   *int64 // whose shelf, when the caller says (an import's --branch); else sqlMovementBranch decides
}

// sqlApplyMovement moves the item's cached sums. It matches no row when the movement takes stock
// out or holds it ($4 = 1), would leave free stock (on hand − reserved) below zero, and negative
// stock is not allowed ($5): so two orders racing for the last unit resolve under the row lock,
// and exactly one gets it.
const sqlApplyMovement = `
UPDATE catalog_items SET on_hand_milli = on_hand_milli + $2, reserved_milli = reserved_milli + $3,
	updated_at = $6
WHERE id = $1 AND kind = 'part' AND ($5 OR on_hand_milli + $2 - reserved_milli - $3 >= 0 OR $4 = 0)
RETURNING ` + itemColumns

const sqlInsertMovement = `
INSERT INTO stock_movements (item_id, kind, on_hand_delta, reserved_delta, unit_cost, order_id,
	line_id, actor_kind, actor_id, note, created_at, branch_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, coalesce($12::bigint, ` + sqlMovementBranch + `))
RETURNING id`

// sqlMovementBranch is whose shelf a movement moves (migration 00015): the order's branch, else
// the branch of the staff member who recorded it, else the default branch.
const sqlMovementBranch = `coalesce((SELECT branch_id FROM orders WHERE id = $6),
	(SELECT branch_id FROM staff WHERE id = $9 AND $8::text = 'staff'), default_branch_id())`

// move writes a ledger row and applies it to the item; ok is false (and nothing is written) when
// the item would go below zero free stock and the shop does not allow it.
func (s *Service) move(ctx context.Context, tx pgx.Tx, m movement) (it CatalogItem, movementID int64, ok bool, err error) {
	// Only taking stock out or holding it can take free stock below zero.
	guard := 0
	if m.onHand < 0 || m.reserved > 0 {
		guard = 1
	}
	rows, _ := tx.Query(ctx, sqlApplyMovement, m.item, m.onHand, m.reserved, guard, s.opts.AllowNegativeStock, s.now())
	it, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CatalogItem])
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := itemByID(ctx, tx, m.item); err != nil {
			return CatalogItem{}, 0, false, err
		}
		return CatalogItem{}, 0, false, nil
	}
	if err != nil {
		return CatalogItem{}, 0, false, fmt.Errorf("move stock of item %d: %w", m.item, err)
	}
	err = tx.QueryRow(ctx, sqlInsertMovement, m.item, m.kind, m.onHand, m.reserved, m.unitCost,
		m.orderID, m.lineID, m.by.Kind, m.by.ID, m.note, s.now(), m.branch).Scan(&movementID)
	if err != nil {
		return CatalogItem{}, 0, false, fmt.Errorf("record %s of item %d: %w", m.kind, m.item, err)
	}
	if err := s.checkLowStock(ctx, tx, it); err != nil {
		return CatalogItem{}, 0, false, err
	}
	return it, movementID, true, nil
}

const sqlLineStock = `
UPDATE order_lines SET reserved_milli = reserved_milli + $2, written_off_milli = written_off_milli + $3,
	updated_at = $4
WHERE id = $1`

// reserve holds q of a part line's item for the line. got is false, and nothing changes, when
// the free stock does not cover q (unless negative stock is allowed).
func (s *Service) reserve(ctx context.Context, tx pgx.Tx, by actorRef, o *Order, l *OrderLine, q Qty) (got bool, err error) {
	_, _, ok, err := s.move(ctx, tx, movement{item: *l.ItemID, kind: MoveReserve, reserved: q, orderID: &o.ID, lineID: &l.ID, by: by})
	if err != nil || !ok {
		return false, err
	}
	if _, err := tx.Exec(ctx, sqlLineStock, l.ID, q, 0, s.now()); err != nil {
		return false, fmt.Errorf("reserve for line %d: %w", l.ID, err)
	}
	l.Reserved += q
	return true, s.activity(ctx, tx, o.ID, by, ActivityStockReserved, map[string]any{"line_id": l.ID, "item_id": *l.ItemID, "name": l.Name, "qty": q})
}

// release gives q of a line's reservation back.
func (s *Service) release(ctx context.Context, tx pgx.Tx, by actorRef, orderID int64, l *OrderLine, q Qty) error {
	if q <= 0 || l.ItemID == nil {
		return nil
	}
	if _, _, _, err := s.move(ctx, tx, movement{item: *l.ItemID, kind: MoveRelease, reserved: -q, orderID: &orderID, lineID: &l.ID, by: by}); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, sqlLineStock, l.ID, -q, 0, s.now()); err != nil {
		return fmt.Errorf("release for line %d: %w", l.ID, err)
	}
	l.Reserved -= q
	return s.activity(ctx, tx, orderID, by, ActivityStockReleased, map[string]any{"line_id": l.ID, "item_id": *l.ItemID, "name": l.Name, "qty": q})
}

// writeOff takes a delivered line's parts out of stock: its reservation and, for any part not
// reserved, free stock (ErrOutOfStock when there is not enough and negative stock is not allowed).
func (s *Service) writeOff(ctx context.Context, tx pgx.Tx, by actorRef, orderID int64, l *OrderLine) error {
	q := l.Qty - l.WrittenOff
	if q <= 0 || l.ItemID == nil {
		return nil
	}
	fromReserve := min(l.Reserved, q)
	_, _, ok, err := s.move(ctx, tx, movement{item: *l.ItemID, kind: MoveWriteOff, onHand: -q, reserved: -fromReserve,
		orderID: &orderID, lineID: &l.ID, by: by})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("write off %s of %q: %w", q-fromReserve, l.Name, ErrOutOfStock)
	}
	if _, err := tx.Exec(ctx, sqlLineStock, l.ID, -fromReserve, q, s.now()); err != nil {
		return fmt.Errorf("write off line %d: %w", l.ID, err)
	}
	l.Reserved -= fromReserve
	l.WrittenOff += q
	return s.activity(ctx, tx, orderID, by, ActivityStockWrittenOff, map[string]any{"line_id": l.ID, "item_id": *l.ItemID, "name": l.Name, "qty": q})
}

// sortByItem orders lines by item so that transactions touching several items lock them in one
// order and cannot deadlock each other.
func sortByItem(ls []OrderLine) {
	slices.SortFunc(ls, func(a, b OrderLine) int {
		var x, y int64
		if a.ItemID != nil {
			x = *a.ItemID
		}
		if b.ItemID != nil {
			y = *b.ItemID
		}
		if x != y {
			return int(min(max(x-y, -1), 1))
		}
		return int(min(max(a.ID-b.ID, -1), 1))
	})
}

// releaseOrder gives back every reservation of an order (it was cancelled).
func (s *Service) releaseOrder(ctx context.Context, tx pgx.Tx, by actorRef, orderID int64) error {
	lines, err := orderLines(ctx, tx, orderID)
	if err != nil {
		return err
	}
	sortByItem(lines)
	for i := range lines {
		if err := s.release(ctx, tx, by, orderID, &lines[i], lines[i].Reserved); err != nil {
			return err
		}
	}
	return nil
}

// writeOffOrder takes the approved part lines of a delivered order out of stock.
func (s *Service) writeOffOrder(ctx context.Context, tx pgx.Tx, by actorRef, orderID int64) error {
	lines, err := orderLines(ctx, tx, orderID)
	if err != nil {
		return err
	}
	sortByItem(lines)
	for i := range lines {
		l := &lines[i]
		if l.Kind != LinePart {
			continue
		}
		if l.Approval != ApprovalApproved {
			if err := s.release(ctx, tx, by, orderID, l, l.Reserved); err != nil {
				return err
			}
			continue
		}
		if err := s.writeOff(ctx, tx, by, orderID, l); err != nil {
			return err
		}
	}
	return nil
}

const (
	sqlMarkLow  = `UPDATE catalog_items SET low_since = $2, low_alerts = low_alerts + 1 WHERE id = $1 RETURNING low_alerts`
	sqlClearLow = `UPDATE catalog_items SET low_since = NULL WHERE id = $1`
)

// checkLowStock alerts managers when an item's free stock is below its minimum and they have not
// been told since it last was at or above it; and forgets the alert once it is back.
func (s *Service) checkLowStock(ctx context.Context, tx pgx.Tx, it CatalogItem) error {
	if it.Kind != ItemPart {
		return nil
	}
	low := it.MinStock > 0 && it.Available() < it.MinStock
	switch {
	case low && it.LowSince == nil:
		var crossing int
		if err := tx.QueryRow(ctx, sqlMarkLow, it.ID, s.now()).Scan(&crossing); err != nil {
			return fmt.Errorf("mark item %d low: %w", it.ID, err)
		}
		data, err := json.Marshal(LowStockData{ItemID: it.ID, Name: it.Name, SKU: it.SKU, Unit: it.Unit, Available: it.Available(), MinStock: it.MinStock})
		if err != nil {
			return fmt.Errorf("encode %s data: %w", KindLowStock, err)
		}
		return s.notifyStaff(ctx, tx, KindLowStock, nil, data, KindLowStock+":"+strconv.FormatInt(it.ID, 10)+":"+strconv.Itoa(crossing))
	case !low && it.LowSince != nil:
		if _, err := tx.Exec(ctx, sqlClearLow, it.ID); err != nil {
			return fmt.Errorf("clear low mark of item %d: %w", it.ID, err)
		}
	}
	return nil
}

// notifyStaff enqueues a message of kind for the staff who get new requests (the staff group
// when configured, else active managers and admins, else owners), one per chat, with dedupe key
// "<key>:<chat id>".
func (s *Service) notifyStaff(ctx context.Context, tx pgx.Tx, kind string, orderID *int64, data []byte, key string) error {
	var to []recipient
	if s.opts.StaffChatID != 0 {
		to = []recipient{{ChatID: s.opts.StaffChatID}}
	} else {
		rows, _ := tx.Query(ctx, sqlNewRequestRecipients, s.opts.Pilot.pilotArgs()...)
		var err error
		if to, err = pgx.CollectRows(rows, pgx.RowToStructByName[recipient]); err != nil {
			return fmt.Errorf("list staff to notify: %w", err)
		}
	}
	for _, rc := range to {
		_, err := s.enqueue(ctx, tx, OutboxMessage{
			Kind: kind, ChatID: rc.ChatID, Language: rc.Language, OrderID: orderID, Data: data,
			DedupeKey: key + ":" + strconv.FormatInt(rc.ChatID, 10),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ReceiveStock records goods received: qty of a part at unitCost each (nil when unknown), by a
// manager, admin or owner (ErrForbidden). The new stock is then reserved for part lines that
// were short of it, oldest first, and the mechanics who asked for those parts are told
// (KindPartsArrived). It returns the item as it is after all that.
func (s *Service) ReceiveStock(ctx context.Context, a Actor, itemID int64, qty Qty, unitCost *Money, note string) (CatalogItem, error) {
	var by actorRef
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		st, err := actorStaff(ctx, tx, a)
		if err != nil {
			return err
		}
		if err := Permit(st, ActStock, nil); err != nil {
			return err
		}
		by = staffRef(st.ID)
		return s.receive(ctx, tx, by, itemID, qty, unitCost, note)
	})
	if err != nil {
		return CatalogItem{}, fmt.Errorf("receive item %d: %w", itemID, err)
	}
	return s.allocateReceived(ctx, by, itemID)
}

// ReceiveStockCLI is ReceiveStock for the operator's command line: no staff member acts.
func (s *Service) ReceiveStockCLI(ctx context.Context, itemID int64, qty Qty, unitCost *Money, note string) (CatalogItem, error) {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		return s.receive(ctx, tx, systemRef(), itemID, qty, unitCost, note)
	})
	if err != nil {
		return CatalogItem{}, fmt.Errorf("receive item %d: %w", itemID, err)
	}
	return s.allocateReceived(ctx, systemRef(), itemID)
}

func (s *Service) receive(ctx context.Context, tx pgx.Tx, by actorRef, itemID int64, qty Qty, unitCost *Money, note string) error {
	if qty <= 0 {
		return fmt.Errorf("quantity: %w", ErrNotPositive)
	}
	if qty > MaxQty || unitCost != nil && *unitCost > MaxPrice {
		return fmt.Errorf("quantity or cost: %w", ErrTooLarge)
	}
	if unitCost != nil && *unitCost < 0 {
		return fmt.Errorf("cost: %w", ErrNegative)
	}
	note, err := trimmed("note", note, 500)
	if err != nil {
		return err
	}
	it, err := itemByID(ctx, tx, itemID)
	if err != nil {
		return err
	}
	if it.Kind != ItemPart {
		return fmt.Errorf("item %d is a service, it has no stock: %w", itemID, ErrInvalidInput)
	}
	_, _, _, err = s.move(ctx, tx, movement{item: itemID, kind: MoveReceipt, onHand: qty, unitCost: unitCost, by: by, note: note})
	return err
}

// CorrectStock records an inventory count: the item's stock on hand becomes onHand (the CLI's
// way; no staff member acts). Taking stock below what orders hold is ErrOutOfStock unless
// negative stock is allowed.
func (s *Service) CorrectStock(ctx context.Context, itemID int64, onHand Qty, note string) (CatalogItem, error) {
	var it CatalogItem
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		cur, err := lockItem(ctx, tx, itemID)
		if err != nil {
			return err
		}
		if cur.Kind != ItemPart {
			return fmt.Errorf("item %d is a service: %w", itemID, ErrInvalidInput)
		}
		if onHand < 0 && !s.opts.AllowNegativeStock {
			return fmt.Errorf("stock %s: %w", onHand, ErrNegative)
		}
		delta := onHand - cur.OnHand
		if delta == 0 {
			it = cur
			return nil
		}
		var ok bool
		it, _, ok, err = s.move(ctx, tx, movement{item: itemID, kind: MoveCorrection, onHand: delta, by: systemRef(), note: note})
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("orders hold %s: %w", cur.Reserved, ErrOutOfStock)
		}
		return nil
	})
	if err != nil {
		return CatalogItem{}, fmt.Errorf("correct stock of item %d: %w", itemID, err)
	}
	return it, nil
}

// shortLine is a part line waiting for stock.
type shortLine struct {
	ID      int64 `db:"id"`
	OrderID int64 `db:"order_id"`
}

// sqlShortLines: active part lines of the item that lack stock, on orders not yet delivered,
// oldest first.
const sqlShortLines = `
SELECT l.id, l.order_id FROM order_lines l JOIN orders o ON o.id = l.order_id
WHERE l.item_id = $1 AND l.kind = 'part' AND l.approval IN ('pending', 'approved')
	AND l.reserved_milli + l.written_off_milli < l.qty_milli
	AND o.status NOT IN ('ready', 'delivered', 'closed', 'cancelled', 'declined')
ORDER BY l.id`

// allocateReceived reserves new stock of an item for the lines short of it, each in its own
// order's locked update (order first, then item: the same lock order as adding a line), and
// tells the mechanic of each line that had asked for the part.
func (s *Service) allocateReceived(ctx context.Context, by actorRef, itemID int64) (CatalogItem, error) {
	rows, _ := s.db.Query(ctx, sqlShortLines, itemID)
	short, err := pgx.CollectRows(rows, pgx.RowToStructByName[shortLine])
	if err != nil {
		return CatalogItem{}, fmt.Errorf("list lines short of item %d: %w", itemID, err)
	}
	for _, sl := range short {
		_, err := s.UpdateOrder(ctx, sl.OrderID, func(tx pgx.Tx, o *Order) error {
			l, err := lockLine(ctx, tx, o.ID, sl.ID)
			if err != nil {
				return err
			}
			missing := l.Qty - l.Reserved - l.WrittenOff
			if !l.Short() || !statusTakesLines(o.Status) {
				return errNothingToDo
			}
			got, err := s.reserve(ctx, tx, by, o, &l, missing)
			if err != nil {
				return err
			}
			if !got {
				return errNothingToDo
			}
			if l.PartsRequestedAt == nil || o.MechanicID == nil {
				return nil
			}
			mech, err := staffByID(ctx, tx, *o.MechanicID)
			if err != nil || mech.ChatID == nil {
				return err
			}
			data, err := json.Marshal(PartsData{Number: o.Number, LineID: l.ID, ItemID: itemID, Name: l.Name, Qty: missing})
			if err != nil {
				return fmt.Errorf("encode %s data: %w", KindPartsArrived, err)
			}
			_, err = s.enqueue(ctx, tx, OutboxMessage{
				Kind: KindPartsArrived, ChatID: *mech.ChatID, Language: mech.Language, OrderID: &o.ID, Data: data,
				DedupeKey: fmt.Sprintf("%s:%d:%d", KindPartsArrived, l.ID, o.Version+1),
			})
			return err
		})
		if err != nil && !errors.Is(err, errNothingToDo) {
			return CatalogItem{}, fmt.Errorf("reserve received item %d for line %d: %w", itemID, sl.ID, err)
		}
	}
	return s.Item(ctx, itemID)
}

// errNothingToDo rolls back an UpdateOrder closure that found nothing to change, so that the
// order's version does not move for nothing.
var errNothingToDo = errors.New("nothing to do")

const sqlStockLedger = `
SELECT id, item_id, kind, on_hand_delta, reserved_delta, unit_cost, order_id, line_id, actor_kind,
	actor_id, note, created_at
FROM stock_movements WHERE item_id = $1 ORDER BY id`

// StockLedger returns every movement of an item, oldest first (empty for an unknown item).
func (s *Service) StockLedger(ctx context.Context, itemID int64) ([]StockMovement, error) {
	rows, _ := s.db.Query(ctx, sqlStockLedger, itemID)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByName[StockMovement])
	if err != nil {
		return nil, fmt.Errorf("list stock movements of item %d: %w", itemID, err)
	}
	return ms, nil
}
