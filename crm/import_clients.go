package crm

import (
	"context"
	"fmt"
	"strconv"
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

// consentWithdrawn(c) is true for a client whose marketing consent an import may not turn on:
// one who is in the bot (they turn offers on and off there, and an old file does not know what
// they chose last) or who unsubscribed from an offer.
const consentWithdrawn = `(c.telegram_user_id IS NOT NULL
	OR EXISTS (SELECT 1 FROM offers f WHERE f.client_id = c.id AND f.unsubscribed_at IS NOT NULL))`

// sqlClientConsentKept lists rows whose "yes" would turn on the consent of a client who withdrew
// it (consentWithdrawn): kept off, overwriting or not.
const sqlClientConsentKept = `
SELECT s.line, 'consent_withdrawn' AS field, 'true' AS value, 'false' AS current
FROM import_clients s JOIN clients c ON c.phone = s.phone
WHERE s.consent AND NOT c.marketing_consent AND ` + consentWithdrawn + ` AND $1::timestamptz IS NOT NULL
ORDER BY s.line`

// sqlRefuseForgotten drops rows whose phone belonged to a client who asked to be forgotten and
// is no client's now (a person who came back through the bot is a client again, and matches).
const sqlRefuseForgotten = `
DELETE FROM import_clients s USING forgotten_phones f
WHERE f.phone_sha256 = sha256(convert_to(s.phone, 'UTF8')) AND $1::boolean IS NOT NULL
	AND NOT EXISTS (SELECT 1 FROM clients c WHERE c.phone = s.phone)
RETURNING s.line, 'phone' AS field, s.phone AS value, 'forgotten' AS reason, '' AS current`

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
		marketing_consent = CASE WHEN s.consent AND NOT c.marketing_consent AND ` + consentWithdrawn + ` THEN false
			WHEN s.consent OR (s.consent IS NOT NULL AND $2) THEN s.consent ELSE c.marketing_consent END,
		is_company = CASE WHEN s.company OR (s.company IS NOT NULL AND $2) THEN s.company ELSE c.is_company END,
		updated_at = $3
	FROM import_clients s
	WHERE s.phone = c.phone AND (
		(s.name <> '' AND s.name <> c.name AND (c.name = '' OR $2))
		OR (s.src <> '' AND s.src <> c.lead_source AND $2)
		OR (s.consent IS NOT NULL AND s.consent <> c.marketing_consent AND (s.consent OR $2)
			AND NOT (s.consent AND ` + consentWithdrawn + `))
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
			}, phoneKey, "phone")
		if err != nil {
			return err
		}
		// The bot may not create or link a client between the match and the insert.
		if _, err := tx.Exec(ctx, sqlLockImportClients); err != nil {
			return fmt.Errorf("lock clients: %w", err)
		}
		return mergeStaged(ctx, tx, res, staged, mergeSQL{
			refuse: sqlRefuseForgotten, conflicts: sqlClientConflicts, kept: sqlClientConsentKept,
			insert: []string{sqlInsertClients}, update: []string{sqlUpdateClients},
		}, batch, now, m.Overwrite, nil)
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import clients: %w", err)
	}
	return res, nil
}

// mergeSQL are the statements of one kind's merge of its staging table.
type mergeSQL struct {
	dedupe     string   // drops in-file duplicates, returning ImportDuplicate rows
	match      []string // links staged rows to records
	sameRecord string   // drops rows that matched the same record as an earlier row, returning ImportDuplicate rows
	refuse     string   // drops rows the database refuses ($1 overwrite), returning ImportRefusal rows
	conflicts  string   // lists ImportConflict rows
	kept       string   // lists ImportConflict rows no overwrite resolves ($1 now): run always
	insert     []string // creates new records ($1 batch, $2 now); the last one's rows are counted
	update     []string // fill or overwrite records ($1 batch, $2 overwrite, $3 now), returning lines
}

