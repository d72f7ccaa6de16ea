package crm

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Import errors.
var (
	// ErrImportUsed: a batch cannot be undone because a record it created was used since (by an
	// order, a later import, the bot); the error's text names the record.
	ErrImportUsed = errors.New("imported records were used since")
	// ErrImportUndone: the batch was undone already.
	ErrImportUndone = errors.New("import batch already undone")
)

// Audit actions of imports.
const (
	AuditImported     = "import_applied"
	AuditImportUndone = "import_undone"
)

// ImportMeta says which batch an import is and how to merge it.
type ImportMeta struct {
	Kind      string // "clients", "vehicles" or "catalog"
	FileName  string
	BranchID  int64 // 0 = the default branch
	Overwrite bool  // the file's non-empty values replace differing ones
	DryRun    bool  // do everything, then roll back
	Actor     Actor // the zero Actor is the system (the operator's command line)
}

// ImportResult is what the merge did. Rows the reader rejected are counted, never staged.
type ImportResult struct {
	BatchID    int64 // 0 on a dry run
	Read       int   // rows the reader produced, rejected ones included
	Rejected   int   // rows the reader rejected plus Refused ones
	New        int
	Updated    int // rows that changed a record (some of them may also have a conflict)
	Unchanged  int
	Duplicates []ImportDuplicate
	Conflicts  []ImportConflict // one per differing field; a line may have several
	Refused    []ImportRefusal  // rows refused for what the database holds
	// Filled lists what rows with a conflict changed nevertheless (Value now, Current before),
	// so that a report shows the whole of such a row.
	Filled []ImportConflict
}

// ConflictLines is how many rows had at least one conflict.
func (r ImportResult) ConflictLines() int {
	seen := map[int]bool{}
	for _, c := range r.Conflicts {
		seen[c.Line] = true
	}
	return len(seen)
}

// ImportDuplicate is a row whose key an earlier row of the same file has.
type ImportDuplicate struct {
	Line      int    `db:"line"`
	FirstLine int    `db:"first_line"`
	Field     string `db:"field"` // the import field that repeats: "phone", "plate", "vin", "sku", "item_name"
	Value     string `db:"value"` // the key: phone, plate or VIN, SKU or name
}

// ImportConflict is a field whose value in the file differs from the record's, which was kept.
type ImportConflict struct {
	Line    int    `db:"line"`
	Field   string `db:"field"` // the import field name: "name", "price", "phone", ...
	Value   string `db:"value"`
	Current string `db:"current"`
}

// Why a row was refused by what the database holds.
const (
	RefusedNoOwner   = "no_owner"   // a vehicle's phone is no client's
	RefusedOtherKind = "other_kind" // the catalog has the item as the other kind (Current)
	// RefusedOpenOrders: overwriting would move a car with open orders (Current: their
	// numbers) to another owner.
	RefusedOpenOrders = "open_orders"
	// RefusedForgotten: the phone belonged to a client who asked to be forgotten (/forget_me).
	RefusedForgotten = "forgotten"
)

// ImportRefusal is a row refused because of what the database holds.
type ImportRefusal struct {
	Line    int    `db:"line"`
	Field   string `db:"field"`
	Value   string `db:"value"`
	Reason  string `db:"reason"` // a Refused* code
	Current string `db:"current"`
}

// importRun is the merge of one kind: it stages rows and merges them in tx for batch batchID.
type importRun func(ctx context.Context, tx pgx.Tx, batchID int64, now time.Time, res *ImportResult) error

// sqlBatchBranch is the branch an import batch is for (ImportMeta.BranchID, else the default).
const sqlBatchBranch = `SELECT branch_id FROM import_batches WHERE id = $1`

const sqlInsertBatch = `
INSERT INTO import_batches (kind, file_name, branch_id, actor_kind, actor_id, overwrite, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`

// sqlInsertDryBatch opens a dry run's batch under a number of no real batch (minus the
// session's backend pid: unique among sessions running at once), so that dry runs, rolled back,
// do not use up batch numbers.
const sqlInsertDryBatch = `
INSERT INTO import_batches (id, kind, file_name, branch_id, actor_kind, actor_id, overwrite, created_at)
OVERRIDING SYSTEM VALUE
VALUES (-pg_backend_pid(), $1, $2, $3, $4, $5, $6, $7) RETURNING id`

const sqlFinishBatch = `
UPDATE import_batches SET rows_read = $2, new_count = $3, updated_count = $4, unchanged_count = $5,
	duplicate_count = $6, rejected_count = $7, conflict_count = $8
WHERE id = $1`

const sqlBranch = `SELECT id FROM branches WHERE CASE WHEN $1::bigint = 0 THEN is_default ELSE id = $1 END`

