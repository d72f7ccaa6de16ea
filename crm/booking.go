package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// bookAttempts bounds retries of a booking that lost a race on a unique key (the same booking
// replayed concurrently, or two bookings creating the same client at once).
const bookAttempts = 3

// slotTakenIndex is the unique index that keeps one booking per slot among orders that hold it
// (slotHeld).
const slotTakenIndex = "orders_slot_taken"

// Booked is what Book did.
type Booked struct {
	Card OrderCard
	// Replay: the booking was made before; nothing changed.
	Replay bool
	// StaffNotices is how many staff chats the new request was queued for. 0 means nobody
	// will hear of it: no staff group, and no manager, admin or owner has opened the bot
	// (Telegram lets a bot write only to those who have).
	StaffNotices int
}

// Book records a finished booking conversation in one transaction:
//
//   - the client, found by Telegram user or phone: a new client is created; an imported client
//     with this phone is linked to the Telegram user; a Telegram user's client who now gives
//     another phone keeps its row with the phone updated (merging in an unlinked client that held
//     that phone). A phone linked to another Telegram user is ErrForbidden.
//   - the vehicle: VehicleID must belong to the client (ErrForbidden; ErrNotFound if missing);
//     otherwise NewVehicle is created, or reused when the client has a car with the same plate.
//   - the order, status new, in the default branch (the pilot's first one: pilot.go), its creation event, and KindNewRequest
//     messages to the staff (Options.StaffChatID, or active managers and admins with a chat, or
//     owners when there are none).
//
// A replay with the same DedupeKey returns the order already booked and changes nothing.
// Invalid requests are ErrInvalidInput or ErrInvalidPhone.
// The result says whom the new request reaches.
func (s *Service) Book(ctx context.Context, r BookingRequest) (Booked, error) {
	r, err := s.checkBooking(r)
	if err != nil {
		return Booked{}, fmt.Errorf("book: %w", err)
	}
	for range bookAttempts {
		b, ok, err := s.bookFast(ctx, r)
		if isUniqueViolation(err, slotTakenIndex) {
			return Booked{}, fmt.Errorf("book %s: %w", r.Slot.Format(time.RFC3339), ErrSlotTaken)
		}
		if isUniqueViolation(err, "") {
			continue
		}
		if err != nil {
			return Booked{}, fmt.Errorf("book for telegram user %d: %w", r.TelegramUserID, err)
		}
		if ok {
			return b, nil
		}
		break
	}
	var orderID int64
	var notices int
	for range bookAttempts {
		orderID, notices, err = s.book(ctx, r)
		if isUniqueViolation(err, slotTakenIndex) {
			return Booked{}, fmt.Errorf("book %s: %w", r.Slot.Format(time.RFC3339), ErrSlotTaken)
		}
		if !isUniqueViolation(err, "") {
			break
		}
	}
	if err != nil {
		return Booked{}, fmt.Errorf("book for telegram user %d: %w", r.TelegramUserID, err)
	}
	if r.ClientCard != nil {
		if err := s.SetClientCard(ctx, orderID, r.ClientCard.ChatID, r.ClientCard.MessageID); err != nil {
			return Booked{}, err
		}
	}
	card, err := s.OrderCard(ctx, orderID)
	return Booked{Card: card, Replay: notices < 0, StaffNotices: max(notices, 0)}, err
}

