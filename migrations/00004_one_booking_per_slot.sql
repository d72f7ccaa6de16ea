-- +goose Up

-- A slot is one car's time in the shop: the bot offers only free slots, and
-- this makes two clients confirming the same slot at once impossible too.
-- Cancelled orders free their slot.
CREATE UNIQUE INDEX orders_slot_taken ON orders (branch_id, slot)
    WHERE slot IS NOT NULL AND status <> 'cancelled';

-- +goose Down
DROP INDEX orders_slot_taken;
