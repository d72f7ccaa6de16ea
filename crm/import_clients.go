package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ImportClient is a row of a clients file, normalised by the reader.
type ImportClient struct {
	Line       int
	Reject     bool   // the reader refused the row: it is counted, not staged
	Phone      string // E.164, the key
	Name       string // "" = none
	LeadSource string // "" = none; new clients then get "import"
	Consent    *bool  // marketing consent; nil = none
	Company    *bool
}

const sqlStageClients = `
CREATE TEMP TABLE import_clients (line integer NOT NULL, phone text NOT NULL, name text NOT NULL,
	src text NOT NULL, consent boolean, company boolean) ON COMMIT DROP`

const sqlLockImportClients = `LOCK TABLE clients IN SHARE ROW EXCLUSIVE MODE`

// phoneKey is an E.164 phone's digits as a number: at most 15 digits fit in a uint64.
func phoneKey(c ImportClient) (uint64, string) {
	var k uint64
	for i := 1; i < len(c.Phone); i++ {
		k = k*10 + uint64(c.Phone[i]-'0')
	}
	return k, c.Phone
}

// sqlClientConflicts lists the fields where file and record hold different values and the
// record's would be kept. Consent and the company mark count as "none" when false: a file's
// "yes" fills them, a file's "no" against the record's "yes" is a conflict.
const sqlClientConflicts = `
SELECT s.line, x.field, x.value, x.current
FROM import_clients s JOIN clients c ON c.phone = s.phone,
LATERAL (VALUES
	('name', s.name, c.name, s.name <> '' AND c.name <> '' AND s.name <> c.name),
	('source', s.src, c.lead_source, s.src <> '' AND s.src <> c.lead_source),
	('consent', s.consent::text, c.marketing_consent::text, NOT s.consent AND c.marketing_consent),
	('company', s.company::text, c.is_company::text, NOT s.company AND c.is_company)
) x (field, value, current, differs)
WHERE x.differs
ORDER BY s.line, x.field`

// sqlInsertClients creates the clients no record has, marked with the batch.
const sqlInsertClients = `
INSERT INTO clients (phone, name, lead_source, marketing_consent, is_company, import_batch_id, created_at, updated_at)
SELECT s.phone, s.name, CASE WHEN s.src = '' THEN 'import' ELSE s.src END, coalesce(s.consent, false),
	coalesce(s.company, false), $1, $2, $2
FROM import_clients s WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.phone = s.phone)`

// sqlUpdateClients fills what records lack ($2: overwrite, replace what differs) and records
// the previous values for undo; it returns the lines of the rows that changed a record.
const sqlUpdateClients = `
WITH prev AS (
	SELECT c.id, c.name, c.lead_source, c.marketing_consent, c.is_company
	FROM clients c JOIN import_clients s ON s.phone = c.phone
), upd AS (
	UPDATE clients c SET
		name = CASE WHEN s.name <> '' AND (c.name = '' OR $2) THEN s.name ELSE c.name END,
		lead_source = CASE WHEN s.src <> '' AND $2 THEN s.src ELSE c.lead_source END,
		marketing_consent = CASE WHEN s.consent OR (s.consent IS NOT NULL AND $2) THEN s.consent ELSE c.marketing_consent END,
		is_company = CASE WHEN s.company OR (s.company IS NOT NULL AND $2) THEN s.company ELSE c.is_company END,
		updated_at = $3
	FROM import_clients s
	WHERE s.phone = c.phone AND (
		(s.name <> '' AND s.name <> c.name AND (c.name = '' OR $2))
		OR (s.src <> '' AND s.src <> c.lead_source AND $2)
		OR (s.consent IS NOT NULL AND s.consent <> c.marketing_consent AND (s.consent OR $2))
		OR (s.company IS NOT NULL AND s.company <> c.is_company AND (s.company OR $2)))
	RETURNING c.id, s.line
)
INSERT INTO import_batch_rows (batch_id, entity, record_id, line, previous)
SELECT $1, 'client', u.id, u.line, to_jsonb(p) - 'id' FROM upd u JOIN prev p ON p.id = u.id
RETURNING line`

