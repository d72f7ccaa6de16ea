package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// How marketing messages did, for the owner (/campaign): per campaign, and per kind of offer.

// MarketingResult follows a campaign, or the offers of one kind, from the message to the money.
type MarketingResult struct {
	CampaignID int64     `db:"campaign_id"` // 0 for offers
	Kind       string    `db:"kind"`        // OfferCampaign, OfferRepeat, OfferDeferred
	CreatedAt  time.Time `db:"created_at"`  // the campaign's; for offers the first offer's
	Message    string    `db:"message"`     // the campaign's text ("" for offers)
	Recipients int       `db:"recipients"`  // messages enqueued
	Sent       int       `db:"sent"`        // of them, delivered
	Opened     int       `db:"opened"`      // of them, Book pressed or the link opened
	Booked     int       `db:"booked"`      // of them, an order booked from it
	Paid       int       `db:"paid"`        // of them, that order paid in full
}

// sqlResultColumns counts an offer (f), its message (ob) and its order (o) into the result.
const sqlResultColumns = `
	count(f.id) AS recipients,
	count(ob.id) FILTER (WHERE ob.state = 'sent') AS sent,
	count(f.opened_at) AS opened,
	count(f.converted_order_id) AS booked,
	count(o.id) FILTER (WHERE ` + sqlPaidInFull + `) AS paid`

const sqlResultJoins = `
LEFT JOIN outbox ob ON ob.dedupe_key = '` + KindOffer + `:' || f.id
LEFT JOIN orders o ON o.id = f.converted_order_id`

const sqlCampaignResults = `
SELECT cm.id AS campaign_id, '` + OfferCampaign + `' AS kind, cm.created_at, cm.message, ` + sqlResultColumns + `
FROM campaigns cm
LEFT JOIN offers f ON f.campaign_id = cm.id` + sqlResultJoins + `
GROUP BY cm.id ORDER BY cm.created_at DESC, cm.id DESC LIMIT $1`

const sqlOfferResults = `
SELECT 0::bigint AS campaign_id, f.kind, min(f.created_at) AS created_at, '' AS message, ` + sqlResultColumns + `
FROM offers f` + sqlResultJoins + `
WHERE f.kind IN ('` + OfferRepeat + `', '` + OfferDeferred + `') AND f.created_at >= $1
GROUP BY f.kind ORDER BY f.kind DESC`

// CampaignResults returns the last limit campaigns, newest first, with how each did.
func (s *Service) CampaignResults(ctx context.Context, limit int) ([]MarketingResult, error) {
	rows, _ := s.db.Query(ctx, sqlCampaignResults, listLimit(limit))
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[MarketingResult])
	if err != nil {
		return nil, fmt.Errorf("campaign results: %w", err)
	}
	return rs, nil
}

// OfferResults returns how the repeat-sale offers and the deferred-work follow-ups made since
// since did, one result per kind that has any.
func (s *Service) OfferResults(ctx context.Context, since time.Time) ([]MarketingResult, error) {
	rows, _ := s.db.Query(ctx, sqlOfferResults, since)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[MarketingResult])
	if err != nil {
		return nil, fmt.Errorf("offer results: %w", err)
	}
	return rs, nil
}
