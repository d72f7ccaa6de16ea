-- +goose Up

-- Indexes for the scheduler's scans over a large shop (scheduler/BENCH.md).

-- The digest's "payments received today" sums one day's payments, not all of them.
CREATE INDEX payments_created ON payments (created_at);

-- +goose Down
DROP INDEX payments_created;