// checkBooking validates r and returns it cleaned up.
func (s *Service) checkBooking(r BookingRequest) (BookingRequest, error) {
	var err error
	if r.DedupeKey, err = trimmed("dedupe key", r.DedupeKey, 200); err != nil {
		return r, err
	}
	if r.DedupeKey == "" || r.TelegramUserID == 0 || r.ChatID == 0 {
		return r, fmt.Errorf("dedupe key, telegram user and chat are required: %w", ErrInvalidInput)
	}
	if p, err := NormalizePhone(r.Phone, s.opts.Region); err != nil || p != r.Phone {
		return r, fmt.Errorf("phone is not in E.164 form: %w", ErrInvalidPhone)
	}
	if r.ClientName, err = trimmed("client name", r.ClientName, MaxNameLen); err != nil {
		return r, err
	}
	if r.Problem, err = trimmed("problem", r.Problem, MaxProblemLen); err != nil {
		return r, err
	}
	if r.Problem == "" && r.PhotoFileID == "" {
		return r, fmt.Errorf("problem or photo required: %w", ErrInvalidInput)
	}
	if len(r.PhotoFileID) > 300 || len(r.Language) > 10 || len(r.LeadSource) > 50 {
		return r, fmt.Errorf("photo file id, language or lead source too long: %w", ErrInvalidInput)
	}
	if r.LeadSource == "" {
		r.LeadSource = "direct"
	}
	switch {
	case r.VehicleID < 0:
		return r, fmt.Errorf("vehicle id %d: %w", r.VehicleID, ErrInvalidInput)
	case r.VehicleID == 0:
		v := r.NewVehicle
		if v.Make, err = trimmed("make", v.Make, MaxMakeModelLen); err != nil {
			return r, err
		}
		if v.Model, err = trimmed("model", v.Model, MaxMakeModelLen); err != nil {
			return r, err
		}
		v.Plate = NormalizePlate(v.Plate)
		if err := v.validate(s.opts.Now().In(s.opts.Location)); err != nil {
			return r, err
		}
		r.NewVehicle = v
	}
	return r, nil
}

const sqlBookingByKey = `
SELECT o.id, c.telegram_user_id FROM orders o JOIN clients c ON c.id = o.client_id
WHERE o.booking_key = $1`

// sqlRecordConsent records a client's first personal-data consent (152-FZ); later bookings keep it.
const sqlRecordConsent = `
UPDATE clients SET pd_consent_at = $2, pd_consent_version = $3 WHERE id = $1 AND pd_consent_at IS NULL`

const sqlInsertOrder = `
INSERT INTO orders (branch_id, client_id, vehicle_id, problem, photo_file_id, slot, status,
	lead_source, booking_key, created_at, updated_at)
VALUES (coalesce($9::bigint, (SELECT id FROM branches WHERE is_default)), $1, $2, $3, $4, $5, 'new', $6, $7, $8, $8)
RETURNING id, number`

// book runs one attempt of Book and returns the order id and the number of staff notices
// queued, -1 for a replay.
func (s *Service) book(ctx context.Context, r BookingRequest) (int64, int, error) {
	var orderID int64
	notices := -1
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var owner *int64
		err := tx.QueryRow(ctx, sqlBookingByKey, r.DedupeKey).Scan(&orderID, &owner)
		if err == nil {
			if owner == nil || *owner != r.TelegramUserID {
				return fmt.Errorf("booking %q belongs to another user: %w", r.DedupeKey, ErrForbidden)
			}
			return nil // a replay: the order exists, change nothing
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("look up booking: %w", err)
		}

		now := s.now()
		c, err := upsertBookingClient(ctx, tx, r, now)
		if err != nil {
			return err
		}
		if r.ConsentVersion != "" {
			if _, err := tx.Exec(ctx, sqlRecordConsent, c.ID, now, r.ConsentVersion); err != nil {
				return fmt.Errorf("record consent: %w", err)
			}
		}
		vehicleID, err := bookingVehicle(ctx, tx, c.ID, r, now)
		if err != nil {
			return err
		}
		var slot *time.Time
		if !r.Slot.IsZero() {
			slot = &r.Slot
		}
		var number int64
		err = tx.QueryRow(ctx, sqlInsertOrder, c.ID, vehicleID, r.Problem, r.PhotoFileID, slot,
			r.LeadSource, r.DedupeKey, now, s.opts.Pilot.bookingBranch()).Scan(&orderID, &number)
		if err != nil {
			return fmt.Errorf("insert order: %w", err)
		}
		if _, err := tx.Exec(ctx, sqlInsertEvent, orderID, ActorClient, c.ID, "", StatusNew, nil, now); err != nil {
			return fmt.Errorf("record event: %w", err)
		}
		notices, err = s.notifyNewRequest(ctx, tx, orderID, number)
		return err
	})
	return orderID, notices, err
}

// bookingClient is the part of a client row Book decides on.
type bookingClient struct {
	ID             int64  `db:"id"`
	Phone          string `db:"phone"`
	TelegramUserID *int64 `db:"telegram_user_id"`
}

const sqlLockBookingClients = `
SELECT id, phone, telegram_user_id FROM clients
WHERE telegram_user_id = $1 OR phone = $2 ORDER BY id FOR UPDATE`

