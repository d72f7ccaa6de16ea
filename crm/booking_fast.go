package crm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The common booking, one round trip. A booking is the step that writes the
// most (client, car, order, event, staff notices) and the one clients wait
// on, so its usual cases are one statement sent with the card query as one
// batch: PostgreSQL runs a batch in one implicit transaction, so the notices
// still commit with the order or not at all. The rare cases (a client who
// now gives a phone an imported client holds, which merges the two) take
// the general path, book.

// fastVerdict is what sqlBookFast decided.
type fastVerdict string

const (
	verdictBooked    fastVerdict = "book"      // the order was written
	verdictReplay    fastVerdict = "replay"    // the booking key exists already
	verdictForbidden fastVerdict = "forbidden" // the phone or the car belongs to someone else
	verdictNoVehicle fastVerdict = "novehicle" // the picked car does not exist
	verdictSlow      fastVerdict = "slow"      // a merge: take the general path
)

// sqlBookFast does what book does, as one statement. Its data-modifying
// parts see one snapshot and pass ids on through RETURNING; a concurrent
// booking that creates the same client fails on a unique key, and Book
// retries, finding the client then.
const sqlBookFast = `
WITH a AS (
	SELECT $1::text AS key, $2::bigint AS tg, $3::bigint AS chat, $4::text AS phone,
		$5::text AS name, $6::text AS lang, $7::text AS src, $8::bigint AS vid, $9::text AS make,
		$10::text AS model, $11::int AS year, $12::text AS plate, $13::text AS problem,
		$14::text AS photo, $15::timestamptz AS slot, $16::timestamptz AS now,
		$17::bigint AS card_chat, $18::int AS card_msg, $19::bigint AS staff_chat,
		$20::bool AS verified, $21::text AS consent
),
prior AS (
	SELECT o.id, c.telegram_user_id AS tg FROM orders o JOIN clients c ON c.id = o.client_id, a
	WHERE o.booking_key = a.key
),
own AS (SELECT c.id FROM clients c, a WHERE c.telegram_user_id = a.tg),
byphone AS (SELECT c.id, c.telegram_user_id AS tg FROM clients c, a WHERE c.phone = a.phone),
verdict AS (
	SELECT CASE
		WHEN EXISTS (SELECT 1 FROM prior) THEN 'replay'
		WHEN EXISTS (SELECT 1 FROM byphone, a WHERE byphone.tg <> a.tg) THEN 'forbidden'
		WHEN NOT a.verified AND EXISTS (SELECT 1 FROM byphone WHERE byphone.tg IS NULL) THEN 'forbidden'
		WHEN EXISTS (SELECT 1 FROM own JOIN byphone ON byphone.id <> own.id) THEN 'slow'
		WHEN a.vid <> 0 AND NOT EXISTS (SELECT 1 FROM vehicles WHERE id = a.vid) THEN 'novehicle'
		WHEN a.vid <> 0 AND NOT EXISTS (
			SELECT 1 FROM vehicles v WHERE v.id = a.vid
			AND v.client_id IN (SELECT id FROM own UNION ALL SELECT id FROM byphone)) THEN 'forbidden'
		ELSE 'book' END AS v
	FROM a
),
upd_own AS (
	UPDATE clients c SET phone = a.phone, chat_id = a.chat,
		name = CASE WHEN a.name = '' THEN c.name ELSE a.name END,
		language = CASE WHEN a.lang = '' THEN c.language ELSE a.lang END,
		unreachable_since = NULL, updated_at = a.now,
		pd_consent_at = coalesce(c.pd_consent_at, CASE WHEN a.consent <> '' THEN a.now END),
		pd_consent_version = CASE WHEN c.pd_consent_at IS NULL THEN a.consent ELSE c.pd_consent_version END
	FROM a, verdict WHERE verdict.v = 'book' AND c.id IN (SELECT id FROM own)
	RETURNING c.id
),
link AS (
	UPDATE clients c SET telegram_user_id = a.tg, chat_id = a.chat,
		name = CASE WHEN c.name = '' THEN a.name ELSE c.name END,
		language = CASE WHEN a.lang = '' THEN c.language ELSE a.lang END,
		unreachable_since = NULL, updated_at = a.now,
		pd_consent_at = coalesce(c.pd_consent_at, CASE WHEN a.consent <> '' THEN a.now END),
		pd_consent_version = CASE WHEN c.pd_consent_at IS NULL THEN a.consent ELSE c.pd_consent_version END
	FROM a, verdict WHERE verdict.v = 'book' AND NOT EXISTS (SELECT 1 FROM own)
		AND c.id IN (SELECT id FROM byphone)
	RETURNING c.id
),
new_client AS (
	INSERT INTO clients (phone, name, telegram_user_id, chat_id, language, lead_source, created_at, updated_at,
		pd_consent_at, pd_consent_version)
	SELECT a.phone, a.name, a.tg, a.chat, a.lang, a.src, a.now, a.now,
		CASE WHEN a.consent <> '' THEN a.now END, a.consent FROM a, verdict
	WHERE verdict.v = 'book' AND NOT EXISTS (SELECT 1 FROM own) AND NOT EXISTS (SELECT 1 FROM byphone)
	RETURNING id
),
cl AS (SELECT id FROM upd_own UNION ALL SELECT id FROM link UNION ALL SELECT id FROM new_client),
same_car AS (
	SELECT v.id FROM vehicles v, cl, a
	WHERE v.client_id = cl.id AND (v.id = a.vid OR (a.vid = 0 AND a.plate <> '' AND v.plate = a.plate))
	ORDER BY v.id LIMIT 1
),
new_car AS (
	INSERT INTO vehicles (client_id, make, model, year, plate, created_at)
	SELECT cl.id, a.make, a.model, a.year, a.plate, a.now FROM cl, a
	WHERE NOT EXISTS (SELECT 1 FROM same_car)
	RETURNING id
),
car AS (SELECT id FROM same_car UNION ALL SELECT id FROM new_car),
new_order AS (
	INSERT INTO orders (branch_id, client_id, vehicle_id, problem, photo_file_id, slot, status,
		lead_source, booking_key, client_card_chat_id, client_card_message_id, created_at, updated_at)
	SELECT (SELECT id FROM branches WHERE is_default), cl.id, car.id, a.problem, a.photo, a.slot,
		'new', a.src, a.key, nullif(a.card_chat, 0), nullif(a.card_msg, 0), a.now, a.now
	FROM cl, car, a
	RETURNING id, number
),
new_event AS (
	INSERT INTO order_events (order_id, actor_kind, actor_id, from_status, to_status, created_at)
	SELECT o.id, 'client', cl.id, '', 'new', a.now FROM new_order o, cl, a
),
managers AS (
	SELECT chat_id, language FROM staff
	WHERE active AND chat_id IS NOT NULL AND role IN ('manager', 'admin')
),
recipients AS (
	SELECT a.staff_chat AS chat_id, '' AS language FROM a WHERE a.staff_chat <> 0
	UNION ALL
	SELECT chat_id, language FROM managers, a WHERE a.staff_chat = 0
	UNION ALL
	SELECT s.chat_id, s.language FROM staff s, a
	WHERE a.staff_chat = 0 AND s.active AND s.chat_id IS NOT NULL AND s.role = 'owner'
		AND NOT EXISTS (SELECT 1 FROM managers)
),
notices AS (
	INSERT INTO outbox (kind, chat_id, language, order_id, data, dedupe_key, not_before, created_at)
	SELECT 'new_request',
		coalesce((SELECT to_chat_id FROM chat_migrations WHERE from_chat_id = r.chat_id), r.chat_id),
		r.language, o.id, jsonb_build_object('number', o.number),
		'new_request:' || o.id || ':' || r.chat_id, a.now, a.now
	FROM new_order o, recipients r, a
	ON CONFLICT (dedupe_key) DO NOTHING
)
SELECT verdict.v, coalesce((SELECT id FROM new_order), (SELECT id FROM prior), 0),
	coalesce((SELECT tg FROM prior), 0), (SELECT count(*) FROM recipients)
FROM verdict`

