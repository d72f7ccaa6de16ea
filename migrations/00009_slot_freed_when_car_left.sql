-- +goose Up

-- A slot is held only while the order still needs it: a car delivered (or an
-- order closed) before its booked slot frees the slot, as a cancelled order
-- always did. Keep this predicate equal to crm's slotHeld.
DROP INDEX orders_slot_taken;
CREATE UNIQUE INDEX orders_slot_taken ON orders (branch_id, slot)
    WHERE slot IS NOT NULL AND status NOT IN ('delivered', 'closed', 'cancelled');

-- +goose Down
-- Fails if a freed slot was booked again meanwhile: two orders then share it.
DROP INDEX orders_slot_taken;
CREATE UNIQUE INDEX orders_slot_taken ON orders (branch_id, slot)
    WHERE slot IS NOT NULL AND status <> 'cancelled';
