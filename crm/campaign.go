package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Segment picks the clients of a campaign. Zero fields do not filter; every field set must hold.
// Only clients who consented to marketing, whom the bot can reach and who got no marketing
// message within the offer gap are ever in a segment.
type Segment struct {
	Make  string `json:"make,omitempty"`  // a car of this make (case-insensitive)
	Model string `json:"model,omitempty"` // a car of this model, on the same car as Make
	// The last visit (delivered or closed order) before / on or after this time; clients who
	// never visited are in neither.
	VisitBefore *time.Time `json:"visit_before,omitempty"`
	VisitAfter  *time.Time `json:"visit_after,omitempty"`
	MinSpend    Money      `json:"min_spend,omitempty"`   // payments received from the client, at least
	LeadSource  string     `json:"lead_source,omitempty"` // clients.lead_source
	// DueItemID: a catalog service whose repeat_days passed since the client's last visit with it
	// (day intervals only; km intervals need the projection EnqueueOffers makes).
	DueItemID int64 `json:"due_item_id,omitempty"`
}

// MaxCampaignMessageLen bounds a campaign's text, in characters (it is sent with buttons and
// must fit one Telegram message after HTML escaping).
const MaxCampaignMessageLen = 3000

// sqlSegment lists the clients of a segment: $1 gap start, $2 make, $3 model, $4 visit before,
// $5 visit after, $6 min spend, $7 lead source, $8 due item, $9 now.
const sqlSegment = `
SELECT c.id FROM clients c
LEFT JOIN LATERAL (
	SELECT max(o.updated_at) AS last_visit FROM orders o
	WHERE o.client_id = c.id AND o.status IN ('delivered', 'closed')) lv ON true
WHERE ` + sqlMarketable + `
	AND (($2 = '' AND $3 = '') OR EXISTS (SELECT 1 FROM vehicles v WHERE v.client_id = c.id
		AND ($2 = '' OR lower(v.make) = lower($2)) AND ($3 = '' OR lower(v.model) = lower($3))))
	AND ($4::timestamptz IS NULL OR lv.last_visit < $4)
	AND ($5::timestamptz IS NULL OR lv.last_visit >= $5)
	AND ($6 = 0 OR (SELECT coalesce(sum(p.amount), 0) FROM payments p JOIN orders po ON po.id = p.order_id
		WHERE po.client_id = c.id) >= $6)
	AND ($7 = '' OR c.lead_source = $7)
	AND ($8 = 0 OR EXISTS (
		SELECT 1 FROM catalog_items i
		WHERE i.id = $8 AND i.repeat_days IS NOT NULL
			AND (SELECT max(o.updated_at) FROM orders o JOIN order_lines l ON l.order_id = o.id
				WHERE o.client_id = c.id AND o.status IN ('delivered', 'closed') AND l.item_id = i.id
					AND l.approval = 'approved') + make_interval(days => i.repeat_days) <= $9))
ORDER BY c.id`

func (s *Service) segmentArgs(seg Segment, now time.Time) []any {
	return []any{now.Add(-s.offerGap()), strings.TrimSpace(seg.Make), strings.TrimSpace(seg.Model),
		seg.VisitBefore, seg.VisitAfter, int64(seg.MinSpend), strings.TrimSpace(seg.LeadSource),
		seg.DueItemID, now}
}

func segmentClients(ctx context.Context, q querier, args []any) ([]int64, error) {
	rows, _ := q.Query(ctx, sqlSegment, args...)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("list segment: %w", err)
	}
	return ids, nil
}

// CountSegment is how many clients a campaign to seg would reach at now.
func (s *Service) CountSegment(ctx context.Context, seg Segment, now time.Time) (int, error) {
	ids, err := segmentClients(ctx, s.db, s.segmentArgs(seg, now))
	if err != nil {
		return 0, fmt.Errorf("count segment: %w", err)
	}
	return len(ids), nil
}

// Campaign is a campaign as sent.
type Campaign struct {
	ID   int64
	Sent int // clients it was enqueued for
}

const sqlInsertCampaign = `
INSERT INTO campaigns (created_by, segment, message, created_at) VALUES ($1, $2, $3, $4) RETURNING id`

const sqlCampaignSent = `UPDATE campaigns SET sent = $2 WHERE id = $1`