// importBatch checks the actor, opens a transaction and a batch, runs the merge and records what
// it did; a dry run, an error or ctx cancelled roll everything back.
func (s *Service) importBatch(ctx context.Context, m ImportMeta, run importRun) (ImportResult, error) {
	by, err := s.importer(ctx, m.Actor)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return ImportResult{}, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // a no-op after Commit
	var branch int64
	if err := tx.QueryRow(ctx, sqlBranch, m.BranchID).Scan(&branch); err != nil {
		return ImportResult{}, fmt.Errorf("branch %d: %w", m.BranchID, notFound(err))
	}
	now := s.now()
	name := m.FileName
	if r := []rune(name); len(r) > 500 {
		name = string(r[:500])
	}
	var batch int64
	insert := sqlInsertBatch
	if m.DryRun {
		insert = sqlInsertDryBatch
	}
	if err := tx.QueryRow(ctx, insert, m.Kind, name, branch, by.Kind, by.ID, m.Overwrite, now).Scan(&batch); err != nil {
		return ImportResult{}, fmt.Errorf("open batch: %w", err)
	}
	if err := run(ctx, tx, batch, now, &res); err != nil {
		return ImportResult{}, err
	}
	res.Rejected += len(res.Refused)
	conflicts := res.ConflictLines()
	if _, err := tx.Exec(ctx, sqlFinishBatch, batch, res.Read, res.New, res.Updated, res.Unchanged,
		len(res.Duplicates), res.Rejected, conflicts); err != nil {
		return ImportResult{}, fmt.Errorf("close batch: %w", err)
	}
	err = s.audit(ctx, tx, by, AuditImported, nil, map[string]any{
		"batch_id": batch, "kind": m.Kind, "file": name, "new": res.New, "updated": res.Updated,
		"unchanged": res.Unchanged, "duplicate": len(res.Duplicates), "rejected": res.Rejected, "conflicts": conflicts,
	})
	if err != nil {
		return ImportResult{}, err
	}
	if m.DryRun {
		return res, nil // the deferred rollback undoes it all
	}
	if err := tx.Commit(ctx); err != nil {
		return ImportResult{}, fmt.Errorf("commit: %w", err)
	}
	res.BatchID = batch
	return res, nil
}

const sqlBranchID = `SELECT id FROM branches WHERE lower(name) = lower($1) OR id::text = $1 ORDER BY id LIMIT 1`

// BranchID finds a branch by name (ignoring case) or id; ErrNotFound when there is none.
func (s *Service) BranchID(ctx context.Context, nameOrID string) (int64, error) {
	var id int64
	if err := s.db.QueryRow(ctx, sqlBranchID, strings.TrimSpace(nameOrID)).Scan(&id); err != nil {
		return 0, fmt.Errorf("branch %q: %w", nameOrID, notFound(err))
	}
	return id, nil
}

// importer is who imports: the system for the zero Actor, else a staff member who may import.
func (s *Service) importer(ctx context.Context, a Actor) (actorRef, error) {
	if a == (Actor{}) {
		return systemRef(), nil
	}
	if err := requireAction(ctx, s.db, a, ActImport); err != nil {
		return actorRef{}, fmt.Errorf("import: %w", err)
	}
	return staffRef(a.StaffID), nil
}

// copySource feeds pgx's CopyFrom from a reader's rows, skipping (and counting) the rejected
// ones, so that a file is streamed into the staging table without being held in memory. With
// key set it also drops rows whose key an earlier row had (in-file duplicates) as they come:
// a map of integers costs far less than sorting the staged rows in SQL.
type copySource[T any] struct {
	next   func() (T, bool, error)
	values func(T) (vals []any, line int, keep bool) // false for a rejected row
	key    func(T) (uint64, string)
	field  string // the key's import field name
	seen   map[uint64]int32
	res    *ImportResult
	cur    []any
	err    error
}

func (c *copySource[T]) Next() bool {
	for {
		row, ok, err := c.next()
		if err != nil {
			c.err = err
			return false
		}
		if !ok {
			return false
		}
		c.res.Read++
		vals, line, keep := c.values(row)
		if !keep {
			c.res.Rejected++
			continue
		}
		if c.key != nil {
			k, shown := c.key(row)
			if first, dup := c.seen[k]; dup {
				c.res.Duplicates = append(c.res.Duplicates, ImportDuplicate{Line: line, FirstLine: int(first), Field: c.field, Value: shown})
				continue
			}
			c.seen[k] = int32(line)
		}
		c.cur = vals
		return true
	}
}

func (c *copySource[T]) Values() ([]any, error) { return c.cur, nil }
func (c *copySource[T]) Err() error             { return c.err }

// stage creates the temporary table (dropped at commit) and copies the rows into it.
func stage[T any](ctx context.Context, tx pgx.Tx, ddl, table string, cols []string, res *ImportResult,
	next func() (T, bool, error), values func(T) ([]any, int, bool), key func(T) (uint64, string), keyField string) (int64, error) {
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return 0, fmt.Errorf("create staging table: %w", err)
	}
	src := &copySource[T]{next: next, values: values, key: key, field: keyField, seen: map[uint64]int32{}, res: res}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
	if err != nil {
		return 0, fmt.Errorf("stage rows: %w", err)
	}
	return n + int64(len(res.Duplicates)), nil
}

// importCounts fills New, Updated and Unchanged: staged rows, less duplicates and refused
// ones, are new, updated (a record changed, with or without a conflict besides), conflicting
// (nothing changed) or unchanged. A row both updated and conflicting counts in both Updated and
// ConflictLines.
func (r *ImportResult) importCounts(staged int64, inserted int64, updatedLines []int) {
	conflict := map[int]bool{}
	for _, c := range r.Conflicts {
		conflict[c.Line] = true
	}
	r.New = int(inserted)
	sort.Ints(updatedLines) // a row may change a record and add to it (a mileage reading)
	both := 0
	for i, l := range updatedLines {
		if i == 0 || updatedLines[i-1] != l {
			r.Updated++
			if conflict[l] {
				both++
			}
		}
	}
	r.Unchanged = int(staged) - len(r.Duplicates) - len(r.Refused) - (len(conflict) - both) - r.New - r.Updated
}

// deref is *p, or the zero value for nil.
func deref[T any](p *T) T {
	var z T
	if p == nil {
		return z
	}
	return *p
}

// cut returns s cut to n characters.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return strings.TrimSpace(string(r[:n]))
	}
	return s
}

// Today is the shop's date now (its time zone), as UTC midnight: the latest date an import
// takes for a visit.
func (s *Service) Today() time.Time {
	n := s.now().In(s.opts.Location)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}
