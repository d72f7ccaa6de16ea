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

// ManagerOrderRequest is an order a manager takes for a client who called or walked in.
type ManagerOrderRequest struct {
	Phone      string // as typed; normalised in the shop's region
	ClientName string // used for a new client, or to fill an empty name
	VehicleID  int64  // a car of this client; 0 = NewVehicle
	NewVehicle NewVehicle
	Problem    string
	Slot       time.Time // zero = no time agreed
}

const sqlClientByPhone = `SELECT ` + clientColumns + ` FROM clients WHERE phone = $1`

// ClientByPhone returns the client with this phone (any form a person types), or ErrNotFound;
// an unreadable phone is ErrInvalidPhone.
func (s *Service) ClientByPhone(ctx context.Context, phone string) (Client, error) {
	p, err := NormalizePhone(phone, s.opts.Region)
	if err != nil {
		return Client{}, err
	}
	rows, _ := s.db.Query(ctx, sqlClientByPhone, p)
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Client])
	if err != nil {
		return Client{}, fmt.Errorf("get client by phone: %w", notFound(err))
	}
	return c, nil
}

const sqlLockClientByPhone = `SELECT id FROM clients WHERE phone = $1 FOR UPDATE`

const sqlInsertManualClient = `
INSERT INTO clients (phone, name, lead_source, created_at, updated_at)
VALUES ($1, $2, 'manual', $3, $3)
RETURNING id`

const sqlFillClientName = `UPDATE clients SET name = $2, updated_at = $3 WHERE id = $1 AND name = ''`

const sqlInsertManagerOrder = `
INSERT INTO orders (branch_id, client_id, vehicle_id, problem, slot, status, lead_source,
	created_by_staff_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, 'accepted', 'manual', $6, $7, $7)
RETURNING id, number`

// CreateOrder records an order a manager took by phone or at the desk (managers, admins and
// owners only: ErrForbidden). The client is found by phone or created without Telegram (lead
// source "manual"); when they later start the bot with this phone they are linked and see the
// order. The order starts accepted, in the manager's branch; a client already in Telegram is
// told (KindStatusChanged).
func (s *Service) CreateOrder(ctx context.Context, a Actor, r ManagerOrderRequest) (OrderCard, error) {
	phone, err := NormalizePhone(r.Phone, s.opts.Region)
	if err != nil {
		return OrderCard{}, fmt.Errorf("create order: %w", err)
	}
	if r.ClientName, err = trimmed("client name", r.ClientName, MaxNameLen); err != nil {
		return OrderCard{}, fmt.Errorf("create order: %w", err)
	}
	if r.Problem, err = trimmed("problem", r.Problem, MaxProblemLen); err != nil {
		return OrderCard{}, fmt.Errorf("create order: %w", err)
	}
	if r.Problem == "" {
		return OrderCard{}, fmt.Errorf("create order: problem required: %w", ErrInvalidInput)
	}
	if r.VehicleID == 0 {
		v := r.NewVehicle
		v.Plate = NormalizePlate(v.Plate)
		if v.Make, err = trimmed("make", v.Make, MaxMakeModelLen); err == nil {
			v.Model, err = trimmed("model", v.Model, MaxMakeModelLen)
		}
		if err == nil {
			err = v.validate(s.opts.Now().In(s.opts.Location))
		}
		if err != nil {
			return OrderCard{}, fmt.Errorf("create order: %w", err)
		}
		r.NewVehicle = v
	}
	var orderID int64
	for range bookAttempts {
		orderID, err = s.createOrder(ctx, a, phone, r)
		if isUniqueViolation(err, slotTakenIndex) {
			return OrderCard{}, fmt.Errorf("create order at %s: %w", r.Slot.Format(time.RFC3339), ErrSlotTaken)
		}
		if !isUniqueViolation(err, "") {
			break
		}
	}
	if err != nil {
		return OrderCard{}, fmt.Errorf("create order: %w", err)
	}
	return s.OrderCard(ctx, orderID)
}

