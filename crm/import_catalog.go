package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ImportItem is a row of a catalog file, normalised by the reader.
type ImportItem struct {
	Line       int
	Reject     bool
	SKU        string // the key; "" = none, then kind and name are
	Name       string
	Kind       ItemKind
	Unit       string // "" = none ("шт" or "усл" for new items)
	Price      Money
	Stock      *Qty // opening stock of a part: a receipt in the ledger
	MinStock   *Qty
	Norm       *Qty
	RepeatDays *int
	RepeatKm   *int
}

const sqlStageItems = `
CREATE TEMP TABLE import_items (line integer NOT NULL, sku text NOT NULL, name text NOT NULL,
	kind text NOT NULL, unit text NOT NULL, price bigint NOT NULL, stock bigint, min_stock bigint,
	norm bigint, repeat_days integer, repeat_km integer, item_id bigint,
	new_item boolean NOT NULL DEFAULT false)
ON COMMIT DROP`

// An item's key is its SKU (ignoring case), or for items without one its kind and name.
const sqlDedupeItems = `
DELETE FROM import_items s
USING (SELECT line, min(line) OVER (PARTITION BY
	CASE WHEN sku <> '' THEN 's' || lower(sku) ELSE 'n' || kind || lower(name) END) AS first_line
	FROM import_items) d
WHERE s.line = d.line AND d.first_line < s.line
RETURNING s.line, d.first_line, CASE WHEN s.sku <> '' THEN 'sku' ELSE 'item_name' END AS field,
	CASE WHEN s.sku <> '' THEN s.sku ELSE s.name END AS value`

// sqlSameItem drops rows that found the same item as an earlier row.
const sqlSameItem = `
DELETE FROM import_items s
USING (SELECT line, min(line) OVER (PARTITION BY item_id) AS first_line
	FROM import_items WHERE item_id IS NOT NULL) d
WHERE s.line = d.line AND d.first_line < s.line
RETURNING s.line, d.first_line, CASE WHEN s.sku <> '' THEN 'sku' ELSE 'item_name' END AS field,
	CASE WHEN s.sku <> '' THEN s.sku ELSE s.name END AS value`

const sqlMatchItems = `
UPDATE import_items s SET item_id = coalesce(
	(SELECT c.id FROM catalog_items c WHERE s.sku <> '' AND c.sku <> '' AND lower(c.sku) = lower(s.sku)),
	(SELECT c.id FROM catalog_items c WHERE s.sku = '' AND c.sku = '' AND c.kind = s.kind
		AND lower(c.name) = lower(s.name) ORDER BY c.id LIMIT 1))`

// A part never becomes a service or back by import: its stock and order lines hang on it.
const sqlRefuseItems = `
DELETE FROM import_items s USING catalog_items c
WHERE c.id = s.item_id AND c.kind <> s.kind AND $1::boolean IS NOT NULL
RETURNING s.line, 'kind' AS field, s.kind AS value, 'other_kind' AS reason, c.kind AS current`

// sqlItemConflicts: numbers are shown as the file writes them (rubles, units); stock is
// compared in Go, through the ledger.
const sqlItemConflicts = `
SELECT s.line, x.field, x.value, x.current
FROM import_items s JOIN catalog_items c ON c.id = s.item_id,
LATERAL (VALUES
	('item_name', s.name, c.name, lower(s.name) <> lower(c.name)),
	('unit', s.unit, c.unit, s.unit <> '' AND s.unit <> c.unit),
	('price', pg_temp.rubles(s.price), pg_temp.rubles(c.price), s.price <> c.price),
	('min_stock', pg_temp.units(s.min_stock), pg_temp.units(c.min_stock_milli), s.min_stock IS NOT NULL AND c.min_stock_milli <> 0 AND s.min_stock <> c.min_stock_milli),
	('norm', pg_temp.units(s.norm), pg_temp.units(c.norm_milli), s.norm IS NOT NULL AND c.norm_milli <> 0 AND s.norm <> c.norm_milli),
	('repeat_days', s.repeat_days::text, c.repeat_days::text, s.repeat_days IS NOT NULL AND c.repeat_days IS NOT NULL AND s.repeat_days <> c.repeat_days),
	('repeat_km', s.repeat_km::text, c.repeat_km::text, s.repeat_km IS NOT NULL AND c.repeat_km IS NOT NULL AND s.repeat_km <> c.repeat_km)
) x (field, value, current, differs)
WHERE x.differs
ORDER BY s.line, x.field`

