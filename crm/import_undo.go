package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const sqlLockBatch = `SELECT kind, undone_at IS NOT NULL FROM import_batches WHERE id = $1 FOR UPDATE`

// sqlUsedImport finds one record the batch created that something used since: an order, a car
// of a created client, the bot (a client who linked their Telegram), a later import that
// changed it, or stock movements besides the batch's own. It returns the record and why (an
// Used* code).
const sqlUsedImport = `
SELECT entity, record, name, why FROM (
	SELECT 'client' AS entity, c.phone AS record, c.name AS name, CASE
		WHEN EXISTS (SELECT 1 FROM orders o WHERE o.client_id = c.id) THEN 'has_orders'
		WHEN c.telegram_user_id IS NOT NULL THEN 'started_bot'
		WHEN EXISTS (SELECT 1 FROM vehicles v WHERE v.client_id = c.id) THEN 'has_vehicles'
		WHEN EXISTS (SELECT 1 FROM import_batch_rows r JOIN import_batches b ON b.id = r.batch_id
			WHERE r.entity = 'client' AND r.record_id = c.id AND r.batch_id <> $1 AND b.undone_at IS NULL)
			THEN 'changed_later' END AS why
	FROM clients c WHERE c.import_batch_id = $1
	UNION ALL
	SELECT 'vehicle', coalesce(nullif(v.plate, ''), nullif(v.vin, ''), v.id::text), trim(v.make || ' ' || v.model), CASE
		WHEN EXISTS (SELECT 1 FROM orders o WHERE o.vehicle_id = v.id) THEN 'has_orders'
		WHEN EXISTS (SELECT 1 FROM import_batch_rows r JOIN import_batches b ON b.id = r.batch_id
			WHERE r.entity = 'vehicle' AND r.record_id = v.id AND r.batch_id <> $1 AND b.undone_at IS NULL)
			THEN 'changed_later' END
	FROM vehicles v WHERE v.import_batch_id = $1
	UNION ALL
	SELECT 'item', coalesce(nullif(i.sku, ''), i.name), i.name, CASE
		WHEN EXISTS (SELECT 1 FROM order_lines l WHERE l.item_id = i.id) THEN 'has_orders'
		WHEN EXISTS (SELECT 1 FROM stock_movements m WHERE m.item_id = i.id AND m.id NOT IN (
			SELECT record_id FROM import_batch_rows WHERE batch_id = $1 AND entity = 'movement'))
			THEN 'stock_moved'
		WHEN EXISTS (SELECT 1 FROM import_batch_rows r JOIN import_batches b ON b.id = r.batch_id
			WHERE r.entity = 'item' AND r.record_id = i.id AND r.batch_id <> $1 AND b.undone_at IS NULL)
			THEN 'changed_later' END
	FROM catalog_items i WHERE i.import_batch_id = $1
) u WHERE why IS NOT NULL LIMIT 1`

// Why a batch's record stops its undo (ImportUsedError.Why).
const (
	UsedHasOrders    = "has_orders"    // a client's or car's orders, an item on order lines
	UsedStartedBot   = "started_bot"   // the client linked their Telegram
	UsedHasVehicles  = "has_vehicles"  // the client has cars (undo their import first)
	UsedChangedLater = "changed_later" // a later import changed the record
	UsedStockMoved   = "stock_moved"   // the item has stock movements since
	UsedStockHeld    = "stock_held"    // orders hold the stock the batch received
	UsedReferenced   = "referenced"    // something else points at a created record
)

// ImportUsedError says which record stops an undo, and why; it is ErrImportUsed. Record is the
// client's phone, the car's plate or VIN, the item's SKU or name, shown in full: the operator
// and the shop's staff who may undo own this data.
type ImportUsedError struct {
	Entity string // "client", "vehicle", "item"; "" when unknown (UsedReferenced)
	Record string
	Name   string // the client's name, the car's make and model, the item's name
	Why    string // a Used* code
}

func (e *ImportUsedError) Error() string {
	why := map[string]string{UsedHasOrders: "has orders", UsedStartedBot: "started the bot",
		UsedHasVehicles: "has vehicles (undo their import first)", UsedChangedLater: "was changed by a later import",
		UsedStockMoved: "has stock movements since", UsedStockHeld: "its stock is held by orders",
		UsedReferenced: "is referenced"}[e.Why]
	rec := strings.TrimSpace(e.Entity + " " + e.Record)
	if e.Name != "" && e.Name != e.Record {
		rec += " (" + e.Name + ")"
	}
	return fmt.Sprintf("%s %s: %v", rec, why, ErrImportUsed)
}

func (e *ImportUsedError) Unwrap() error { return ErrImportUsed }

