package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// KindOffer is a marketing message to a client: a repeat-sale offer, a deferred-work follow-up
// or a campaign's message (bulk lane). OrderID is nil; Data: OfferData. Dedupe key
// "offer:<offer id>". The sender renders the offer row as it is at send time.
const KindOffer = "offer"

// OfferData is the Data of a KindOffer message: {"offer_id":7}.
type OfferData struct {
	OfferID int64 `json:"offer_id"`
}

// Offer kinds.
const (
	OfferRepeat   = "repeat"   // a service due again: its repeat interval passed since the last visit
	OfferDeferred = "deferred" // work the client declined or postponed, on its follow-up date
	OfferCampaign = "campaign" // an owner's campaign message
)

// DefaultOfferGapDays is the least number of days between two marketing messages to one client.
const DefaultOfferGapDays = 30

// Offer is a marketing message a client got, with what its buttons need.
type Offer struct {
	ID               int64      `db:"id"`
	Kind             string     `db:"kind"`
	ClientID         int64      `db:"client_id"`
	VehicleID        *int64     `db:"vehicle_id"`
	ItemID           *int64     `db:"item_id"`
	CampaignID       *int64     `db:"campaign_id"`
	Title            string     `db:"title"`      // the service or deferred line; prefills the booking
	SinceDays        *int       `db:"since_days"` // days since the visit it repeats
	SinceKM          *int       `db:"since_km"`   // projected km since that visit
	DueBy            string     `db:"due_by"`     // "days", "km", "date" (deferred), "" (campaign)
	CreatedAt        time.Time  `db:"created_at"`
	ConvertedOrderID *int64     `db:"converted_order_id"`
	UnsubscribedAt   *time.Time `db:"unsubscribed_at"`
	// Joined for the sender and the buttons.
	ClientTelegramUserID *int64 `db:"client_telegram_user_id"`
	CampaignMessage      string `db:"campaign_message"`
	VehicleLabel         string `db:"vehicle_label"` // make and model
	// As things are now, for the sender: an offer waiting out quiet hours may find its client
	// unsubscribed or back in the shop.
	ClientConsent   bool `db:"client_consent"`
	ClientOpenOrder bool `db:"client_open_order"`
}

// OfferLeadSource is the lead source of an order booked from offer id's Book button.
func OfferLeadSource(id int64) string { return "offer_" + strconv.FormatInt(id, 10) }

// offerGap is the per-client cap as a duration.
func (s *Service) offerGap() time.Duration {
	days := s.opts.OfferGapDays
	if days <= 0 {
		days = DefaultOfferGapDays
	}
	return time.Duration(days) * 24 * time.Hour
}

// sqlMarketable is true for a client (alias c) who may get a marketing message now: they
// consented, the bot can write to them, and no marketing message went to them since $1.
const sqlMarketable = `c.marketing_consent AND c.chat_id IS NOT NULL AND c.unreachable_since IS NULL
	AND NOT EXISTS (SELECT 1 FROM offers pf WHERE pf.client_id = c.id AND pf.created_at > $1)`

// sqlNoOpenOrder is true for a client (alias c) without an order in the works: an offer to book
// while the car is in the shop reads as if nobody looked.
const sqlNoOpenOrder = `NOT EXISTS (SELECT 1 FROM orders oo WHERE oo.client_id = c.id
	AND oo.status NOT IN ('delivered', 'closed', 'cancelled'))`

// sqlVisitAt is when an order (alias o) was a visit: its delivery (or closing, for orders closed
// straight away), else its last change.
const sqlVisitAt = `coalesce((SELECT min(ve.created_at) FROM order_events ve WHERE ve.order_id = o.id
	AND ve.to_status IN ('delivered', 'closed')), o.updated_at)`