// rubles and units format kopecks and thousandths as Money.String and Qty.String do.
const sqlMoneyFormat = `
CREATE OR REPLACE FUNCTION pg_temp.rubles(k bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT (k / 100)::text || CASE WHEN k % 100 = 0 THEN '' ELSE ',' || lpad((k % 100)::text, 2, '0') END $$;
CREATE OR REPLACE FUNCTION pg_temp.units(m bigint) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT (m / 1000)::text || CASE WHEN m % 1000 = 0 THEN '' ELSE ',' || rtrim(lpad((m % 1000)::text, 3, '0'), '0') END $$`

const (
	sqlNewItemIDs = `
UPDATE import_items SET item_id = nextval(pg_get_serial_sequence('catalog_items', 'id')), new_item = true
WHERE item_id IS NULL AND $1::bigint IS NOT NULL AND $2::timestamptz IS NOT NULL`
	sqlInsertItems = `
INSERT INTO catalog_items (id, kind, sku, name, unit, price, norm_milli, min_stock_milli, repeat_days,
	repeat_km, import_batch_id, created_at, updated_at)
OVERRIDING SYSTEM VALUE
SELECT item_id, kind, sku, name,
	CASE WHEN unit <> '' THEN unit WHEN kind = 'service' THEN 'усл' ELSE 'шт' END,
	price, coalesce(norm, 0), coalesce(min_stock, 0), repeat_days, repeat_km, $1, $2, $2
FROM import_items WHERE new_item ORDER BY line`
)

const sqlUpdateItems = `
WITH prev AS (
	SELECT c.id, c.name, c.unit, c.price, c.norm_milli, c.min_stock_milli, c.repeat_days, c.repeat_km
	FROM catalog_items c JOIN import_items s ON s.item_id = c.id AND NOT s.new_item
), upd AS (
	UPDATE catalog_items c SET
		name = CASE WHEN $2 THEN s.name ELSE c.name END,
		unit = CASE WHEN s.unit <> '' AND $2 THEN s.unit ELSE c.unit END,
		price = CASE WHEN $2 THEN s.price ELSE c.price END,
		norm_milli = CASE WHEN s.norm IS NOT NULL AND (c.norm_milli = 0 OR $2) THEN s.norm ELSE c.norm_milli END,
		min_stock_milli = CASE WHEN s.min_stock IS NOT NULL AND (c.min_stock_milli = 0 OR $2) THEN s.min_stock ELSE c.min_stock_milli END,
		repeat_days = CASE WHEN s.repeat_days IS NOT NULL AND (c.repeat_days IS NULL OR $2) THEN s.repeat_days ELSE c.repeat_days END,
		repeat_km = CASE WHEN s.repeat_km IS NOT NULL AND (c.repeat_km IS NULL OR $2) THEN s.repeat_km ELSE c.repeat_km END,
		updated_at = $3
	FROM import_items s
	WHERE s.item_id = c.id AND NOT s.new_item AND (
		($2 AND (s.name <> c.name OR s.price <> c.price OR (s.unit <> '' AND s.unit <> c.unit)))
		OR (s.norm IS NOT NULL AND s.norm <> c.norm_milli AND (c.norm_milli = 0 OR $2))
		OR (s.min_stock IS NOT NULL AND s.min_stock <> c.min_stock_milli AND (c.min_stock_milli = 0 OR $2))
		OR (s.repeat_days IS NOT NULL AND s.repeat_days IS DISTINCT FROM c.repeat_days AND (c.repeat_days IS NULL OR $2))
		OR (s.repeat_km IS NOT NULL AND s.repeat_km IS DISTINCT FROM c.repeat_km AND (c.repeat_km IS NULL OR $2)))
	RETURNING c.id, s.line
)
INSERT INTO import_batch_rows (batch_id, entity, record_id, line, previous)
SELECT $1, 'item', u.id, u.line, to_jsonb(p) - 'id' FROM upd u JOIN prev p ON p.id = u.id
RETURNING line`

// itemStock is a staged row with opening stock and the item's stock now.
type itemStock struct {
	Line      int   `db:"line"`
	ItemID    int64 `db:"item_id"`
	New       bool  `db:"new_item"`
	Stock     Qty   `db:"stock"`
	OnHand    Qty   `db:"on_hand_milli"`
	HasLedger bool  `db:"has_ledger"`
}

// sqlStagedStock: the stock a file states is the batch's branch's ($1): on hand there is the sum
// of that branch's ledger rows (a shop with one branch: the item's whole stock).
const sqlStagedStock = `
SELECT s.line, s.item_id, s.new_item, s.stock,
	coalesce((SELECT sum(m.on_hand_delta) FROM stock_movements m WHERE m.item_id = c.id AND m.branch_id = $1), 0)::bigint AS on_hand_milli,
	EXISTS (SELECT 1 FROM stock_movements m WHERE m.item_id = c.id AND m.branch_id = $1) AS has_ledger
FROM import_items s JOIN catalog_items c ON c.id = s.item_id
WHERE s.stock IS NOT NULL AND c.kind = 'part'
ORDER BY s.line`

