package crm

import (
	"context"
	"testing"

	"github.com/uniflow-crm/uniflow/internal/pgtest"
)

// The orders_slot_taken index (migration 00009) and the queries must agree on which orders hold a
// slot: an index built from slotHeld must have the very predicate of the migrated one.
func TestSlotHeldMatchesIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _ := pgtest.New(t)
	if _, err := db.Exec(ctx, `CREATE INDEX slot_held_probe ON orders (branch_id, slot) WHERE `+slotHeld); err != nil {
		t.Fatalf("create probe index: %v", err)
	}
	pred := func(index string) string {
		t.Helper()
		var p string
		err := db.QueryRow(ctx, `
SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE c.relname = $1`, index).Scan(&p)
		if err != nil {
			t.Fatalf("predicate of %s: %v", index, err)
		}
		return p
	}
	if got, want := pred(slotTakenIndex), pred("slot_held_probe"); got != want {
		t.Errorf("index %s predicate\n %s\nslotHeld gives\n %s", slotTakenIndex, got, want)
	}
}