// mergeStaged runs a kind's merge: drop in-file duplicates, match records, drop rows that found
// the same record, refuse rows, list conflicts (unless overwriting) and what may never be
// overwritten, insert new records, fill or overwrite existing ones. after, when not nil, runs
// last and may add conflicts and changed lines (the catalog's stock).
func mergeStaged(ctx context.Context, tx pgx.Tx, res *ImportResult, staged int64, q mergeSQL, batch int64, now time.Time, overwrite bool,
	after func(lines []int) ([]int, error)) error {
	if q.dedupe != "" {
		d, err := collect[ImportDuplicate](ctx, tx, q.dedupe)
		if err != nil {
			return fmt.Errorf("find duplicates: %w", err)
		}
		res.Duplicates = append(res.Duplicates, d...)
	}
	for _, m := range q.match {
		if _, err := tx.Exec(ctx, m); err != nil {
			return fmt.Errorf("match records: %w", err)
		}
	}
	if q.sameRecord != "" {
		d, err := collect[ImportDuplicate](ctx, tx, q.sameRecord)
		if err != nil {
			return fmt.Errorf("find rows of the same record: %w", err)
		}
		res.Duplicates = append(res.Duplicates, d...)
	}
	if q.refuse != "" {
		var err error
		if res.Refused, err = collect[ImportRefusal](ctx, tx, q.refuse, overwrite); err != nil {
			return fmt.Errorf("refuse rows: %w", err)
		}
	}
	if !overwrite {
		c, err := collect[ImportConflict](ctx, tx, q.conflicts)
		if err != nil {
			return fmt.Errorf("find conflicts: %w", err)
		}
		res.Conflicts = append(res.Conflicts, c...)
	}
	if q.kept != "" {
		c, err := collect[ImportConflict](ctx, tx, q.kept, now)
		if err != nil {
			return fmt.Errorf("find values kept: %w", err)
		}
		res.Conflicts = append(res.Conflicts, c...)
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
		var err error
		if lines, err = after(lines); err != nil {
			return err
		}
	}
	if err := res.filledOnConflict(ctx, tx, batch, lines); err != nil {
		return err
	}
	res.importCounts(staged, inserted, lines)
	return nil
}

// sqlFilled lists, for the given lines of a batch, the fields the batch changed on the record:
// the value now and the one before. Only lines that also had a conflict are asked for, so that a
// large import does not pay for it.
const sqlFilled = `
SELECT r.line, e.key AS field,
	CASE WHEN e.key = 'client_id' THEN coalesce((SELECT o.phone FROM clients o WHERE o.id = (x.now->>'client_id')::bigint), '')
		ELSE coalesce(x.now->>e.key, '') END AS value,
	CASE WHEN e.key = 'client_id' THEN coalesce((SELECT o.phone FROM clients o WHERE o.id = (e.value #>> '{}')::bigint), '')
		ELSE coalesce(e.value #>> '{}', '') END AS current
FROM import_batch_rows r,
LATERAL (SELECT CASE r.entity
	WHEN 'client' THEN (SELECT to_jsonb(c) FROM clients c WHERE c.id = r.record_id)
	WHEN 'vehicle' THEN (SELECT to_jsonb(v) FROM vehicles v WHERE v.id = r.record_id)
	WHEN 'item' THEN (SELECT to_jsonb(i) FROM catalog_items i WHERE i.id = r.record_id) END AS now) x,
LATERAL jsonb_each(r.previous) e
WHERE r.batch_id = $1 AND r.line = ANY($2) AND r.previous IS NOT NULL
	AND e.value IS DISTINCT FROM x.now->e.key
ORDER BY r.line, e.key`

// filledFields name the record columns of sqlFilled as the import's fields.
var filledFields = map[string]string{
	"lead_source": "source", "marketing_consent": "consent", "is_company": "company",
	"client_id": "phone", "last_visit_on": "last_visit", "norm_milli": "norm", "min_stock_milli": "min_stock",
}

// filledOnConflict fills Filled for the updated lines that also have a conflict: the report shows
// such a row's changes next to its conflict.
func (r *ImportResult) filledOnConflict(ctx context.Context, tx pgx.Tx, batch int64, updated []int) error {
	conflict := map[int]bool{}
	for _, c := range r.Conflicts {
		conflict[c.Line] = true
	}
	var lines []int
	for _, l := range updated {
		if conflict[l] {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return nil
	}
	filled, err := collect[ImportConflict](ctx, tx, sqlFilled, batch, lines)
	if err != nil {
		return fmt.Errorf("list filled fields: %w", err)
	}
	for i, f := range filled {
		if n, ok := filledFields[f.Field]; ok {
			filled[i].Field = n
		}
		switch f.Field {
		case "norm_milli", "min_stock_milli":
			filled[i].Value, filled[i].Current = milliText(f.Value), milliText(f.Current)
		case "price":
			filled[i].Value, filled[i].Current = kopecksText(f.Value), kopecksText(f.Current)
		}
	}
	r.Filled = append(r.Filled, filled...)
	return nil
}

// collect runs a query and collects its rows by column name.
func collect[T any](ctx context.Context, q querier, sql string, args ...any) ([]T, error) {
	rows, _ := q.Query(ctx, sql, args...)
	return pgx.CollectRows(rows, pgx.RowToStructByName[T])
}

// milliText and kopecksText show a stored number of thousandths or kopecks as Qty and Money do.
func milliText(s string) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return s
	}
	return Qty(n).String()
}

func kopecksText(s string) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return s
	}
	return Money(n).String()
}