const sqlRecordMovement = `
INSERT INTO import_batch_rows (batch_id, entity, record_id, line) VALUES ($1, 'movement', $2, $3)`

// ImportCatalog merges catalog items as batch m, by SKU (or, without one, by kind and name).
// Opening stock becomes a receipt in the ledger for a new part, or for one with no stock and no
// movement yet; a part whose stock differs is a conflict, or with m.Overwrite an inventory
// correction to the file's figure. See ImportClients for the rest.
func (s *Service) ImportCatalog(ctx context.Context, m ImportMeta, next func() (ImportItem, bool, error)) (ImportResult, error) {
	m.Kind = "catalog"
	res, err := s.importBatch(ctx, m, func(ctx context.Context, tx pgx.Tx, batch int64, now time.Time, res *ImportResult) error {
		if _, err := tx.Exec(ctx, sqlMoneyFormat); err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		staged, err := stage(ctx, tx, sqlStageItems, "import_items",
			[]string{"line", "sku", "name", "kind", "unit", "price", "stock", "min_stock", "norm", "repeat_days", "repeat_km"}, res, next,
			func(it ImportItem) ([]any, int, bool) {
				return []any{it.Line, cut(it.SKU, MaxSKULen), cut(it.Name, MaxItemNameLen), string(it.Kind), cut(it.Unit, MaxUnitLen),
					int64(it.Price), qtyPtr(it.Stock), qtyPtr(it.MinStock), qtyPtr(it.Norm), it.RepeatDays, it.RepeatKm}, it.Line, !it.Reject
			}, nil, "")
		if err != nil {
			return err
		}
		note := fmt.Sprintf("импорт №%d", batch)
		// Opening stock is on the shelf of the batch's branch (--branch), whoever imports it.
		var branch int64
		if err := tx.QueryRow(ctx, sqlBatchBranch, batch).Scan(&branch); err != nil {
			return fmt.Errorf("batch branch: %w", err)
		}
		return mergeStaged(ctx, tx, res, staged, mergeSQL{
			dedupe: sqlDedupeItems, match: []string{sqlMatchItems}, sameRecord: sqlSameItem, refuse: sqlRefuseItems,
			conflicts: sqlItemConflicts, insert: []string{sqlNewItemIDs, sqlInsertItems},
			update: []string{sqlUpdateItems},
		}, batch, now, m.Overwrite, func(lines []int) ([]int, error) {
			stock, err := collect[itemStock](ctx, tx, sqlStagedStock, branch)
			if err != nil {
				return nil, fmt.Errorf("read stock: %w", err)
			}
			for _, st := range stock {
				delta, kind := st.Stock, MoveReceipt
				switch {
				case st.Stock == st.OnHand:
					continue
				case st.New || st.OnHand == 0 && !st.HasLedger:
				case m.Overwrite:
					delta, kind = st.Stock-st.OnHand, MoveCorrection
				default:
					res.Conflicts = append(res.Conflicts, ImportConflict{Line: st.Line, Field: "stock", Value: st.Stock.String(), Current: st.OnHand.String()})
					continue
				}
				if kind == MoveReceipt && delta <= 0 {
					continue
				}
				_, id, ok, err := s.move(ctx, tx, movement{item: st.ItemID, kind: kind, onHand: delta, by: importRef(m.Actor), note: note, branch: &branch})
				if err != nil {
					return nil, fmt.Errorf("line %d: stock: %w", st.Line, err)
				}
				if !ok {
					return nil, fmt.Errorf("line %d: stock below what orders hold: %w", st.Line, ErrOutOfStock)
				}
				if _, err := tx.Exec(ctx, sqlRecordMovement, batch, id, st.Line); err != nil {
					return nil, fmt.Errorf("line %d: record movement: %w", st.Line, err)
				}
				if !st.New {
					lines = append(lines, st.Line)
				}
			}
			return lines, nil
		})
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import catalog: %w", err)
	}
	return res, nil
}

func qtyPtr(q *Qty) *int64 {
	if q == nil {
		return nil
	}
	v := int64(*q)
	return &v
}

// importRef is who a ledger row of an import names: the staff member, or the system.
func importRef(a Actor) actorRef {
	if a == (Actor{}) {
		return systemRef()
	}
	return staffRef(a.StaffID)
}
