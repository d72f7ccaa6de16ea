-- +goose Up

-- Indexes for the scheduler's scans over a large shop (scheduler/BENCH.md).

-- The digest's "payments received today" sums one day's payments, not all of them.
CREATE INDEX payments_created ON payments (created_at);

-- "Has an order in the works" (crm.sqlNoOpenOrder: offers, their re-check when made, and the
-- sender's check): a probe of the few open orders, not a walk through each client's history.
CREATE INDEX orders_client_open ON orders (client_id) WHERE status NOT IN ('delivered', 'closed', 'cancelled');

-- +goose Down
DROP INDEX orders_client_open;
DROP INDEX payments_created;
