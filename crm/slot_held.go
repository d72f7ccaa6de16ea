package crm

// slotHeld is the one rule for whether an order still holds its booked slot: it does until the car
// has left the shop for good (delivered or closed) or the order is cancelled. A car delivered on
// Friday must not keep Saturday's slot from the next client.
//
// Migration 00009 spells the same predicate in the orders_slot_taken index (a partial index is
// used only by queries whose predicate matches it); TestSlotHeldMatchesIndex keeps the two equal.
const slotHeld = `slot IS NOT NULL AND status NOT IN ('delivered', 'closed', 'cancelled')`
