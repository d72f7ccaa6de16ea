package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// ItemKind is what a catalog item is: a service (labour) or a part (kept in stock).
type ItemKind string

const (
	ItemService ItemKind = "service"
	ItemPart    ItemKind = "part"
)

// Limits of catalog fields, in characters.
const (
	MaxItemNameLen = 200
	MaxSKULen      = 64
	MaxUnitLen     = 16
)

// ErrSKUTaken: another catalog item has this SKU (compared case-insensitively).
var ErrSKUTaken = fmt.Errorf("SKU is taken by another item: %w", ErrInvalidInput)

// CatalogItem is a service or a part the shop sells. Prices are per unit, in kopecks, whatever
// the shop's VAT regime.
type CatalogItem struct {
	ID         int64      `db:"id"`
	Kind       ItemKind   `db:"kind"`
	SKU        string     `db:"sku"`
	Name       string     `db:"name"`
	Unit       string     `db:"unit"`
	Price      Money      `db:"price"`
	Norm       Qty        `db:"norm_milli"` // norm hours of a service
	OnHand     Qty        `db:"on_hand_milli"`
	Reserved   Qty        `db:"reserved_milli"`
	MinStock   Qty        `db:"min_stock_milli"`
	LowSince   *time.Time `db:"low_since"`
	RepeatDays *int       `db:"repeat_days"` // offer the item again after this many days
	RepeatKm   *int       `db:"repeat_km"`   // or kilometres
	Active     bool       `db:"active"`
	CreatedAt  time.Time  `db:"created_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
}

// Available is the stock free to reserve: on hand less what order lines hold.
func (i CatalogItem) Available() Qty { return i.OnHand - i.Reserved }

const itemColumns = `id, kind, sku, name, unit, price, norm_milli, on_hand_milli, reserved_milli,
	min_stock_milli, low_since, repeat_days, repeat_km, active, created_at, updated_at`

// ItemInput is what a person sets on a catalog item. Stock on hand is not set here: it moves
// only through the ledger (receipts, write-offs, corrections).
type ItemInput struct {
	Kind       ItemKind
	SKU        string
	Name       string
	Unit       string // "" = "шт" for parts, "усл" for services
	Price      Money
	Norm       Qty // services only
	MinStock   Qty // parts only
	RepeatDays int // 0 = none
	RepeatKm   int // 0 = none
}

// clean validates in and returns it trimmed.
func (in ItemInput) clean() (ItemInput, error) {
	var err error
	if in.Kind != ItemService && in.Kind != ItemPart {
		return in, fmt.Errorf("item kind %q: %w", in.Kind, ErrInvalidInput)
	}
	if in.Name, err = trimmed("name", in.Name, MaxItemNameLen); err != nil {
		return in, err
	}
	if in.Name == "" {
		return in, fmt.Errorf("item name is empty: %w", ErrInvalidInput)
	}
	if in.SKU, err = trimmed("SKU", in.SKU, MaxSKULen); err != nil {
		return in, err
	}
	if in.Unit, err = trimmed("unit", in.Unit, MaxUnitLen); err != nil {
		return in, err
	}
	if in.Unit == "" {
		in.Unit = "шт"
		if in.Kind == ItemService {
			in.Unit = "усл"
		}
	}
	switch {
	case in.Price < 0 || in.Norm < 0 || in.MinStock < 0 || in.RepeatDays < 0 || in.RepeatKm < 0:
		return in, fmt.Errorf("item: %w", ErrNegative)
	case in.Price > MaxPrice || in.Norm > 1000*QtyUnit || in.MinStock > MaxQty || in.RepeatDays > 3650 || in.RepeatKm > 1_000_000:
		return in, fmt.Errorf("item: %w", ErrTooLarge)
	case in.Kind == ItemService && in.MinStock != 0:
		return in, fmt.Errorf("a service has no stock: %w", ErrInvalidInput)
	case in.Kind == ItemPart && in.Norm != 0:
		return in, fmt.Errorf("a part has no norm hours: %w", ErrInvalidInput)
	}
	return in, nil
}

func nullIfZero(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

const sqlInsertItem = `
INSERT INTO catalog_items (kind, sku, name, unit, price, norm_milli, min_stock_milli, repeat_days,
	repeat_km, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
RETURNING ` + itemColumns

// CreateItem adds an item to the catalog; managers, admins and owners only (ErrForbidden). A SKU
// already used is ErrSKUTaken.
func (s *Service) CreateItem(ctx context.Context, a Actor, in ItemInput) (CatalogItem, error) {
	in, err := in.clean()
	if err != nil {
		return CatalogItem{}, fmt.Errorf("create item: %w", err)
	}
	var it CatalogItem
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := requireAction(ctx, tx, a, ActCatalogEdit); err != nil {
			return err
		}
		if it, err = insertItem(ctx, tx, in, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, staffRef(a.StaffID), AuditItemChanged, nil, itemAudit(nil, it)) // audit.go
	})
	if err != nil {
		return CatalogItem{}, fmt.Errorf("create item %q: %w", in.Name, err)
	}
	return it, nil
}

func insertItem(ctx context.Context, tx pgx.Tx, in ItemInput, now time.Time) (CatalogItem, error) {
	rows, _ := tx.Query(ctx, sqlInsertItem, in.Kind, in.SKU, in.Name, in.Unit, in.Price, in.Norm,
		in.MinStock, nullIfZero(in.RepeatDays), nullIfZero(in.RepeatKm), now)
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CatalogItem])
	if isUniqueViolation(err, "catalog_items_sku") {
		return CatalogItem{}, fmt.Errorf("SKU %q: %w", in.SKU, ErrSKUTaken)
	}
	if err != nil {
		return CatalogItem{}, fmt.Errorf("insert item: %w", err)
	}
	return it, nil
}

const sqlUpdateItem = `
UPDATE catalog_items SET sku = $2, name = $3, unit = $4, price = $5, norm_milli = $6,
	min_stock_milli = $7, repeat_days = $8, repeat_km = $9, updated_at = $10
WHERE id = $1
RETURNING ` + itemColumns

// UpdateItem replaces an item's fields with in (its kind cannot change: ErrInvalidInput);
// managers, admins and owners only. Prices already on order lines do not change: a line keeps
// the price it was added (and approved) at.
func (s *Service) UpdateItem(ctx context.Context, a Actor, id int64, in ItemInput) (CatalogItem, error) {
	in, err := in.clean()
	if err != nil {
		return CatalogItem{}, fmt.Errorf("update item %d: %w", id, err)
	}
	var it CatalogItem
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := requireAction(ctx, tx, a, ActCatalogEdit); err != nil {
			return err
		}
		var old CatalogItem
		old, it, err = updateItem(ctx, tx, id, in, s.now())
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, staffRef(a.StaffID), AuditItemChanged, nil, itemAudit(&old, it)); err != nil { // audit.go
			return err
		}
		return s.checkLowStock(ctx, tx, it)
	})
	if err != nil {
		return CatalogItem{}, fmt.Errorf("update item %d: %w", id, err)
	}
	return it, nil
}

// updateItem returns the item as it was and as it is now.
func updateItem(ctx context.Context, tx pgx.Tx, id int64, in ItemInput, now time.Time) (CatalogItem, CatalogItem, error) {
	old, err := lockItem(ctx, tx, id)
	if err != nil {
		return CatalogItem{}, CatalogItem{}, err
	}
	if old.Kind != in.Kind {
		return CatalogItem{}, CatalogItem{}, fmt.Errorf("kind %s cannot become %s: %w", old.Kind, in.Kind, ErrInvalidInput)
	}
	rows, _ := tx.Query(ctx, sqlUpdateItem, id, in.SKU, in.Name, in.Unit, in.Price, in.Norm,
		in.MinStock, nullIfZero(in.RepeatDays), nullIfZero(in.RepeatKm), now)
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CatalogItem])
	if isUniqueViolation(err, "catalog_items_sku") {
		return CatalogItem{}, CatalogItem{}, fmt.Errorf("SKU %q: %w", in.SKU, ErrSKUTaken)
	}
	if err != nil {
		return CatalogItem{}, CatalogItem{}, fmt.Errorf("save: %w", err)
	}
	return old, it, nil
}

const sqlItemBySKU = `SELECT ` + itemColumns + ` FROM catalog_items WHERE lower(sku) = lower($1) AND sku <> ''`

// UpsertItem creates the item with in.SKU or updates it: the operator's way in from the command
// line (no staff member acts, so it needs no Actor). An empty SKU is ErrInvalidInput. created
// reports whether the item is new.
func (s *Service) UpsertItem(ctx context.Context, in ItemInput) (it CatalogItem, created bool, err error) {
	if in, err = in.clean(); err != nil {
		return CatalogItem{}, false, fmt.Errorf("upsert item: %w", err)
	}
	if in.SKU == "" {
		return CatalogItem{}, false, fmt.Errorf("upsert item %q: SKU required: %w", in.Name, ErrInvalidInput)
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, sqlItemBySKU, in.SKU)
		old, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CatalogItem])
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			created = true
			it, err = insertItem(ctx, tx, in, s.now())
			return err
		case err != nil:
			return fmt.Errorf("look up SKU: %w", err)
		}
		if _, it, err = updateItem(ctx, tx, old.ID, in, s.now()); err != nil {
			return err
		}
		return s.checkLowStock(ctx, tx, it)
	})
	if err != nil {
		return CatalogItem{}, false, fmt.Errorf("upsert item %q: %w", in.SKU, err)
	}
	return it, created, nil
}

const sqlItem = `SELECT ` + itemColumns + ` FROM catalog_items WHERE id = $1`

// Item returns a catalog item, or ErrNotFound.
func (s *Service) Item(ctx context.Context, id int64) (CatalogItem, error) {
	return itemByID(ctx, s.db, id)
}

func itemByID(ctx context.Context, q querier, id int64) (CatalogItem, error) {
	rows, _ := q.Query(ctx, sqlItem, id)
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CatalogItem])
	if err != nil {
		return CatalogItem{}, fmt.Errorf("get catalog item %d: %w", id, notFound(err))
	}
	return it, nil
}

const sqlLockItem = sqlItem + ` FOR UPDATE`

func lockItem(ctx context.Context, tx pgx.Tx, id int64) (CatalogItem, error) {
	rows, _ := tx.Query(ctx, sqlLockItem, id)
	it, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CatalogItem])
	if err != nil {
		return CatalogItem{}, fmt.Errorf("lock catalog item %d: %w", id, notFound(err))
	}
	return it, nil
}

// CatalogPage is one page of a catalog search.
type CatalogPage struct {
	Items []CatalogItem
	Total int // items matching, over all pages
}

// sqlSearchItems matches every word of the query ($1, a text array of LIKE patterns) against the
// name or the SKU; an exact SKU match ($2) comes first, then names alphabetically.
const sqlSearchItems = `
SELECT ` + itemColumns + `, count(*) OVER () AS total FROM catalog_items
WHERE active AND ($3::text = '' OR kind = $3::text)
	AND NOT EXISTS (
		SELECT 1 FROM unnest($1::text[]) AS w(p)
		WHERE lower(name) NOT LIKE w.p ESCAPE '\' AND lower(sku) NOT LIKE w.p ESCAPE '\')
ORDER BY lower(sku) = lower($2) AND $2 <> '' DESC, lower(name), id
OFFSET $4 LIMIT $5`

type searchRow struct {
	CatalogItem
	Total int `db:"total"`
}

// SearchItems finds active catalog items whose name or SKU holds every word of query
// (case-insensitive; an empty query lists everything), of kind ("" = both), a page of limit
// items from offset. An exact SKU match comes first.
func (s *Service) SearchItems(ctx context.Context, query string, kind ItemKind, offset, limit int) (CatalogPage, error) {
	if utf8.RuneCountInString(query) > 200 || offset < 0 || limit <= 0 || limit > 100 {
		return CatalogPage{}, fmt.Errorf("search catalog: %w", ErrInvalidInput)
	}
	words := strings.Fields(strings.ToLower(query))
	patterns := make([]string, len(words))
	for i, w := range words {
		patterns[i] = "%" + likeEscaper.Replace(w) + "%"
	}
	rows, _ := s.db.Query(ctx, sqlSearchItems, patterns, strings.TrimSpace(query), string(kind), offset, limit)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[searchRow])
	if err != nil {
		return CatalogPage{}, fmt.Errorf("search catalog for %q: %w", query, err)
	}
	page := CatalogPage{Items: make([]CatalogItem, len(rs))}
	for i, r := range rs {
		page.Items[i] = r.CatalogItem
		page.Total = r.Total
	}
	if len(rs) == 0 && offset > 0 {
		// Past the last page: count so the caller can offer the way back.
		p, err := s.SearchItems(ctx, query, kind, 0, 1)
		if err != nil {
			return CatalogPage{}, err
		}
		page.Total = p.Total
	}
	return page, nil
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// requireAction re-reads the actor and refuses anyone the permission table does not let do act
// on everything.
func requireAction(ctx context.Context, q querier, a Actor, act Action) error {
	st, err := actorStaff(ctx, q, a)
	if err != nil {
		return err
	}
	return Permit(st, act, nil)
}
