package bot

import (
	"testing"
	"time"
)

// backoff doubles from base per failure up to the cap, and every wait is a random point in the
// upper half of that nominal wait: never sooner than half of it, never later, never negative,
// and spread out (rows that failed together do not come back together).
func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		base, most time.Duration
		failures   int
		nominal    time.Duration
	}{
		{"first retry", time.Second, 5 * time.Minute, 0, time.Second},
		{"doubles", time.Second, 5 * time.Minute, 1, 2 * time.Second},
		{"doubles again", time.Second, 5 * time.Minute, 3, 8 * time.Second},
		{"just under the cap", time.Second, 5 * time.Minute, 8, 256 * time.Second},
		{"capped", time.Second, 5 * time.Minute, 9, 5 * time.Minute},
		{"capped after many", time.Second, 5 * time.Minute, 1000, 5 * time.Minute},
		{"a large base does not overflow", time.Hour, 2 * time.Hour, 29, 2 * time.Hour},
		{"a large base, many failures", time.Hour, 2 * time.Hour, 62, 2 * time.Hour},
		{"the test configuration", 20 * time.Millisecond, 100 * time.Millisecond, 2, 80 * time.Millisecond},
		{"negative failures count as none", 20 * time.Millisecond, 100 * time.Millisecond, -1, 20 * time.Millisecond},
		{"a base above the cap", 10 * time.Minute, 5 * time.Minute, 0, 5 * time.Minute},
		{"a zero base", 0, 5 * time.Minute, 3, 0},
	}
	const samples = 2000
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			low, high := tt.nominal/2, tt.nominal
			lo, hi := time.Duration(1<<62), time.Duration(-1)
			for range samples {
				d := backoff(tt.base, tt.most, tt.failures)
				if d < 0 || d < low || d > high {
					t.Fatalf("backoff(%v, %v, %d) = %v, want within [%v, %v]", tt.base, tt.most, tt.failures, d, low, high)
				}
				lo, hi = min(lo, d), max(hi, d)
			}
			// Jitter: the samples cover the range rather than sit at one point. With 2,000
			// uniform draws, missing either outer quarter has a chance of 0.75^2000.
			if q := (high - low) / 4; q > 0 && (lo > low+q || hi < high-q) {
				t.Errorf("backoff(%v, %v, %d) drew only [%v, %v] of [%v, %v]: not jittered", tt.base, tt.most, tt.failures, lo, hi, low, high)
			}
		})
	}
}