// sqlRepeatCandidates lists, per eligible client, car and catalog service with a repeat
// interval, the client's last delivered or closed order with that service done, unless that
// visit was offered already, or it cannot be due at $2 (now): its days not nearly passed (two
// days' slack for the shop's calendar, which repeatDue counts exactly) and no km projection
// possible (a car needs two readings). Most visits are recent enough, and leaving them out here
// saved sending 100,000 rows of 172,000 to be dropped in Go (scheduler/BENCH.md).
const sqlRepeatCandidates = `
WITH eligible AS (
	SELECT c.id FROM clients c WHERE ` + sqlMarketable + ` AND ` + sqlNoOpenOrder + `
), visits AS (
	SELECT DISTINCT ON (o.client_id, o.vehicle_id, l.item_id)
		o.client_id, o.vehicle_id, l.item_id, o.id AS order_id, ` + sqlVisitAt + ` AS visit_at
	FROM eligible el
	JOIN orders o ON o.client_id = el.id AND o.status IN ('delivered', 'closed')
	JOIN order_lines l ON l.order_id = o.id AND l.item_id IS NOT NULL AND l.approval = 'approved'
	-- Only services with an interval: the others need no last visit (and are most lines).
	JOIN catalog_items ri ON ri.id = l.item_id AND ri.active AND (ri.repeat_days IS NOT NULL OR ri.repeat_km IS NOT NULL)
	ORDER BY o.client_id, o.vehicle_id, l.item_id, visit_at DESC, o.id DESC
)
SELECT v.client_id, v.vehicle_id, v.item_id, v.order_id, v.visit_at, i.name, i.repeat_days, i.repeat_km
FROM visits v JOIN catalog_items i ON i.id = v.item_id
WHERE ((i.repeat_days IS NOT NULL AND v.visit_at <= $2::timestamptz - make_interval(days => i.repeat_days - 2))
		OR (i.repeat_km IS NOT NULL AND v.vehicle_id IN (
			SELECT vehicle_id FROM vehicle_mileage GROUP BY vehicle_id HAVING count(*) > 1)))
	AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.kind = 'repeat' AND f.client_id = v.client_id
		AND f.vehicle_id = v.vehicle_id AND f.item_id = v.item_id AND f.source_order_id = v.order_id)
ORDER BY v.client_id, v.visit_at, v.item_id`

type repeatCandidate struct {
	ClientID   int64     `db:"client_id"`
	VehicleID  int64     `db:"vehicle_id"`
	ItemID     int64     `db:"item_id"`
	OrderID    int64     `db:"order_id"`
	VisitAt    time.Time `db:"visit_at"`
	Name       string    `db:"name"`
	RepeatDays *int      `db:"repeat_days"`
	RepeatKM   *int      `db:"repeat_km"`
}

// sqlDeferredCandidates lists deferred work whose follow-up date has come ($2, the shop's today),
// of eligible clients, still declined or postponed, not followed up yet.
const sqlDeferredCandidates = `
SELECT d.id, d.client_id, d.vehicle_id, d.order_id, l.item_id, l.name
FROM deferred_work d
JOIN order_lines l ON l.id = d.line_id
JOIN clients c ON c.id = d.client_id
WHERE d.follow_up_on <= $2 AND l.approval IN ('declined', 'later')
	AND ` + sqlMarketable + ` AND ` + sqlNoOpenOrder + `
	AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.deferred_work_id = d.id)
ORDER BY d.client_id, d.follow_up_on, d.id`

type deferredCandidate struct {
	ID        int64  `db:"id"`
	ClientID  int64  `db:"client_id"`
	VehicleID int64  `db:"vehicle_id"`
	OrderID   int64  `db:"order_id"`
	ItemID    *int64 `db:"item_id"`
	Name      string `db:"name"`
}

// newOffer is an offer about to be made.
type newOffer struct {
	Kind           string
	ClientID       int64
	VehicleID      *int64
	ItemID         *int64
	SourceOrderID  *int64
	DeferredWorkID *int64
	CampaignID     *int64
	Title          string
	SinceDays      *int
	SinceKM        *int
	DueBy          string
}