const sqlCardByBookingKey = sqlCardSelect + ` WHERE o.booking_key = $1`

// bookFast tries the one-round-trip booking. ok is false when the booking
// needs the general path.
func (s *Service) bookFast(ctx context.Context, r BookingRequest) (b Booked, ok bool, err error) {
	if s.opts.Pilot.On() {
		return Booked{}, false, nil // the general path books into the pilot and tells only it
	}
	var slot *time.Time
	if !r.Slot.IsZero() {
		slot = &r.Slot
	}
	var cardChat int64
	var cardMsg int
	if r.ClientCard != nil {
		cardChat, cardMsg = r.ClientCard.ChatID, r.ClientCard.MessageID
	}
	v := r.NewVehicle
	batch := &pgx.Batch{}
	batch.Queue(sqlBookFast, r.DedupeKey, r.TelegramUserID, r.ChatID, r.Phone, r.ClientName, r.Language,
		r.LeadSource, r.VehicleID, v.Make, v.Model, v.Year, v.Plate, r.Problem, r.PhotoFileID, slot,
		s.now(), cardChat, cardMsg, s.opts.StaffChatID, r.PhoneVerified, r.ConsentVersion)
	batch.Queue(sqlCardByBookingKey, r.DedupeKey)
	res := s.db.SendBatch(ctx, batch)
	defer res.Close()

	var verdict fastVerdict
	var orderID, priorOwner, notices int64
	if err := res.QueryRow().Scan(&verdict, &orderID, &priorOwner, &notices); err != nil {
		return Booked{}, false, fmt.Errorf("book: %w", err)
	}
	rows, err := res.Query()
	if err != nil {
		return Booked{}, false, fmt.Errorf("read the booked card: %w", err)
	}
	cards, err := pgx.CollectRows(rows, pgx.RowToStructByName[cardRow])
	if err != nil {
		return Booked{}, false, fmt.Errorf("read the booked card: %w", err)
	}
	switch verdict {
	case verdictSlow:
		return Booked{}, false, nil
	case verdictForbidden:
		return Booked{}, false, fmt.Errorf("phone or car belongs to someone else: %w", ErrForbidden)
	case verdictNoVehicle:
		return Booked{}, false, fmt.Errorf("vehicle %d: %w", r.VehicleID, ErrNotFound)
	case verdictReplay:
		if priorOwner != r.TelegramUserID {
			return Booked{}, false, fmt.Errorf("booking %q belongs to another user: %w", r.DedupeKey, ErrForbidden)
		}
	case verdictBooked:
	default:
		return Booked{}, false, fmt.Errorf("book: unexpected verdict %q", verdict)
	}
	if len(cards) != 1 {
		return Booked{}, false, errors.New("book: the booked order has no card")
	}
	b = Booked{Card: cards[0].card(), Replay: verdict == verdictReplay}
	if !b.Replay {
		b.StaffNotices = int(notices)
	}
	return b, true, nil
}

// OrderCardByBookingKey returns the card of the order a booking created, or
// ErrNotFound when that booking was never confirmed.
func (s *Service) OrderCardByBookingKey(ctx context.Context, key string) (OrderCard, error) {
	cs, err := s.cards(ctx, sqlCardByBookingKey, key)
	if err == nil && len(cs) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return OrderCard{}, fmt.Errorf("get the order of booking %q: %w", key, err)
	}
	return cs[0], nil
}
