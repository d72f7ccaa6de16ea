package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Booking reminders (issue 7): the day before a booked slot the client is asked to confirm,
// move or cancel; a slot that passes with the car not in is recorded as a no-show.

// KindBookingReminder reminds a client of tomorrow's slot, with Confirm / Reschedule / Cancel
// (bulk lane). OrderID is set; Data: BookingReminderData. Dedupe key
// "booking_reminder:<order id>:<slot, Unix seconds>": a moved booking is reminded of again.
const KindBookingReminder = "booking_reminder"

// KindBookingReminderLate tells the managers that a booking's reminder was missed (the process
// was down at its time) and can no longer reach the client in time: someone may call. OrderID is
// set; Data: BookingReminderData. Dedupe key "booking_reminder_late:<order id>:<slot, Unix
// seconds>:<chat id>".
const KindBookingReminderLate = "booking_reminder_late"

// KindBookingChanged tells the managers that a client cancelled or moved their booking from a
// reminder. OrderID is set; Data: BookingChangedData. Dedupe key
// "booking_changed:<order id>:<order version after the change>:<chat id>".
const KindBookingChanged = "booking_changed"

// BookingChangedData is the Data of a KindBookingChanged message; To is nil for a cancellation.
type BookingChangedData struct {
	Number int64      `json:"number"`
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to,omitempty"`
}

// Activity kinds of the client's answers to a booking reminder.
const (
	ActivityBookingConfirmed   = "booking_confirmed"
	ActivityBookingRescheduled = "booking_rescheduled"
)

// BookingReminderData is the Data of a KindBookingReminder message.
type BookingReminderData struct {
	Number int64     `json:"number"`
	Slot   time.Time `json:"slot"`
}

// awaitingCar is where an order stands while its car is not yet in: a booking still to keep.
const awaitingCar = `('new', 'accepted')`

// confirmedBooking is where an order stands while the shop has confirmed its booking and the car
// is not in yet: the only bookings reminded of. A new order is a request the shop has not
// confirmed (the client was told so), and reminding of it would promise a slot nobody agreed to.
const confirmedBooking = `('accepted')`

// BookingRemindable reports whether an order in status st is a confirmed booking still to keep:
// the send-time check of a reminder enqueued for it.
func BookingRemindable(st Status) bool { return st == StatusAccepted }

// UpcomingBooking is a confirmed booked slot whose car is not in yet.
type UpcomingBooking struct {
	OrderID     int64     `db:"order_id"`
	Number      int64     `db:"number"`
	Slot        time.Time `db:"slot"`
	CreatedAt   time.Time `db:"created_at"` // when it was booked
	Reminded    bool      `db:"reminded"`   // its reminder for this slot is enqueued already
	ChatID      *int64    `db:"chat_id"`
	Language    string    `db:"language"`
	Unreachable bool      `db:"unreachable"`
}

const sqlUpcomingBookings = `
SELECT o.id AS order_id, o.number, o.slot, o.created_at, c.chat_id, c.language,
	c.unreachable_since IS NOT NULL AS unreachable,
	EXISTS (SELECT 1 FROM outbox WHERE dedupe_key =
		'` + KindBookingReminder + `:' || o.id || ':' || floor(extract(epoch FROM o.slot))::bigint) AS reminded
FROM orders o JOIN clients c ON c.id = o.client_id
WHERE o.slot >= $1 AND o.slot < $2 AND o.status IN ` + confirmedBooking + `
ORDER BY o.slot, o.id`

// UpcomingBookings returns the confirmed bookings with a slot in [from, to) whose car is not in
// yet, by slot (orders_slot).
func (s *Service) UpcomingBookings(ctx context.Context, from, to time.Time) ([]UpcomingBooking, error) {
	rows, _ := s.db.Query(ctx, sqlUpcomingBookings, from, to)
	bs, err := pgx.CollectRows(rows, pgx.RowToStructByName[UpcomingBooking])
	if err != nil {
		return nil, fmt.Errorf("list upcoming bookings: %w", err)
	}
	return bs, nil
}

