-- +goose Up

-- Branches (issue 9): stock belongs to a branch. Each ledger row says whose shelf it moved: an
-- order's movements are its branch's, a receipt or count is the branch of whoever recorded it
-- (crm sets it), and anything else, like the rows before this migration that belong to no order,
-- is the default branch's. A branch's stock on hand is the sum of its rows; the item's cached
-- columns stay the shop's total.
CREATE FUNCTION default_branch_id() RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT id FROM branches WHERE is_default $$;

ALTER TABLE stock_movements ADD COLUMN branch_id bigint NOT NULL DEFAULT default_branch_id() REFERENCES branches (id);
UPDATE stock_movements m SET branch_id = o.branch_id FROM orders o WHERE o.id = m.order_id AND o.branch_id <> m.branch_id;
CREATE INDEX stock_movements_branch_item ON stock_movements (branch_id, item_id) INCLUDE (on_hand_delta, reserved_delta);

-- +goose Down
DROP INDEX stock_movements_branch_item;
ALTER TABLE stock_movements DROP COLUMN branch_id;
DROP FUNCTION default_branch_id();
