package crm

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// A first run over a large shop finds tens of thousands of offers due; one transaction each
// took 2.5 ms apiece (half a minute for 12,000). So the scan's picks are made in batches: each
// batch one transaction of two statements, whatever its size (scheduler/BENCH.md).

// offerBatch is how many offers one transaction makes.
const offerBatch = 5000

// sqlLockClients locks the clients of a batch, in id order so that two runs cannot deadlock.
const sqlLockClients = `SELECT id FROM clients WHERE id = ANY($1) ORDER BY id FOR UPDATE`

// sqlMakeOffers checks again, set-wise and after the clients are locked (a new snapshot: what a
// run before committed is seen), that each client may get the offer picked for them now; records
// those offers (ON CONFLICT: made before) and enqueues their messages, as makeOfferTx does one
// by one. $1: the start of the per-client gap; $2-$12: the picks, one per client; $13: the
// offers' created_at; $14: the messages' created_at.
const sqlMakeOffers = `
WITH p AS (
	SELECT * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
		$8::text[], $9::int[], $10::int[], $11::text[], $12::timestamptz[])
		AS p(kind, client_id, vehicle_id, item_id, source_order_id, deferred_work_id, title, since_days,
			since_km, due_by, not_before)
), ok AS (
	SELECT p.*, c.chat_id, c.language FROM p JOIN clients c ON c.id = p.client_id
	WHERE ` + sqlMarketable + ` AND ` + sqlNoOpenOrder + `
), made AS (
	INSERT INTO offers (kind, client_id, vehicle_id, item_id, source_order_id, deferred_work_id, title,
		since_days, since_km, due_by, created_at)
	SELECT kind, client_id, vehicle_id, item_id, source_order_id, deferred_work_id, title, since_days,
		since_km, due_by, $13 FROM ok
	ON CONFLICT DO NOTHING
	RETURNING id, client_id
)
INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before, created_at)
SELECT '` + KindOffer + `', '` + LaneBulk + `',
	coalesce((SELECT to_chat_id FROM chat_migrations WHERE from_chat_id = ok.chat_id), ok.chat_id),
	ok.language, NULL, jsonb_build_object('offer_id', made.id), '` + KindOffer + `:' || made.id,
	ok.not_before, $14
FROM made JOIN ok ON ok.client_id = made.client_id
ON CONFLICT (dedupe_key) DO NOTHING`

// makeOffers makes picks (one per client) in batches and returns how many it made; a batch that
// fails is reported and the rest go on. sendAt as for EnqueueOffers.
func (s *Service) makeOffers(ctx context.Context, picks []newOffer, now time.Time, sendAt func(clientID int64) time.Time) (int, []error) {
	made := 0
	var errs []error
	for start := 0; start < len(picks); start += offerBatch {
		batch := picks[start:min(start+offerBatch, len(picks))]
		n, err := s.makeOfferBatch(ctx, batch, now, sendAt)
		if err != nil {
			errs = append(errs, fmt.Errorf("offers to clients %d-%d: %w", batch[0].ClientID, batch[len(batch)-1].ClientID, err))
			continue
		}
		made += n
	}
	return made, errs
}

func (s *Service) makeOfferBatch(ctx context.Context, batch []newOffer, now time.Time, sendAt func(clientID int64) time.Time) (int, error) {
	n := len(batch)
	var (
		kinds, titles, dueBys                    = make([]string, n), make([]string, n), make([]string, n)
		clients                                  = make([]int64, n)
		vehicles, items, sourceOrders, deferreds = make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n)
		sinceDays, sinceKM                       = make([]*int, n), make([]*int, n)
		notBefore                                = make([]time.Time, n)
	)
	for i, o := range batch {
		kinds[i], clients[i], vehicles[i], items[i] = o.Kind, o.ClientID, o.VehicleID, o.ItemID
		sourceOrders[i], deferreds[i], titles[i] = o.SourceOrderID, o.DeferredWorkID, truncate(o.Title, 200)
		sinceDays[i], sinceKM[i], dueBys[i] = o.SinceDays, o.SinceKM, o.DueBy
		notBefore[i] = now
		if sendAt != nil {
			notBefore[i] = sendAt(o.ClientID)
		}
	}
	var made int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, sqlLockClients, clients); err != nil {
			return fmt.Errorf("lock clients: %w", err)
		}
		tag, err := tx.Exec(ctx, sqlMakeOffers, now.Add(-s.offerGap()), kinds, clients, vehicles, items,
			sourceOrders, deferreds, titles, sinceDays, sinceKM, dueBys, notBefore, now, s.now())
		if err != nil {
			return fmt.Errorf("insert offers: %w", err)
		}
		made = int(tag.RowsAffected())
		return nil
	})
	return made, err
}

const sqlMileageOf = `SELECT vehicle_id, km, read_at FROM vehicle_mileage WHERE vehicle_id = ANY($1) ORDER BY vehicle_id, read_at, id`

// mileageOf reads the odometer readings of the cars ids into cache, oldest first, in one query
// (one per car was a round trip per candidate); a car without readings gets none.
func mileageOf(ctx context.Context, q querier, ids []int64, cache map[int64][]MileageReading) error {
	type reading struct {
		VehicleID int64 `db:"vehicle_id"`
		MileageReading
	}
	rows, _ := q.Query(ctx, sqlMileageOf, ids)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[reading])
	if err != nil {
		return fmt.Errorf("list mileage of %d vehicles: %w", len(ids), err)
	}
	for _, id := range ids {
		cache[id] = nil
	}
	for _, r := range rs {
		cache[r.VehicleID] = append(cache[r.VehicleID], r.MileageReading)
	}
	return nil
}