// EnqueueBookingReminder enqueues the reminder of b's slot to the client at notBefore and
// reports whether it was new. Clients without a chat or marked unreachable get none (false).
func (s *Service) EnqueueBookingReminder(ctx context.Context, b UpcomingBooking, notBefore time.Time) (bool, error) {
	if b.ChatID == nil || b.Unreachable {
		return false, nil
	}
	data, err := json.Marshal(BookingReminderData{Number: b.Number, Slot: b.Slot})
	if err != nil {
		return false, fmt.Errorf("encode booking reminder: %w", err)
	}
	return s.enqueue(ctx, s.db, OutboxMessage{
		Kind: KindBookingReminder, Lane: LaneBulk, ChatID: *b.ChatID, Language: b.Language,
		OrderID: &b.OrderID, Data: data, NotBefore: notBefore,
		DedupeKey: KindBookingReminder + ":" + strconv.FormatInt(b.OrderID, 10) + ":" + strconv.FormatInt(b.Slot.Unix(), 10),
	})
}

// ReportLateBookingReminder lists for the managers a booking whose reminder was missed and can no
// longer arrive in time, once per booking and slot; it returns how many notices it added.
func (s *Service) ReportLateBookingReminder(ctx context.Context, b UpcomingBooking) (int, error) {
	data, err := json.Marshal(BookingReminderData{Number: b.Number, Slot: b.Slot})
	if err != nil {
		return 0, fmt.Errorf("encode late booking reminder: %w", err)
	}
	rcs, err := managerRecipients(ctx, s.db, s.opts.StaffChatID, s.opts.Pilot)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rc := range rcs {
		ok, err := s.enqueue(ctx, s.db, OutboxMessage{
			Kind: KindBookingReminderLate, ChatID: rc.ChatID, Language: rc.Language, OrderID: &b.OrderID, Data: data,
			DedupeKey: KindBookingReminderLate + ":" + strconv.FormatInt(b.OrderID, 10) + ":" + strconv.FormatInt(b.Slot.Unix(), 10) + ":" + strconv.FormatInt(rc.ChatID, 10),
		})
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// BookingStillDue reports whether the order still awaits its car at slot: the send-time check
// of a booking reminder (the booking may have been cancelled or moved since).
func (s *Service) BookingStillDue(ctx context.Context, orderID int64, slot time.Time) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1 AND slot = $2 AND status IN `+awaitingCar+`)`,
		orderID, slot).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("check booking of order %d: %w", orderID, err)
	}
	return ok, nil
}

// BookingAnswer is what a client pressed on a booking reminder.
type BookingAnswer int

const (
	BookingConfirm BookingAnswer = iota + 1
	BookingCancel
)

// AnswerBooking records the client's answer to the reminder of the order's slot: confirm notes
// it in the timeline; cancel cancels the order (freeing the slot and the parts held), tells the
// staff through the status event, and notes it. Only the order's own client may answer
// (ErrForbidden); a booking no longer at slot or no longer awaiting the car is
// ErrInvalidTransition, and so is a confirmation of a slot that has passed.
func (s *Service) AnswerBooking(ctx context.Context, telegramUserID, orderID int64, slot time.Time, a BookingAnswer) (OrderCard, error) {
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		if err := ownBooking(ctx, tx, o, telegramUserID, slot); err != nil {
			return err
		}
		switch a {
		case BookingConfirm:
			if !slot.After(s.now()) {
				// A slot passed (missed, recorded as a no-show): nothing to come to any more.
				return fmt.Errorf("confirm order %d at %s, passed: %w", o.ID, slot.Format(time.RFC3339), ErrInvalidTransition)
			}
			return s.activity(ctx, tx, o.ID, clientRef(o.ClientID), ActivityBookingConfirmed, map[string]any{"slot": slot})
		case BookingCancel:
			from := o.Status
			o.Status = StatusCancelled
			if _, err := tx.Exec(ctx, sqlInsertEvent, o.ID, ActorClient, o.ClientID, from, o.Status, nil, s.now()); err != nil {
				return fmt.Errorf("record event: %w", err)
			}
			if err := s.releaseOrder(ctx, tx, clientRef(o.ClientID), o.ID); err != nil {
				return err
			}
			return s.tellBookingChanged(ctx, tx, o, slot, nil)
		}
		return fmt.Errorf("booking answer %d: %w", a, ErrInvalidInput)
	})
	if err != nil {
		return OrderCard{}, fmt.Errorf("answer booking of order %d: %w", orderID, err)
	}
	return s.OrderCard(ctx, orderID)
}

// RescheduleBooking moves the client's booking from slot to newSlot: ErrSlotTaken when someone
// took it first; the same rules as AnswerBooking otherwise.
func (s *Service) RescheduleBooking(ctx context.Context, telegramUserID, orderID int64, slot, newSlot time.Time) (OrderCard, error) {
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		if err := ownBooking(ctx, tx, o, telegramUserID, slot); err != nil {
			return err
		}
		o.Slot = &newSlot
		if err := s.activity(ctx, tx, o.ID, clientRef(o.ClientID), ActivityBookingRescheduled, map[string]any{"from": slot, "to": newSlot}); err != nil {
			return err
		}
		return s.tellBookingChanged(ctx, tx, o, slot, &newSlot)
	})
	if isUniqueViolation(err, slotTakenIndex) {
		return OrderCard{}, fmt.Errorf("reschedule order %d to %s: %w", orderID, newSlot.Format(time.RFC3339), ErrSlotTaken)
	}
	if err != nil {
		return OrderCard{}, fmt.Errorf("reschedule order %d: %w", orderID, err)
	}
	return s.OrderCard(ctx, orderID)
}

// tellBookingChanged enqueues KindBookingChanged to the managers, inside the change's transaction.
func (s *Service) tellBookingChanged(ctx context.Context, tx pgx.Tx, o *Order, from time.Time, to *time.Time) error {
	data, err := json.Marshal(BookingChangedData{Number: o.Number, From: from, To: to})
	if err != nil {
		return fmt.Errorf("encode %s data: %w", KindBookingChanged, err)
	}
	rcs, err := managerRecipients(ctx, tx, s.opts.StaffChatID, s.opts.Pilot)
	if err != nil {
		return err
	}
	for _, rc := range rcs {
		if _, err := s.enqueue(ctx, tx, OutboxMessage{
			Kind: KindBookingChanged, ChatID: rc.ChatID, Language: rc.Language, OrderID: &o.ID, Data: data,
			DedupeKey: KindBookingChanged + ":" + strconv.FormatInt(o.ID, 10) + ":" + strconv.Itoa(o.Version+1) + ":" + strconv.FormatInt(rc.ChatID, 10),
		}); err != nil {
			return err
		}
	}
	return nil
}

func ownBooking(ctx context.Context, tx pgx.Tx, o *Order, telegramUserID int64, slot time.Time) error {
	var owner *int64
	if err := tx.QueryRow(ctx, `SELECT telegram_user_id FROM clients WHERE id = $1`, o.ClientID).Scan(&owner); err != nil {
		return fmt.Errorf("get client: %w", err)
	}
	if owner == nil || *owner != telegramUserID {
		return fmt.Errorf("user %d does not own order %d: %w", telegramUserID, o.ID, ErrForbidden)
	}
	if o.Slot == nil || !o.Slot.Equal(slot) || (o.Status != StatusNew && o.Status != StatusAccepted) {
		return fmt.Errorf("order %d is no longer booked at %s: %w", o.ID, slot.Format(time.RFC3339), ErrInvalidTransition)
	}
	return nil
}

// sqlMarkNoShows marks the orders booked in [$1, $3) whose car is still not in, at $2. An order
// marked before its current slot was a no-show at an earlier one, since rescheduled: it is
// marked again (and the staff told again) if it is missed once more.
const sqlMarkNoShows = `
UPDATE orders SET no_show_at = $2
WHERE slot >= $1 AND slot < $3 AND status IN ` + awaitingCar + ` AND (no_show_at IS NULL OR no_show_at < slot)`

// KindNoShow tells the managers a booked client did not come: the order is recorded as a
// no-show. OrderID is set; Data: BookingReminderData (the slot missed). Dedupe key
// "no_show:<order id>:<slot, Unix seconds>:<chat id>". Staff notices are not held by the quiet
// hours, which are the clients' (scheduler.QuietHours).
const KindNoShow = "no_show"

// KindNoShowClient offers a client who missed a confirmed booking another time, or to cancel it
// (bulk lane, from the quiet hours' end when marked at night). OrderID is set; Data:
// BookingReminderData. Dedupe key "no_show_client:<order id>:<slot, Unix seconds>".
const KindNoShowClient = "no_show_client"

// sqlMarkNoShowsAndTell marks the no-shows and, in the same statement, enqueues a KindNoShow for
// each to each of the chats $4 (languages $5) and a KindNoShowClient, not before $6 plus a share
// of $7 10-second steps chosen by order id (a night's no-shows do not all go at 09:00 sharp), to
// the client of each confirmed booking who can be reached: one statement however many there are.
const sqlMarkNoShowsAndTell = `
WITH marked AS (` + sqlMarkNoShows + `
	RETURNING id, number, slot, status, client_id
), staff AS (
	INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before, created_at)
	SELECT '` + KindNoShow + `', '` + LaneInteractive + `',
		coalesce((SELECT to_chat_id FROM chat_migrations WHERE from_chat_id = r.chat_id), r.chat_id),
		r.language, m.id, jsonb_build_object('number', m.number, 'slot', m.slot),
		'` + KindNoShow + `:' || m.id || ':' || floor(extract(epoch FROM m.slot))::bigint || ':' || r.chat_id, $2, $2
	FROM marked m CROSS JOIN unnest($4::bigint[], $5::text[]) AS r(chat_id, language)
	ON CONFLICT (dedupe_key) DO NOTHING
	RETURNING 1
), client AS (
	INSERT INTO outbox (kind, lane, chat_id, language, order_id, data, dedupe_key, not_before, created_at)
	SELECT '` + KindNoShowClient + `', '` + LaneBulk + `', c.chat_id, c.language, m.id,
		jsonb_build_object('number', m.number, 'slot', m.slot),
		'` + KindNoShowClient + `:' || m.id || ':' || floor(extract(epoch FROM m.slot))::bigint,
		$6::timestamptz + (m.id % $7::bigint) * interval '10 seconds', $2
	FROM marked m JOIN clients c ON c.id = m.client_id
	WHERE m.status IN ` + confirmedBooking + ` AND c.chat_id IS NOT NULL AND c.unreachable_since IS NULL
	ON CONFLICT (dedupe_key) DO NOTHING
	RETURNING 1
)
SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM staff) + (SELECT count(*) FROM client)`

// MarkNoShows records as no-shows the orders whose slot lies in [from, before) with the car still
// not in, tells the managers of each at once (the staff group when there is one: KindNoShow),
// offers the client of each confirmed one another time from clientAt, spread over spread by
// order id in 10-second steps (KindNoShowClient: the caller holds it past the quiet hours), and
// returns how many orders it marked now (each order once per slot) and how many messages it
// enqueued.
func (s *Service) MarkNoShows(ctx context.Context, from, before, clientAt time.Time, spread time.Duration) (marked, told int, err error) {
	to, err := managerRecipients(ctx, s.db, s.opts.StaffChatID, s.opts.Pilot)
	if err != nil {
		return 0, 0, fmt.Errorf("mark no-shows: %w", err)
	}
	chats, langs := make([]int64, len(to)), make([]string, len(to))
	for i, r := range to {
		chats[i], langs[i] = r.ChatID, r.Language
	}
	steps := max(1, int64(spread/(10*time.Second)))
	if err := s.db.QueryRow(ctx, sqlMarkNoShowsAndTell, from, s.now(), before, chats, langs, clientAt, steps).Scan(&marked, &told); err != nil {
		return 0, 0, fmt.Errorf("mark no-shows: %w", err)
	}
	return marked, told, nil
}

// NoShows counts the orders recorded as no-shows with a slot in [from, to).
func (s *Service) NoShows(ctx context.Context, from, to time.Time) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM orders WHERE no_show_at IS NOT NULL AND slot >= $1 AND slot < $2`, from, to).Scan(&n); err != nil {
		return 0, fmt.Errorf("count no-shows: %w", err)
	}
	return n, nil
}
