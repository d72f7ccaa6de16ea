package crm

import (
	"context"
	"fmt"
)

// Repeat-sale offers (docs/kpi.md, "Offers").

// OfferKPIs follow the marketing messages made in a period (repeat offers, deferred-work
// follow-ups and campaign messages): offers are not tied to a branch, so this section is the
// whole shop's whatever the branch filter.
type OfferKPIs struct {
	Sent      int `json:"sent"`      // offers made in the period
	Opened    int `json:"opened"`    // of them, their Book button pressed (by now)
	Converted int `json:"converted"` // of them, an order booked from it
	Paid      int `json:"paid"`      // of them, that order's invoice paid in full
}

const sqlOfferKPIs = `
SELECT count(*), count(f.opened_at), count(f.converted_order_id),
	count(*) FILTER (WHERE o.id IS NOT NULL AND ` + sqlPaidInFull + `)
FROM offers f LEFT JOIN orders o ON o.id = f.converted_order_id
WHERE f.created_at >= $1 AND f.created_at < $2`

func (s *Service) offerKPIs(ctx context.Context, q querier, p Period, _ int64) (OfferKPIs, error) {
	var k OfferKPIs
	err := q.QueryRow(ctx, sqlOfferKPIs, p.Start, p.End).Scan(&k.Sent, &k.Opened, &k.Converted, &k.Paid)
	return k, err
}

// MarkOfferOpened records the first press of offer id's Book button (the "opened" of the report).
func (s *Service) MarkOfferOpened(ctx context.Context, id int64) error {
	if _, err := s.db.Exec(ctx, `UPDATE offers SET opened_at = $2 WHERE id = $1 AND opened_at IS NULL`, id, s.now()); err != nil {
		return fmt.Errorf("mark offer %d opened: %w", id, err)
	}
	return nil
}