func (s *Service) createOrder(ctx context.Context, a Actor, phone string, r ManagerOrderRequest) (int64, error) {
	var orderID int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		st, err := actorStaff(ctx, tx, a)
		if err != nil {
			return err
		}
		if err := Permit(st, ActNewOrder, nil); err != nil {
			return err
		}
		now := s.now()
		var clientID int64
		err = tx.QueryRow(ctx, sqlLockClientByPhone, phone).Scan(&clientID)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			if err := tx.QueryRow(ctx, sqlInsertManualClient, phone, r.ClientName, now).Scan(&clientID); err != nil {
				return fmt.Errorf("insert client: %w", err)
			}
		case err != nil:
			return fmt.Errorf("look up client: %w", err)
		case r.ClientName != "":
			if _, err := tx.Exec(ctx, sqlFillClientName, clientID, r.ClientName, now); err != nil {
				return fmt.Errorf("fill client name: %w", err)
			}
		}
		vehicleID, err := bookingVehicle(ctx, tx, clientID, BookingRequest{VehicleID: r.VehicleID, NewVehicle: r.NewVehicle}, now)
		if err != nil {
			return err
		}
		var slot *time.Time
		if !r.Slot.IsZero() {
			slot = &r.Slot
		}
		var number int64
		if err := tx.QueryRow(ctx, sqlInsertManagerOrder, st.BranchID, clientID, vehicleID, r.Problem, slot, st.ID, now).Scan(&orderID, &number); err != nil {
			return fmt.Errorf("insert order: %w", err)
		}
		if _, err := tx.Exec(ctx, sqlInsertEvent, orderID, ActorStaff, st.ID, "", StatusAccepted, nil, now); err != nil {
			return fmt.Errorf("record event: %w", err)
		}
		var chatID *int64
		var lang string
		if err := tx.QueryRow(ctx, sqlClientChat, clientID).Scan(&chatID, &lang); err != nil {
			return fmt.Errorf("get client chat: %w", err)
		}
		if chatID == nil {
			return nil
		}
		data, err := json.Marshal(StatusChangedData{Number: number, From: "", To: StatusAccepted})
		if err != nil {
			return fmt.Errorf("encode %s data: %w", KindStatusChanged, err)
		}
		_, err = s.enqueue(ctx, tx, OutboxMessage{
			Kind: KindStatusChanged, ChatID: *chatID, Language: lang, OrderID: &orderID, Data: data,
			DedupeKey: KindStatusChanged + ":" + strconv.FormatInt(orderID, 10) + ":1",
		})
		return err
	})
	return orderID, err
}

const sqlLinkByPhone = `
UPDATE clients SET telegram_user_id = $2, chat_id = $3,
	language = CASE WHEN $4::text = '' THEN language ELSE $4::text END,
	unreachable_since = NULL, updated_at = $5
WHERE phone = $1 AND telegram_user_id IS NULL
	AND NOT EXISTS (SELECT 1 FROM clients WHERE telegram_user_id = $2)
RETURNING ` + clientColumns

// LinkClientByPhone links a client the shop created without Telegram (a manager's order, an
// import) to the Telegram user who just gave the same phone, so they see their orders and get
// notices from now on. It returns ErrNotFound when there is no such unlinked client, or the
// Telegram user already has a client of their own (Book merges those). An unreadable phone is
// ErrInvalidPhone.
func (s *Service) LinkClientByPhone(ctx context.Context, telegramUserID, chatID int64, phone, language string) (Client, error) {
	p, err := NormalizePhone(phone, s.opts.Region)
	if err != nil {
		return Client{}, fmt.Errorf("link client: %w", err)
	}
	rows, _ := s.db.Query(ctx, sqlLinkByPhone, p, telegramUserID, chatID, language, s.now())
	c, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Client])
	if isUniqueViolation(err, "") {
		err = pgx.ErrNoRows // linked concurrently by another update of the same user
	}
	if err != nil {
		return Client{}, fmt.Errorf("link client to telegram user %d: %w", telegramUserID, notFound(err))
	}
	return c, nil
}

const sqlSetCompany = `UPDATE clients SET is_company = $2, updated_at = $3 WHERE id = $1`

// SetClientCompany marks a client as a company (pays on terms) or not; managers, admins and
// owners only.
func (s *Service) SetClientCompany(ctx context.Context, a Actor, clientID int64, company bool) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := requireAction(ctx, tx, a, ActClients); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, sqlSetCompany, clientID, company, s.now())
		if err == nil && tag.RowsAffected() == 0 {
			err = ErrNotFound
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("mark client %d company=%t: %w", clientID, company, err)
	}
	return nil
}
