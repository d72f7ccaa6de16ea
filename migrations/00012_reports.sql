-- +goose Up

-- Owner reports (issue 9, docs/kpi.md).

-- "Opened" of the offers KPI: when the client first pressed the offer's Book button.
ALTER TABLE offers ADD COLUMN opened_at timestamptz;
CREATE INDEX offers_created ON offers (created_at);

-- The report finds the orders that reached a status in a period (delivered: revenue; ready: a
-- mechanic's work done; closed, cancelled) without reading every event of the period.
CREATE INDEX order_events_to_created ON order_events (to_status, created_at);

-- Contacts of the funnel: clients first seen in a period.
CREATE INDEX clients_created ON clients (created_at);

-- Payment discipline: invoices due in a period (invoices_due covers it); the parts margin reads
-- receipt costs per item.
CREATE INDEX stock_movements_receipt_cost ON stock_movements (item_id) INCLUDE (on_hand_delta, unit_cost)
    WHERE kind = 'receipt' AND unit_cost IS NOT NULL;

-- +goose Down
DROP INDEX stock_movements_receipt_cost;
DROP INDEX clients_created;
DROP INDEX order_events_to_created;
DROP INDEX offers_created;
ALTER TABLE offers DROP COLUMN opened_at;