// EnqueueOffers makes the offers due at now and enqueues them, and returns how many it made:
//
//   - a follow-up of deferred work (deferred_work.follow_up_on reached, the line still declined or
//     postponed);
//   - a repeat-sale offer for a service whose repeat interval passed since the client's last
//     delivered or closed order with it: repeat_days since that visit, or repeat_km since it as
//     projected from the car's odometer readings (KMSince; at least two readings), whichever
//     comes first.
//
// Only to clients who consented to marketing, whom the bot can reach, without an open order,
// and at most one message per client per Options.OfferGapDays (default 30): a client with
// several due gets one (deferred work first, then the oldest visit) and the rest later. Each due
// thing is offered once however often this runs (unique indexes on offers; dedupe key
// "offer:<offer id>"). The offers are made in batches (makeOffers), each checked again set-wise
// with its clients locked; a batch that fails is skipped, the rest go on, and the errors come
// back joined with the count.
//
// sendAt, when not nil, says when the message of an offer to client id may go out (quiet hours);
// nil is now.
func (s *Service) EnqueueOffers(ctx context.Context, now time.Time, sendAt func(clientID int64) time.Time) (int, error) {
	gapStart := now.Add(-s.offerGap())
	y, m, d := now.In(s.opts.Location).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // a date parameter

	picked := map[int64]newOffer{} // one per client
	var order []int64

	rows, _ := s.db.Query(ctx, sqlDeferredCandidates, gapStart, today)
	deferred, err := pgx.CollectRows(rows, pgx.RowToStructByName[deferredCandidate])
	if err != nil {
		return 0, fmt.Errorf("enqueue offers: list deferred work: %w", err)
	}
	for _, c := range deferred {
		if _, ok := picked[c.ClientID]; ok {
			continue
		}
		picked[c.ClientID] = newOffer{Kind: OfferDeferred, ClientID: c.ClientID, VehicleID: &c.VehicleID,
			ItemID: c.ItemID, SourceOrderID: &c.OrderID, DeferredWorkID: &c.ID, Title: c.Name, DueBy: "date"}
		order = append(order, c.ClientID)
	}

	repeats, err := s.repeatCandidates(ctx, gapStart, now)
	if err != nil {
		return 0, fmt.Errorf("enqueue offers: %w", err)
	}
	readings := map[int64][]MileageReading{}
	var kmCars []int64
	for _, c := range repeats {
		if _, ok := picked[c.ClientID]; !ok && c.RepeatKM != nil {
			kmCars = append(kmCars, c.VehicleID)
		}
	}
	if len(kmCars) > 0 {
		if err := mileageOf(ctx, s.db, kmCars, readings); err != nil {
			return 0, fmt.Errorf("enqueue offers: %w", err)
		}
	}
	var errs []error
	for _, c := range repeats {
		if _, ok := picked[c.ClientID]; ok {
			continue
		}
		o, due, err := s.repeatDue(ctx, c, now, readings)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if due {
			picked[c.ClientID] = o
			order = append(order, c.ClientID)
		}
	}

	picks := make([]newOffer, len(order))
	for i, clientID := range order {
		picks[i] = picked[clientID]
	}
	made, batchErrs := s.makeOffers(ctx, picks, now, sendAt)
	errs = append(errs, batchErrs...)
	if len(errs) > 0 {
		return made, fmt.Errorf("enqueue offers: %w", errors.Join(errs...))
	}
	return made, nil
}

// repeatCandidates runs sqlRepeatCandidates with room to sort in memory: its last-visit sort
// takes every eligible client's visits (430,000 rows at 200,000 clients), and with the default
// 4 MB spilled to disk (scheduler/BENCH.md); without JIT, and costing pages as on SSDs.
func (s *Service) repeatCandidates(ctx context.Context, gapStart, now time.Time) ([]repeatCandidate, error) {
	var cs []repeatCandidate
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// JIT compiling this plan took 100-120 ms of each run, more than it ever saved. With
		// the default random_page_cost (4, for spinning disks) the planner reads the orders'
		// heap (17,000 pages at 200,000 clients) rather than the covering index of visits
		// (migration 00011, a quarter of it); 1.1 is the usual figure for SSDs.
		if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'; SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1`); err != nil {
			return fmt.Errorf("tune the scan: %w", err)
		}
		rows, _ := tx.Query(ctx, sqlRepeatCandidates, gapStart, now)
		var err error
		if cs, err = pgx.CollectRows(rows, pgx.RowToStructByName[repeatCandidate]); err != nil {
			return fmt.Errorf("list repeat candidates: %w", err)
		}
		return nil
	})
	return cs, err
}

// repeatDue decides whether c is due at now, by days or by projected km.
func (s *Service) repeatDue(ctx context.Context, c repeatCandidate, now time.Time, cache map[int64][]MileageReading) (newOffer, bool, error) {
	// Days count by the shop's calendar: a visit on 10 March is six months old on the morning of
	// 6 September, whatever the hour of either.
	visitDay, today := s.localDate(c.VisitAt), s.localDate(now)
	days := int(today.Sub(visitDay).Hours()/24 + 0.5) // +0.5: a 23- or 25-hour day rounds right
	o := newOffer{Kind: OfferRepeat, ClientID: c.ClientID, VehicleID: &c.VehicleID, ItemID: &c.ItemID,
		SourceOrderID: &c.OrderID, Title: c.Name, SinceDays: &days}
	if c.RepeatDays != nil && days >= *c.RepeatDays {
		o.DueBy = "days"
	}
	if c.RepeatKM != nil {
		rs, ok := cache[c.VehicleID]
		if !ok {
			var err error
			if rs, err = mileageOn(ctx, s.db, c.VehicleID); err != nil {
				return o, false, err
			}
			cache[c.VehicleID] = rs
		}
		if km, ok := KMSince(rs, visitDay, today); ok { // whole days, as above
			o.SinceKM = &km
			if o.DueBy == "" && km >= *c.RepeatKM {
				o.DueBy = "km"
			}
		}
	}
	return o, o.DueBy != "", nil
}

