package scheduler

import (
	"fmt"
	"log/slog"
)

// skipped collects the rows a scan could not enqueue. One bad row must not stop the others: each
// is logged as it happens and the scan goes on, and the job still ends in an error (the count
// and the first cause), so that the run is recorded as failed rather than quietly short.
type skipped struct {
	n     int
	first error
}

func (k *skipped) add(log *slog.Logger, msg string, orderID int64, err error) {
	log.Error(msg, slog.Int64("order_id", orderID), slog.String("error", err.Error()))
	k.n++
	if k.first == nil {
		k.first = err
	}
}

// err is nil when no row was skipped, else says how many of the total rows of what were.
func (k *skipped) err(total int, what string) error {
	if k.n == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d %s skipped: %w", k.n, total, what, k.first)
}