// ImportClients merges clients into the database by phone, as batch m (see importBatch): rows
// come from next until it reports false. Records get what they lack; with m.Overwrite the file's
// non-empty values replace differing ones, otherwise those are listed as conflicts.
func (s *Service) ImportClients(ctx context.Context, m ImportMeta, next func() (ImportClient, bool, error)) (ImportResult, error) {
	m.Kind = "clients"
	res, err := s.importBatch(ctx, m, func(ctx context.Context, tx pgx.Tx, batch int64, now time.Time, res *ImportResult) error {
		staged, err := stage(ctx, tx, sqlStageClients, "import_clients",
			[]string{"line", "phone", "name", "src", "consent", "company"}, res, next,
			func(c ImportClient) ([]any, int, bool) {
				return []any{c.Line, c.Phone, cut(c.Name, 200), cut(c.LeadSource, 64), c.Consent, c.Company}, c.Line, !c.Reject
			}, phoneKey)
		if err != nil {
			return err
		}
		// The bot may not create or link a client between the match and the insert.
		if _, err := tx.Exec(ctx, sqlLockImportClients); err != nil {
			return fmt.Errorf("lock clients: %w", err)
		}
		return mergeStaged(ctx, tx, res, staged, mergeSQL{
			conflicts: sqlClientConflicts,
			insert:    []string{sqlInsertClients}, update: []string{sqlUpdateClients},
		}, batch, now, m.Overwrite, nil)
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import clients: %w", err)
	}
	return res, nil
}

// mergeSQL are the statements of one kind's merge of its staging table.
type mergeSQL struct {
	dedupe    string   // drops in-file duplicates, returning ImportDuplicate rows
	match     []string // links staged rows to records
	refuse    string   // drops rows the database refuses, returning ImportRefusal rows
	conflicts string   // lists ImportConflict rows
	insert    []string // creates new records ($1 batch, $2 now); the last one's rows are counted
	update    []string // fill or overwrite records ($1 batch, $2 overwrite, $3 now), returning lines
}

// mergeStaged runs a kind's merge: drop in-file duplicates, match records, refuse rows, list
// conflicts (unless overwriting), insert new records, fill or overwrite existing ones. after,
// when not nil, runs last and may add conflicts and changed lines (the catalog's stock).
func mergeStaged(ctx context.Context, tx pgx.Tx, res *ImportResult, staged int64, q mergeSQL, batch int64, now time.Time, overwrite bool,
	after func(lines []int) ([]int, error)) error {
	var err error
	if q.dedupe != "" {
		if res.Duplicates, err = collect[ImportDuplicate](ctx, tx, q.dedupe); err != nil {
			return fmt.Errorf("find duplicates: %w", err)
		}
	}
	for _, m := range q.match {
		if _, err := tx.Exec(ctx, m); err != nil {
			return fmt.Errorf("match records: %w", err)
		}
	}
	if q.refuse != "" {
		if res.Refused, err = collect[ImportRefusal](ctx, tx, q.refuse); err != nil {
			return fmt.Errorf("refuse rows: %w", err)
		}
	}
	if !overwrite {
		if res.Conflicts, err = collect[ImportConflict](ctx, tx, q.conflicts); err != nil {
			return fmt.Errorf("find conflicts: %w", err)
		}
	}
	var inserted int64
	for _, ins := range q.insert {
		tag, err := tx.Exec(ctx, ins, batch, now)
		if err != nil {
			return fmt.Errorf("insert new records: %w", err)
		}
		inserted = tag.RowsAffected()
	}
	var lines []int
	for _, upd := range q.update {
		rows, _ := tx.Query(ctx, upd, batch, overwrite, now)
		l, err := pgx.CollectRows(rows, pgx.RowTo[int])
		if err != nil {
			return fmt.Errorf("update records: %w", err)
		}
		lines = append(lines, l...)
	}
	if after != nil {
		if lines, err = after(lines); err != nil {
			return err
		}
	}
	res.importCounts(staged, inserted, lines)
	return nil
}

// collect runs a query and collects its rows by column name.
func collect[T any](ctx context.Context, q querier, sql string, args ...any) ([]T, error) {
	rows, _ := q.Query(ctx, sql, args...)
	return pgx.CollectRows(rows, pgx.RowToStructByName[T])
}