const sqlInsertClient = `
INSERT INTO clients (phone, name, telegram_user_id, chat_id, language, lead_source, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
RETURNING id, phone, telegram_user_id`

// sqlUpdateOwnClient updates the Telegram user's own client row: the latest phone, chat, name and
// language win, and a client talking to us is reachable again.
const sqlUpdateOwnClient = `
UPDATE clients SET phone = $2, chat_id = $3,
	name = CASE WHEN $4::text = '' THEN name ELSE $4::text END,
	language = CASE WHEN $5::text = '' THEN language ELSE $5::text END,
	unreachable_since = NULL, updated_at = $6
WHERE id = $1`

// sqlLinkClient links an imported client (same phone, no Telegram user) to the Telegram user;
// the imported name is kept unless empty.
const sqlLinkClient = `
UPDATE clients SET telegram_user_id = $2, chat_id = $3,
	name = CASE WHEN name = '' THEN $4::text ELSE name END,
	language = CASE WHEN $5::text = '' THEN language ELSE $5::text END,
	unreachable_since = NULL, updated_at = $6
WHERE id = $1`

const (
	sqlMergeVehicles = `UPDATE vehicles SET client_id = $1 WHERE client_id = $2`
	sqlMergeOrders   = `UPDATE orders SET client_id = $1 WHERE client_id = $2`
	sqlDeleteClient  = `DELETE FROM clients WHERE id = $1`
)

// upsertBookingClient finds, links or creates the booking's client; see Book.
func upsertBookingClient(ctx context.Context, tx pgx.Tx, r BookingRequest, now time.Time) (bookingClient, error) {
	rows, _ := tx.Query(ctx, sqlLockBookingClients, r.TelegramUserID, r.Phone)
	found, err := pgx.CollectRows(rows, pgx.RowToStructByName[bookingClient])
	if err != nil {
		return bookingClient{}, fmt.Errorf("look up client: %w", err)
	}
	var own, byPhone *bookingClient
	for i := range found {
		c := &found[i]
		if c.TelegramUserID != nil && *c.TelegramUserID == r.TelegramUserID {
			own = c
		}
		if c.Phone == r.Phone {
			byPhone = c
		}
	}
	if byPhone != nil && byPhone.TelegramUserID != nil && *byPhone.TelegramUserID != r.TelegramUserID {
		return bookingClient{}, fmt.Errorf("phone is linked to another telegram user: %w", ErrForbidden)
	}
	if byPhone != nil && byPhone.TelegramUserID == nil && !r.PhoneVerified {
		return bookingClient{}, fmt.Errorf("an unverified phone cannot link the shop's client: %w", ErrForbidden)
	}
	switch {
	case own != nil:
		if byPhone != nil && byPhone.ID != own.ID {
			// An imported client holds the new phone: fold it into the user's own client.
			for _, q := range []string{sqlMergeVehicles, sqlMergeOrders} {
				if _, err := tx.Exec(ctx, q, own.ID, byPhone.ID); err != nil {
					return bookingClient{}, fmt.Errorf("merge client %d into %d: %w", byPhone.ID, own.ID, err)
				}
			}
			if _, err := tx.Exec(ctx, sqlDeleteClient, byPhone.ID); err != nil {
				return bookingClient{}, fmt.Errorf("merge client %d into %d: %w", byPhone.ID, own.ID, err)
			}
		}
		if _, err := tx.Exec(ctx, sqlUpdateOwnClient, own.ID, r.Phone, r.ChatID, r.ClientName, r.Language, now); err != nil {
			return bookingClient{}, fmt.Errorf("update client %d: %w", own.ID, err)
		}
		return bookingClient{ID: own.ID, Phone: r.Phone, TelegramUserID: &r.TelegramUserID}, nil
	case byPhone != nil:
		if _, err := tx.Exec(ctx, sqlLinkClient, byPhone.ID, r.TelegramUserID, r.ChatID, r.ClientName, r.Language, now); err != nil {
			return bookingClient{}, fmt.Errorf("link client %d: %w", byPhone.ID, err)
		}
		return bookingClient{ID: byPhone.ID, Phone: r.Phone, TelegramUserID: &r.TelegramUserID}, nil
	}
	rows, _ = tx.Query(ctx, sqlInsertClient, r.Phone, r.ClientName, r.TelegramUserID, r.ChatID,
		r.Language, r.LeadSource, now)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[bookingClient])
	if err != nil {
		return bookingClient{}, fmt.Errorf("insert client: %w", err)
	}
	return c, nil
}