// localDate is midnight of t's day in the shop's time zone.
func (s *Service) localDate(t time.Time) time.Time {
	y, m, d := t.In(s.opts.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.opts.Location)
}

const sqlLockMarketable = `
SELECT c.chat_id, c.language FROM clients c
WHERE c.id = $2 AND ` + sqlMarketable + ` FOR UPDATE`

const sqlLockMarketableNoOpen = `
SELECT c.chat_id, c.language FROM clients c
WHERE c.id = $2 AND ` + sqlMarketable + ` AND ` + sqlNoOpenOrder + ` FOR UPDATE`

const sqlInsertOffer = `
INSERT INTO offers (kind, client_id, vehicle_id, item_id, source_order_id, deferred_work_id,
	campaign_id, title, since_days, since_km, due_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT DO NOTHING
RETURNING id`

// makeOffer records o and enqueues its message in one transaction, after checking again, with the
// client row locked, that the client may get it now (two runs at once make one offer). ok is
// false when the client may not, or o was made before. Campaigns skip the open-order rule.
func (s *Service) makeOffer(ctx context.Context, o newOffer, now, at time.Time, campaign bool) (bool, error) {
	var made bool
	err := s.inTx(ctx, func(tx pgx.Tx) (err error) {
		made, err = s.makeOfferTx(ctx, tx, o, now, at, campaign)
		return err
	})
	return made, err
}

func (s *Service) makeOfferTx(ctx context.Context, tx pgx.Tx, o newOffer, now, at time.Time, campaign bool) (bool, error) {
	lock := sqlLockMarketableNoOpen
	if campaign {
		lock = sqlLockMarketable
	}
	var chatID int64
	var lang string
	err := tx.QueryRow(ctx, lock, now.Add(-s.offerGap()), o.ClientID).Scan(&chatID, &lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock client %d: %w", o.ClientID, err)
	}
	var id int64
	err = tx.QueryRow(ctx, sqlInsertOffer, o.Kind, o.ClientID, o.VehicleID, o.ItemID, o.SourceOrderID,
		o.DeferredWorkID, o.CampaignID, truncate(o.Title, 200), o.SinceDays, o.SinceKM, o.DueBy, now).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil // made before
	}
	if err != nil {
		return false, fmt.Errorf("insert offer: %w", err)
	}
	data, _ := json.Marshal(OfferData{OfferID: id})
	_, err = s.enqueue(ctx, tx, OutboxMessage{Kind: KindOffer, Lane: LaneBulk, ChatID: chatID, Language: lang,
		Data: data, DedupeKey: KindOffer + ":" + strconv.FormatInt(id, 10), NotBefore: at})
	if err != nil {
		return false, err
	}
	return true, nil
}

const sqlOffer = `
SELECT f.id, f.kind, f.client_id, f.vehicle_id, f.item_id, f.campaign_id, f.title, f.since_days,
	f.since_km, f.due_by, f.created_at, f.converted_order_id, f.unsubscribed_at,
	c.telegram_user_id AS client_telegram_user_id,
	coalesce(cm.message, '') AS campaign_message,
	coalesce(btrim(v.make || ' ' || v.model), '') AS vehicle_label,
	c.marketing_consent AS client_consent,
	NOT (` + sqlNoOpenOrder + `) AS client_open_order
FROM offers f
JOIN clients c ON c.id = f.client_id
LEFT JOIN campaigns cm ON cm.id = f.campaign_id
LEFT JOIN vehicles v ON v.id = f.vehicle_id
WHERE f.id = $1`

// Offer returns the offer with id, or ErrNotFound.
func (s *Service) Offer(ctx context.Context, id int64) (Offer, error) {
	rows, _ := s.db.Query(ctx, sqlOffer, id)
	o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Offer])
	if err != nil {
		return Offer{}, fmt.Errorf("get offer %d: %w", id, notFound(err))
	}
	return o, nil
}