// SendCampaign records a campaign by staff member staffID (who needs ActCampaign in the
// permission table: ErrForbidden otherwise) and enqueues its message, with the Book and
// Unsubscribe buttons of an offer, to every client of seg, in one transaction: the clients CountSegment counts at that moment, each once (dedupe
// key "offer:<offer id>"), through the bulk lane. The per-client gap counts campaign messages as
// offers. An empty or too long message is ErrInvalidInput. sendAt, when not nil, says when the
// message to client id may go out (quiet hours); nil is now.
func (s *Service) SendCampaign(ctx context.Context, staffID int64, seg Segment, message string, now time.Time, sendAt func(clientID int64) time.Time) (Campaign, error) {
	message = strings.TrimSpace(CleanText(message)) // nothing visible is empty
	if message == "" || utf8.RuneCountInString(message) > MaxCampaignMessageLen {
		return Campaign{}, fmt.Errorf("send campaign: message of %d characters: %w", utf8.RuneCountInString(message), ErrInvalidInput)
	}
	segJSON, err := json.Marshal(seg)
	if err != nil {
		return Campaign{}, fmt.Errorf("send campaign: encode segment: %w", err)
	}
	var c Campaign
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var role Role
		err := tx.QueryRow(ctx, `SELECT role FROM staff WHERE id = $1 AND active`, staffID).Scan(&role)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && Can(role, ActCampaign) == ScopeNone) {
			return fmt.Errorf("staff %d (%s) may not send campaigns: %w", staffID, role, ErrForbidden)
		}
		if err != nil {
			return fmt.Errorf("look up staff: %w", err)
		}
		if err := tx.QueryRow(ctx, sqlInsertCampaign, staffID, string(segJSON), message, now).Scan(&c.ID); err != nil {
			return fmt.Errorf("insert campaign: %w", err)
		}
		ids, err := segmentClients(ctx, tx, s.segmentArgs(seg, now))
		if err != nil {
			return err
		}
		for _, id := range ids {
			at := now
			if sendAt != nil {
				at = sendAt(id)
			}
			ok, err := s.makeOfferTx(ctx, tx, newOffer{Kind: OfferCampaign, ClientID: id, CampaignID: &c.ID}, now, at, true)
			if err != nil {
				return fmt.Errorf("offer to client %d: %w", id, err)
			}
			if ok {
				c.Sent++
			}
		}
		if _, err := tx.Exec(ctx, sqlCampaignSent, c.ID, c.Sent); err != nil {
			return fmt.Errorf("record campaign reach: %w", err)
		}
		return nil
	})
	if err != nil {
		return Campaign{}, fmt.Errorf("send campaign: %w", err)
	}
	return c, nil
}

// OfferStats is how offers of one kind (or one campaign) did.
type OfferStats struct {
	Sent      int `db:"sent"`
	Converted int `db:"converted"`
}

const sqlCampaignStats = `
SELECT count(*) AS sent, count(converted_order_id) AS converted FROM offers WHERE campaign_id = $1`

// CampaignStats counts a campaign's messages and the orders booked from them.
func (s *Service) CampaignStats(ctx context.Context, campaignID int64) (OfferStats, error) {
	rows, _ := s.db.Query(ctx, sqlCampaignStats, campaignID)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[OfferStats])
	if err != nil {
		return OfferStats{}, fmt.Errorf("campaign %d stats: %w", campaignID, err)
	}
	return st, nil
}

// RepeatService is a catalog service with a repeat interval in days, for a campaign's "service
// due" condition.
type RepeatService struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

const sqlRepeatServices = `
SELECT id, name FROM catalog_items
WHERE active AND kind = 'service' AND repeat_days IS NOT NULL ORDER BY lower(name), id LIMIT 30`

// RepeatServices lists up to 30 active services with a repeat interval in days, by name.
func (s *Service) RepeatServices(ctx context.Context) ([]RepeatService, error) {
	rows, _ := s.db.Query(ctx, sqlRepeatServices)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[RepeatService])
	if err != nil {
		return nil, fmt.Errorf("list repeat services: %w", err)
	}
	return rs, nil
}

// OfferGapDays is the least number of days between two marketing messages to one client.
func (s *Service) OfferGapDays() int { return int(s.offerGap() / (24 * time.Hour)) }
