// Package redistest gives each test a Redis client and a key prefix of its own.
//
// The server address comes from REDISTEST_ADDR, by default 127.0.0.1:6379. Keys under the prefix
// are deleted when the test ends. When Redis is unreachable the test fails, it is never skipped.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultAddr is used when REDISTEST_ADDR is not set.
const DefaultAddr = "127.0.0.1:6379"

// New returns a client and a unique prefix such as "test:1a2b3c4d5e6f7a8b:". Every key the test
// writes must start with the prefix.
func New(tb testing.TB) (rdb *redis.Client, prefix string) {
	tb.Helper()
	addr := os.Getenv("REDISTEST_ADDR")
	if addr == "" {
		addr = DefaultAddr
	}
	rdb = redis.NewClient(&redis.Options{Addr: addr})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		tb.Fatalf("redistest: cannot reach Redis at %s (REDISTEST_ADDR, default %s): %v", addr, DefaultAddr, err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	prefix = "test:" + hex.EncodeToString(b) + ":"
	tb.Cleanup(func() {
		defer rdb.Close()
		if err := deletePrefix(rdb, prefix); err != nil {
			tb.Errorf("redistest: delete keys %s*: %v", prefix, err)
		}
	})
	return rdb, prefix
}

func deletePrefix(rdb *redis.Client, prefix string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := rdb.Unlink(ctx, batch...).Err(); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return rdb.Unlink(ctx, batch...).Err()
	}
	return nil
}