// OfferOf returns offer id if it was made to the client linked to Telegram user userID:
// ErrForbidden for anyone else (the presser controls the button's data), ErrNotFound when there
// is no such offer.
func (s *Service) OfferOf(ctx context.Context, id, userID int64) (Offer, error) {
	o, err := s.Offer(ctx, id)
	if err != nil {
		return Offer{}, err
	}
	if o.ClientTelegramUserID == nil || *o.ClientTelegramUserID != userID {
		return Offer{}, fmt.Errorf("offer %d to another client: %w", id, ErrForbidden)
	}
	return o, nil
}

// An offer converts once: the results follow recipients (sent, opened, booked, paid), and a
// second booking from the same offer (a second car, a press days later) would count one client
// twice. Both orders keep the offer as their lead source, which is per order and right for
// each: the report's sources count orders. The conversion moves only off a cancelled order, so
// a client who cancels and books again from the offer is counted by the booking that stands
// (and is paid), not by the one that went.
const sqlRecordConversion = `
UPDATE offers f SET converted_order_id = o.id, converted_at = $2
FROM orders o
WHERE o.id = $1 AND o.lead_source = 'offer_' || f.id AND o.client_id = f.client_id
	AND f.converted_order_id IS DISTINCT FROM o.id
	AND (f.converted_order_id IS NULL
		OR EXISTS (SELECT 1 FROM orders c WHERE c.id = f.converted_order_id AND c.status = 'cancelled'))`

// RecordOfferConversion marks the offer an order was booked from (its lead source
// OfferLeadSource) as converted by it, when the order is the offer client's own and the offer was
// not converted before, or by an order since cancelled. It reports whether it marked one;
// running it again changes nothing.
func (s *Service) RecordOfferConversion(ctx context.Context, orderID int64) (bool, error) {
	tag, err := s.db.Exec(ctx, sqlRecordConversion, orderID, s.now())
	if err != nil {
		return false, fmt.Errorf("record offer conversion of order %d: %w", orderID, err)
	}
	return tag.RowsAffected() == 1, nil
}

const sqlUnsubscribe = `
WITH off AS (
	UPDATE offers SET unsubscribed_at = coalesce(unsubscribed_at, $2) WHERE id = $1 RETURNING client_id
)
UPDATE clients c SET marketing_consent = false, updated_at = $2
FROM off WHERE c.id = off.client_id AND c.marketing_consent
RETURNING c.id`

// Unsubscribe clears the marketing consent of the client offer id went to, on their press of its
// Unsubscribe button (userID: the presser, who must be that client: ErrForbidden otherwise). It
// reports whether the consent was still on.
func (s *Service) Unsubscribe(ctx context.Context, offerID, userID int64) (bool, error) {
	if _, err := s.OfferOf(ctx, offerID, userID); err != nil {
		return false, fmt.Errorf("unsubscribe: %w", err)
	}
	var id int64
	err := s.db.QueryRow(ctx, sqlUnsubscribe, offerID, s.now()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("unsubscribe from offer %d: %w", offerID, err)
	}
	return true, nil
}

const sqlSetConsent = `
UPDATE clients SET marketing_consent = $2, updated_at = $3 WHERE telegram_user_id = $1
RETURNING marketing_consent`

// SetMarketingConsent records whether the client linked to Telegram user userID wants offers
// and campaigns; ErrNotFound when no client is linked to them.
func (s *Service) SetMarketingConsent(ctx context.Context, userID int64, consent bool) error {
	var got bool
	err := s.db.QueryRow(ctx, sqlSetConsent, userID, consent, s.now()).Scan(&got)
	if err != nil {
		return fmt.Errorf("set marketing consent of telegram user %d: %w", userID, notFound(err))
	}
	return nil
}

const sqlConsent = `SELECT marketing_consent FROM clients WHERE telegram_user_id = $1`

// MarketingConsent reports whether the client linked to Telegram user userID wants offers;
// ErrNotFound when no client is linked to them.
func (s *Service) MarketingConsent(ctx context.Context, userID int64) (bool, error) {
	var ok bool
	if err := s.db.QueryRow(ctx, sqlConsent, userID).Scan(&ok); err != nil {
		return false, fmt.Errorf("marketing consent of telegram user %d: %w", userID, notFound(err))
	}
	return ok, nil
}

// IsOfferLeadSource reports the offer id in an order's lead source made by OfferLeadSource.
func IsOfferLeadSource(source string) (int64, bool) {
	rest, ok := strings.CutPrefix(source, "offer_")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}