const sqlVehicleOwner = `SELECT client_id FROM vehicles WHERE id = $1`

const sqlVehicleByPlate = `
SELECT id FROM vehicles WHERE client_id = $1 AND plate = $2 ORDER BY id LIMIT 1`

const sqlInsertVehicle = `
INSERT INTO vehicles (client_id, make, model, year, plate, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`

// bookingVehicle returns the booking's vehicle id; see Book.
func bookingVehicle(ctx context.Context, tx pgx.Tx, clientID int64, r BookingRequest, now time.Time) (int64, error) {
	if r.VehicleID != 0 {
		var owner int64
		if err := tx.QueryRow(ctx, sqlVehicleOwner, r.VehicleID).Scan(&owner); err != nil {
			return 0, fmt.Errorf("get vehicle %d: %w", r.VehicleID, notFound(err))
		}
		if owner != clientID {
			return 0, fmt.Errorf("vehicle %d belongs to another client: %w", r.VehicleID, ErrForbidden)
		}
		return r.VehicleID, nil
	}
	v := r.NewVehicle
	var id int64
	if v.Plate != "" {
		err := tx.QueryRow(ctx, sqlVehicleByPlate, clientID, v.Plate).Scan(&id)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("look up vehicle by plate: %w", err)
		}
	}
	if err := tx.QueryRow(ctx, sqlInsertVehicle, clientID, v.Make, v.Model, v.Year, v.Plate, now).Scan(&id); err != nil {
		return 0, fmt.Errorf("insert vehicle: %w", err)
	}
	return id, nil
}

// recipient is a chat to notify and the language to speak there.
type recipient struct {
	ChatID   int64  `db:"chat_id"`
	Language string `db:"language"`
}

// sqlNewRequestRecipients: active managers and admins with a chat, in the pilot when one is set
// (Pilot.pilotArgs); owners when there are none.
const sqlNewRequestRecipients = `
WITH managers AS (
	SELECT chat_id, language FROM staff
	WHERE active AND chat_id IS NOT NULL AND role IN ('manager', 'admin') AND ` + sqlStaffInPilot + `
)
SELECT chat_id, language FROM managers
UNION ALL
SELECT chat_id, language FROM staff
WHERE active AND chat_id IS NOT NULL AND role = 'owner' AND NOT EXISTS (SELECT 1 FROM managers)
ORDER BY chat_id`

// notifyNewRequest enqueues KindNewRequest for a new order and returns to how many chats; see
// Book.
func (s *Service) notifyNewRequest(ctx context.Context, tx pgx.Tx, orderID, number int64) (int, error) {
	var to []recipient
	if s.opts.StaffChatID != 0 {
		to = []recipient{{ChatID: s.opts.StaffChatID}}
	} else {
		rows, _ := tx.Query(ctx, sqlNewRequestRecipients, s.opts.Pilot.pilotArgs()...)
		var err error
		if to, err = pgx.CollectRows(rows, pgx.RowToStructByName[recipient]); err != nil {
			return 0, fmt.Errorf("list staff to notify: %w", err)
		}
	}
	data, err := json.Marshal(NewRequestData{Number: number})
	if err != nil {
		return 0, fmt.Errorf("encode %s data: %w", KindNewRequest, err)
	}
	for _, rc := range to {
		_, err := s.enqueue(ctx, tx, OutboxMessage{
			Kind: KindNewRequest, ChatID: rc.ChatID, Language: rc.Language, OrderID: &orderID, Data: data,
			DedupeKey: KindNewRequest + ":" + strconv.FormatInt(orderID, 10) + ":" + strconv.FormatInt(rc.ChatID, 10),
		})
		if err != nil {
			return 0, err
		}
	}
	return len(to), nil
}

const sqlNewRequests = sqlCardSelect + `
WHERE o.status = 'new' ORDER BY o.created_at, o.id LIMIT $1`

// NewRequests returns the requests no one has taken yet, oldest first (limit <= 0 means 20).
func (s *Service) NewRequests(ctx context.Context, limit int) ([]OrderCard, error) {
	cs, err := s.cards(ctx, sqlNewRequests, listLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list new requests: %w", err)
	}
	return cs, nil
}
