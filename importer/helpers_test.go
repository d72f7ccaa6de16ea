package importer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/importer"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

type env struct {
	ctx context.Context
	db  *pgxpool.Pool
	svc *crm.Service
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db, _ := pgtest.New(t)
	return &env{ctx: context.Background(), db: db, svc: crm.New(db, crm.Options{})}
}

// run imports the text as the file name, failing the test on an error.
func (e *env) run(t testing.TB, name, text string, opt importer.Options) importer.Report {
	t.Helper()
	rep, err := importer.Run(e.ctx, e.svc, name, strings.NewReader(text), opt)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

// dump renders a table's rows, one a line, ordered by the query.
func (e *env) dump(t testing.TB, sql string) string {
	t.Helper()
	rows, err := e.db.Query(e.ctx, sql)
	if err != nil {
		t.Fatalf("dump: %v", err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if i > 0 {
				b.WriteString(" | ")
			}
			fmt.Fprint(&b, v)
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

const (
	dumpClients  = `SELECT phone, name, lead_source, marketing_consent, is_company, telegram_user_id IS NULL FROM clients ORDER BY phone`
	dumpVehicles = `SELECT c.phone, v.plate, v.vin, v.make, v.model, v.year, coalesce(v.last_visit_on::text, '-'),
		coalesce((SELECT string_agg(m.km::text || '@' || m.read_at::date, ',' ORDER BY m.km) FROM vehicle_mileage m WHERE m.vehicle_id = v.id), '-')
		FROM vehicles v JOIN clients c ON c.id = v.client_id ORDER BY c.phone, v.plate, v.vin`
	dumpItems = `SELECT kind, sku, name, unit, price, norm_milli, on_hand_milli, min_stock_milli,
		coalesce(repeat_days, 0), coalesce(repeat_km, 0),
		(SELECT count(*) FROM stock_movements m WHERE m.item_id = i.id) FROM catalog_items i ORDER BY lower(sku), name`
)

// render is a report as the golden files hold it.
func render(rep importer.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%s rows=%d new=%d updated=%d unchanged=%d duplicate=%d rejected=%d conflicts=%d\n",
		rep.Kind, rep.Rows, rep.New, rep.Updated, rep.Unchanged, rep.Duplicate, rep.Rejected, rep.Conflicts)
	fmt.Fprintf(&b, "unknown columns: %q\n", rep.UnknownColumns)
	for _, p := range rep.Problems {
		fmt.Fprintf(&b, "line %d [%s] %q: %s / %s", p.Line, p.Column, p.Value, p.ReasonRU, p.Reason)
		if p.Conflict {
			fmt.Fprintf(&b, " (conflict, db %q)", p.Current)
		}
		b.WriteString("\n")
	}
	return b.String()
}
