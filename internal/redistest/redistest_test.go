package redistest_test

import (
	"context"
	"testing"

	"github.com/uniflow-crm/uniflow/internal/redistest"
)

func TestCleanupDeletesOnlyPrefixedKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	other, otherPrefix := redistest.New(t)
	if err := other.Set(ctx, otherPrefix+"keep", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}

	var prefix string
	t.Run("inner", func(t *testing.T) {
		rdb, p := redistest.New(t)
		prefix = p
		if p == otherPrefix {
			t.Fatalf("two tests got the same prefix %q", p)
		}
		for _, k := range []string{"a", "b", "c:d"} {
			if err := rdb.Set(ctx, p+k, "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	keys, err := other.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Errorf("keys left after cleanup: %v", keys)
	}
	if n, err := other.Exists(ctx, otherPrefix+"keep").Result(); err != nil || n != 1 {
		t.Errorf("key of another test: exists=%d err=%v, want 1 <nil>", n, err)
	}
}