// Restoring what the batch changed: each updated record's imported fields as they were.
const (
	sqlRestoreClients = `
UPDATE clients c SET name = r.previous->>'name', lead_source = r.previous->>'lead_source',
	marketing_consent = (r.previous->>'marketing_consent')::boolean,
	is_company = (r.previous->>'is_company')::boolean, updated_at = $2
FROM import_batch_rows r WHERE r.batch_id = $1 AND r.entity = 'client' AND r.record_id = c.id`
	sqlRestoreVehicles = `
UPDATE vehicles v SET client_id = (r.previous->>'client_id')::bigint, make = r.previous->>'make',
	model = r.previous->>'model', year = (r.previous->>'year')::integer, plate = r.previous->>'plate',
	vin = r.previous->>'vin', last_visit_on = (r.previous->>'last_visit_on')::date
FROM import_batch_rows r WHERE r.batch_id = $1 AND r.entity = 'vehicle' AND r.record_id = v.id AND $2::timestamptz IS NOT NULL`
	sqlRestoreItems = `
UPDATE catalog_items c SET name = r.previous->>'name', unit = r.previous->>'unit',
	price = (r.previous->>'price')::bigint, norm_milli = (r.previous->>'norm_milli')::bigint,
	min_stock_milli = (r.previous->>'min_stock_milli')::bigint,
	repeat_days = (r.previous->>'repeat_days')::integer, repeat_km = (r.previous->>'repeat_km')::integer,
	updated_at = $2
FROM import_batch_rows r WHERE r.batch_id = $1 AND r.entity = 'item' AND r.record_id = c.id`
)

// sqlBatchMovements are the ledger rows the batch wrote on items it did not create: undo adds
// the reverse movement, so the ledger keeps its history and its sums.
const sqlBatchMovements = `
SELECT m.item_id, m.on_hand_delta, m.branch_id FROM stock_movements m
JOIN import_batch_rows r ON r.batch_id = $1 AND r.entity = 'movement' AND r.record_id = m.id
JOIN catalog_items i ON i.id = m.item_id
WHERE i.import_batch_id IS DISTINCT FROM $1
ORDER BY m.id`

// Removing what the batch created: readings, then the ledger rows of created items (which go
// with them, leaving no sum to disagree with), then the records.
const sqlDeleteImported = `
WITH mileage AS (
	DELETE FROM vehicle_mileage WHERE id IN (
		SELECT record_id FROM import_batch_rows WHERE batch_id = $1 AND entity = 'mileage')
), moves AS (
	DELETE FROM stock_movements WHERE item_id IN (SELECT id FROM catalog_items WHERE import_batch_id = $1)
)
SELECT 1`

const (
	sqlDeleteItems    = `DELETE FROM catalog_items WHERE import_batch_id = $1`
	sqlDeleteVehicles = `DELETE FROM vehicles WHERE import_batch_id = $1`
	sqlDeleteClients  = `DELETE FROM clients WHERE import_batch_id = $1`
	sqlBatchUndone    = `UPDATE import_batches SET undone_at = $2 WHERE id = $1`
)

// UndoImport removes the records batch batchID created and restores the fields it changed to
// their values before it; ledger rows it wrote on existing items get a reverse movement. A
// record the batch created that was used since (orders, the bot, a later import) makes it
// refuse with ErrImportUsed naming the record; a batch undone already is ErrImportUndone, an
// unknown one ErrNotFound. Who may: the system (the zero Actor) and staff with ActImport.
func (s *Service) UndoImport(ctx context.Context, a Actor, batchID int64) error {
	by, err := s.importer(ctx, a)
	if err != nil {
		return fmt.Errorf("undo import %d: %w", batchID, err)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var kind string
		var undone bool
		if err := tx.QueryRow(ctx, sqlLockBatch, batchID).Scan(&kind, &undone); err != nil {
			return notFound(err)
		}
		if undone {
			return ErrImportUndone
		}
		var used ImportUsedError
		err := tx.QueryRow(ctx, sqlUsedImport, batchID).Scan(&used.Entity, &used.Record, &used.Name, &used.Why)
		if err == nil {
			return &used
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("check use: %w", err)
		}
		now := s.now()
		for _, q := range []string{sqlRestoreClients, sqlRestoreVehicles, sqlRestoreItems} {
			if _, err := tx.Exec(ctx, q, batchID, now); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
		}
		type move struct {
			ItemID int64 `db:"item_id"`
			Delta  Qty   `db:"on_hand_delta"`
			Branch int64 `db:"branch_id"`
		}
		moves, err := collect[move](ctx, tx, sqlBatchMovements, batchID)
		if err != nil {
			return fmt.Errorf("list movements: %w", err)
		}
		note := fmt.Sprintf("отмена импорта №%d", batchID)
		for _, m := range moves {
			_, _, ok, err := s.move(ctx, tx, movement{item: m.ItemID, kind: MoveCorrection, onHand: -m.Delta, by: by, note: note, branch: &m.Branch})
			if err != nil {
				return err
			}
			if !ok {
				return &ImportUsedError{Entity: "item", Record: fmt.Sprint(m.ItemID), Why: UsedStockHeld}
			}
		}
		for _, q := range []string{sqlDeleteImported, sqlDeleteItems, sqlDeleteVehicles, sqlDeleteClients} {
			if _, err := tx.Exec(ctx, q, batchID); err != nil {
				var pgErr *pgconn.PgError
				if errors.As(err, &pgErr) && pgErr.Code == "23503" {
					return &ImportUsedError{Record: "a created record, by " + pgErr.TableName, Why: UsedReferenced}
				}
				return fmt.Errorf("remove created records: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, sqlBatchUndone, batchID, now); err != nil {
			return fmt.Errorf("mark undone: %w", err)
		}
		return s.audit(ctx, tx, by, AuditImportUndone, nil, map[string]any{"batch_id": batchID, "kind": kind})
	})
	if err != nil {
		return fmt.Errorf("undo import %d: %w", batchID, err)
	}
	return nil
}
