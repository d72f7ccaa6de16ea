package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Order is a work order (заказ-наряд).
type Order struct {
	ID                  int64      `db:"id"`
	Number              int64      `db:"number"` // human number, from 1001
	BranchID            int64      `db:"branch_id"`
	ClientID            int64      `db:"client_id"`
	VehicleID           int64      `db:"vehicle_id"`
	Problem             string     `db:"problem"`
	PhotoFileID         string     `db:"photo_file_id"`
	Slot                *time.Time `db:"slot"`
	MechanicID          *int64     `db:"mechanic_id"` // staff id
	Status              Status     `db:"status"`
	Version             int        `db:"version"` // bumped by every change (optimistic lock for cards)
	LeadSource          string     `db:"lead_source"`
	ClientCardChatID    *int64     `db:"client_card_chat_id"`
	ClientCardMessageID *int       `db:"client_card_message_id"`
	CreatedAt           time.Time  `db:"created_at"`
	UpdatedAt           time.Time  `db:"updated_at"`
}

// OrderCard is everything a card of an order shows, read in one query.
type OrderCard struct {
	Order    Order
	Client   Client
	Vehicle  Vehicle
	Mechanic *Staff // nil when unassigned
}

// NewVehicle describes a car to create while booking.
type NewVehicle struct {
	Make, Model string
	Year        int    // 0 = unknown
	Plate       string // normalised by Book
}

// BookingRequest is a finished booking conversation.
type BookingRequest struct {
	DedupeKey              string // unique per booking conversation: a replay returns the same order
	TelegramUserID, ChatID int64
	Language, LeadSource   string // LeadSource as from NormalizeLeadSource; "" = "direct"
	Phone                  string // already E.164
	// PhoneVerified: Telegram vouched for the phone (the user shared their
	// own contact). Only a verified phone links a client the shop created
	// without Telegram; a typed one could be anybody's.
	PhoneVerified        bool
	ClientName           string
	VehicleID            int64 // 0 = create NewVehicle
	NewVehicle           NewVehicle
	Problem, PhotoFileID string    // at least one of them
	Slot                 time.Time // zero = no slot chosen
	// ClientCard is where the client's live card of the order will be (the
	// message that asked to confirm), recorded with the order; nil if none.
	ClientCard *CardLocation
	// ConsentVersion names the personal-data consent text the confirmation card showed
	// (152-FZ); a client's first booking records it with the time. "" records nothing.
	ConsentVersion string
}

// CardLocation is a message in a Telegram chat.
type CardLocation struct {
	ChatID    int64
	MessageID int
}

// Actor is a staff member acting on an order. Methods taking an Actor re-read the staff member
// from the database (active, role) and use that, not the copy in Actor.
type Actor struct {
	StaffID        int64
	Role           Role
	TelegramUserID int64 // checked against the staff row when not 0
}

// OrderEvent is one step of an order's history. From is "" for the event that created the order;
// From == To for a (re)assignment that did not change the status.
type OrderEvent struct {
	ID         int64     `db:"id"`
	OrderID    int64     `db:"order_id"`
	ActorKind  string    `db:"actor_kind"` // ActorClient, ActorStaff, ActorSystem
	ActorID    *int64    `db:"actor_id"`   // client id or staff id
	From       Status    `db:"from_status"`
	To         Status    `db:"to_status"`
	MechanicID *int64    `db:"mechanic_id"` // set when the event assigned a mechanic
	CreatedAt  time.Time `db:"created_at"`
}

// Actor kinds of order events.
const (
	ActorClient = "client"
	ActorStaff  = "staff"
	ActorSystem = "system"
)

// orderColumns are the columns of Order, for RowToStructByName.
const orderColumns = `id, number, branch_id, client_id, vehicle_id, problem, photo_file_id, slot,
	mechanic_id, status, version, lead_source, client_card_chat_id, client_card_message_id,
	created_at, updated_at`

// cardRow is one row of sqlCardSelect: the order's columns plus prefixed client, vehicle and
// (nullable) mechanic columns.
type cardRow struct {
	Order
	CID               int64      `db:"c_id"`
	CPhone            string     `db:"c_phone"`
	CName             string     `db:"c_name"`
	CTelegramUserID   *int64     `db:"c_telegram_user_id"`
	CChatID           *int64     `db:"c_chat_id"`
	CLanguage         string     `db:"c_language"`
	CLeadSource       string     `db:"c_lead_source"`
	CUnreachableSince *time.Time `db:"c_unreachable_since"`
	CCreatedAt        time.Time  `db:"c_created_at"`
	VID               int64      `db:"v_id"`
	VClientID         int64      `db:"v_client_id"`
	VMake             string     `db:"v_make"`
	VModel            string     `db:"v_model"`
	VYear             int        `db:"v_year"`
	VPlate            string     `db:"v_plate"`
	VCreatedAt        time.Time  `db:"v_created_at"`
	MID               *int64     `db:"m_id"`
	MTelegramUserID   *int64     `db:"m_telegram_user_id"`
	MChatID           *int64     `db:"m_chat_id"`
	MName             *string    `db:"m_name"`
	MRole             *Role      `db:"m_role"`
	MBranchID         *int64     `db:"m_branch_id"`
	MActive           *bool      `db:"m_active"`
	MLanguage         *string    `db:"m_language"`
}

func (r cardRow) card() OrderCard {
	c := OrderCard{
		Order: r.Order,
		Client: Client{
			ID: r.CID, Phone: r.CPhone, Name: r.CName, TelegramUserID: r.CTelegramUserID,
			ChatID: r.CChatID, Language: r.CLanguage, LeadSource: r.CLeadSource,
			UnreachableSince: r.CUnreachableSince, CreatedAt: r.CCreatedAt,
		},
		Vehicle: Vehicle{
			ID: r.VID, ClientID: r.VClientID, Make: r.VMake, Model: r.VModel, Year: r.VYear,
			Plate: r.VPlate, CreatedAt: r.VCreatedAt,
		},
	}
	if r.MID != nil {
		c.Mechanic = &Staff{
			ID: *r.MID, TelegramUserID: *r.MTelegramUserID, ChatID: r.MChatID, Name: *r.MName,
			Role: *r.MRole, BranchID: *r.MBranchID, Active: *r.MActive, Language: *r.MLanguage,
		}
	}
	return c
}

// sqlCardSelect reads order cards; callers append WHERE, ORDER BY and LIMIT.
const sqlCardSelect = `
SELECT o.id, o.number, o.branch_id, o.client_id, o.vehicle_id, o.problem, o.photo_file_id, o.slot,
	o.mechanic_id, o.status, o.version, o.lead_source, o.client_card_chat_id,
	o.client_card_message_id, o.created_at, o.updated_at,
	c.id AS c_id, c.phone AS c_phone, c.name AS c_name, c.telegram_user_id AS c_telegram_user_id,
	c.chat_id AS c_chat_id, c.language AS c_language, c.lead_source AS c_lead_source,
	c.unreachable_since AS c_unreachable_since, c.created_at AS c_created_at,
	v.id AS v_id, v.client_id AS v_client_id, v.make AS v_make, v.model AS v_model,
	v.year AS v_year, v.plate AS v_plate, v.created_at AS v_created_at,
	m.id AS m_id, m.telegram_user_id AS m_telegram_user_id, m.chat_id AS m_chat_id,
	m.name AS m_name, m.role AS m_role, m.branch_id AS m_branch_id, m.active AS m_active,
	m.language AS m_language
FROM orders o
JOIN clients c ON c.id = o.client_id
JOIN vehicles v ON v.id = o.vehicle_id
LEFT JOIN staff m ON m.id = o.mechanic_id`

// cards runs a query built on sqlCardSelect.
func (s *Service) cards(ctx context.Context, sql string, args ...any) ([]OrderCard, error) {
	rows, _ := s.db.Query(ctx, sql, args...)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[cardRow])
	if err != nil {
		return nil, err
	}
	cs := make([]OrderCard, len(rs))
	for i, r := range rs {
		cs[i] = r.card()
	}
	return cs, nil
}

const sqlOrderCard = sqlCardSelect + ` WHERE o.id = $1`

// OrderCard returns the card of an order, or ErrNotFound.
func (s *Service) OrderCard(ctx context.Context, orderID int64) (OrderCard, error) {
	cs, err := s.cards(ctx, sqlOrderCard, orderID)
	if err == nil && len(cs) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return OrderCard{}, fmt.Errorf("get card of order %d: %w", orderID, err)
	}
	return cs[0], nil
}

// defaultListLimit is used when a caller passes a limit <= 0.
const defaultListLimit = 20

func listLimit(limit int) int {
	if limit <= 0 {
		return defaultListLimit
	}
	return limit
}

const sqlClientOrders = sqlCardSelect + `
WHERE o.client_id = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2`

// ClientOrders returns the client's latest orders, newest first (limit <= 0 means 20).
func (s *Service) ClientOrders(ctx context.Context, clientID int64, limit int) ([]OrderCard, error) {
	cs, err := s.cards(ctx, sqlClientOrders, clientID, listLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list orders of client %d: %w", clientID, err)
	}
	return cs, nil
}

const sqlMechanicQueue = sqlCardSelect + `
WHERE o.mechanic_id = $1 AND o.status NOT IN ('delivered', 'closed', 'cancelled')
ORDER BY o.slot NULLS LAST, o.id`

// MechanicQueue returns the orders assigned to the mechanic that are not delivered, closed or
// cancelled, by slot (orders without a slot last).
func (s *Service) MechanicQueue(ctx context.Context, staffID int64) ([]OrderCard, error) {
	cs, err := s.cards(ctx, sqlMechanicQueue, staffID)
	if err != nil {
		return nil, fmt.Errorf("list queue of mechanic %d: %w", staffID, err)
	}
	return cs, nil
}

const sqlOpenOrders = sqlCardSelect + `
WHERE o.status NOT IN ('closed', 'cancelled')
ORDER BY o.status <> 'new', o.created_at DESC, o.id DESC LIMIT $1`

// OpenOrders returns orders that are not closed or cancelled, for managers: new requests first,
// then the rest, newest first within each group (limit <= 0 means 20).
func (s *Service) OpenOrders(ctx context.Context, limit int) ([]OrderCard, error) {
	cs, err := s.cards(ctx, sqlOpenOrders, listLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list open orders: %w", err)
	}
	return cs, nil
}

const sqlBookedSlots = `
SELECT slot FROM orders
WHERE slot >= $1 AND slot < $2 AND ` + slotHeld + `
ORDER BY slot`

// BookedSlots returns the slots in [from, to) still held by their orders (see slotHeld), in order.
// A slot taken by several orders appears once per order.
func (s *Service) BookedSlots(ctx context.Context, from, to time.Time) ([]time.Time, error) {
	rows, _ := s.db.Query(ctx, sqlBookedSlots, from, to)
	ts, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, fmt.Errorf("list booked slots: %w", err)
	}
	return ts, nil
}

const sqlSetClientCard = `
UPDATE orders SET client_card_chat_id = $2, client_card_message_id = $3 WHERE id = $1`

// SetClientCard records where the client's live card of the order is. It does not bump the
// order's version: the card's position is not part of what the card shows.
func (s *Service) SetClientCard(ctx context.Context, orderID int64, chatID int64, messageID int) error {
	tag, err := s.db.Exec(ctx, sqlSetClientCard, orderID, chatID, messageID)
	if err == nil && tag.RowsAffected() == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("set client card of order %d: %w", orderID, err)
	}
	return nil
}

const sqlLockOrder = `SELECT ` + orderColumns + ` FROM orders WHERE id = $1 FOR UPDATE`

const sqlSaveOrder = `
UPDATE orders SET branch_id = $2, vehicle_id = $3, problem = $4, photo_file_id = $5, slot = $6,
	mechanic_id = $7, status = $8, client_card_chat_id = $9, client_card_message_id = $10,
	version = version + 1, updated_at = $11
WHERE id = $1
RETURNING ` + orderColumns

// UpdateOrder is the one way to change an order: in a transaction it locks the order
// (SELECT … FOR UPDATE), calls fn, which may change o and write other rows through tx, and saves
// o with the version bumped. When fn returns an error nothing is saved and that error is
// returned (wrapped). ID, Number, ClientID, Version, LeadSource and the timestamps are not saved
// from o. A change a card shows redraws every card of the order already in a chat
// (KindCardRedraw, in the same transaction). It returns the saved order and the commit's error; ErrNotFound when there is no order id.
func (s *Service) UpdateOrder(ctx context.Context, id int64, fn func(tx pgx.Tx, o *Order) error) (Order, error) {
	var saved Order
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, sqlLockOrder, id)
		o, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Order])
		if err != nil {
			return fmt.Errorf("lock: %w", notFound(err))
		}
		locked := o
		if err := fn(tx, &o); err != nil {
			return err
		}
		if !o.Status.Valid() {
			return fmt.Errorf("status %q: %w", o.Status, ErrInvalidInput)
		}
		rows, _ = tx.Query(ctx, sqlSaveOrder, id, o.BranchID, o.VehicleID, o.Problem, o.PhotoFileID,
			o.Slot, o.MechanicID, o.Status, o.ClientCardChatID, o.ClientCardMessageID, s.now())
		saved, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Order])
		if err != nil {
			return fmt.Errorf("save: %w", err)
		}
		if cardShows(locked, saved) {
			return s.enqueueCardRedraws(ctx, tx, saved)
		}
		return nil
	})
	if err != nil {
		return Order{}, fmt.Errorf("update order %d: %w", id, err)
	}
	return saved, nil
}

// checkVersion returns ErrStale when the caller saw another version of o.
func checkVersion(o *Order, version int) error {
	if o.Version != version {
		return fmt.Errorf("order %d is at version %d, card shows %d: %w", o.ID, o.Version, version, ErrStale)
	}
	return nil
}

// Transition moves an order to status to on behalf of a staff member.
//
// Mechanics may move only orders assigned to them; managers, admins and owners any order
// (ErrForbidden). version must be the order's current version (ErrStale) and the move must be
// allowed by CanTransition (ErrInvalidTransition); checked in that order. In the same
// transaction it writes the event and a KindStatusChanged message to the client's chat.
func (s *Service) Transition(ctx context.Context, a Actor, orderID int64, version int, to Status) (OrderCard, error) {
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := actorStaff(ctx, tx, a)
		if err != nil {
			return err
		}
		act := ActMove
		if to == StatusCancelled {
			act = ActCancelOrder
		}
		if err := Permit(st, act, o.MechanicID); err != nil {
			return err
		}
		if err := checkVersion(o, version); err != nil {
			return err
		}
		if !CanTransition(o.Status, to) {
			return fmt.Errorf("%s → %s: %w", o.Status, to, ErrInvalidTransition)
		}
		if err := s.beforeTransition(ctx, tx, o, to); err != nil { // lines, payments: invoice.go
			return err
		}
		from := o.Status
		o.Status = to
		if err := s.recordChange(ctx, tx, o, st.ID, from, nil); err != nil {
			return err
		}
		return s.afterTransition(ctx, tx, o, st.ID) // invoice, stock: invoice.go
	})
	if err != nil {
		return OrderCard{}, fmt.Errorf("move order %d to %s: %w", orderID, to, err)
	}
	return s.OrderCard(ctx, orderID)
}

// Take lets staff pick up an order. A manager, admin or owner accepts a new request
// (new → accepted). A mechanic takes the order into their own queue: it is assigned to them and,
// if new, accepted; an order assigned to another mechanic is ErrForbidden. Delivered, closed and
// cancelled orders, and orders with nothing to take, are ErrInvalidTransition; a stale version is
// ErrStale.
func (s *Service) Take(ctx context.Context, a Actor, orderID int64, version int) (OrderCard, error) {
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := actorStaff(ctx, tx, a)
		if err != nil {
			return err
		}
		// Taking on one's own is taking into one's own queue: an unassigned order, or one's own.
		mechanic := Can(st.Role, ActTake) == ScopeOwn
		if Can(st.Role, ActTake) == ScopeNone || (mechanic && o.MechanicID != nil && *o.MechanicID != st.ID) {
			return fmt.Errorf("%s %d may not take order %d: %w", st.Role, st.ID, o.ID, ErrForbidden)
		}
		if err := checkVersion(o, version); err != nil {
			return err
		}
		from := o.Status
		var assigned *int64
		if mechanic {
			if o.Status.Terminal() || o.Status == StatusDelivered {
				return fmt.Errorf("take a %s order: %w", o.Status, ErrInvalidTransition)
			}
			if o.MechanicID != nil && o.Status != StatusNew {
				return fmt.Errorf("order %d is already in the queue: %w", o.ID, ErrInvalidTransition)
			}
			if o.MechanicID == nil {
				assigned = &st.ID
				o.MechanicID = &st.ID
			}
		} else if o.Status != StatusNew {
			return fmt.Errorf("accept a %s order: %w", o.Status, ErrInvalidTransition)
		}
		if o.Status == StatusNew {
			o.Status = StatusAccepted
		}
		return s.recordChange(ctx, tx, o, st.ID, from, assigned)
	})
	if err != nil {
		return OrderCard{}, fmt.Errorf("take order %d: %w", orderID, err)
	}
	return s.OrderCard(ctx, orderID)
}

// Assign gives an order to a mechanic; only managers, admins and owners may (ErrForbidden). The
// target must be an active mechanic (ErrInvalidInput). A new order becomes accepted. Delivered,
// closed and cancelled orders are ErrInvalidTransition; a stale version is ErrStale. In the same
// transaction: the event, a KindOrderAssigned message to the mechanic's chat, and a
// KindStatusChanged message to the client when the status changed.
func (s *Service) Assign(ctx context.Context, a Actor, orderID int64, version int, mechanicStaffID int64) (OrderCard, error) {
	_, err := s.UpdateOrder(ctx, orderID, func(tx pgx.Tx, o *Order) error {
		st, err := actorStaff(ctx, tx, a)
		if err != nil {
			return err
		}
		if err := Permit(st, ActAssign, o.MechanicID); err != nil {
			return err
		}
		if err := checkVersion(o, version); err != nil {
			return err
		}
		if o.Status.Terminal() || o.Status == StatusDelivered {
			return fmt.Errorf("assign a %s order: %w", o.Status, ErrInvalidTransition)
		}
		target, err := staffByID(ctx, tx, mechanicStaffID)
		if errors.Is(err, ErrNotFound) || (err == nil && (!target.Active || target.Role != RoleMechanic)) {
			return fmt.Errorf("staff %d is not an active mechanic: %w", mechanicStaffID, ErrInvalidInput)
		}
		if err != nil {
			return err
		}
		from := o.Status
		o.MechanicID = &target.ID
		if o.Status == StatusNew {
			o.Status = StatusAccepted
		}
		if err := s.recordChange(ctx, tx, o, st.ID, from, &target.ID); err != nil {
			return err
		}
		if target.ChatID == nil || !s.opts.Pilot.Includes(target) {
			return nil // outside the pilot, the mechanic hears of it the old way (pilot.go)
		}
		data, err := json.Marshal(OrderAssignedData{Number: o.Number, ByStaffID: st.ID})
		if err != nil {
			return fmt.Errorf("encode %s data: %w", KindOrderAssigned, err)
		}
		_, err = s.enqueue(ctx, tx, OutboxMessage{
			Kind: KindOrderAssigned, ChatID: *target.ChatID, Language: target.Language,
			OrderID: &o.ID, Data: data,
			DedupeKey: KindOrderAssigned + ":" + strconv.FormatInt(o.ID, 10) + ":" + strconv.Itoa(o.Version+1),
		})
		return err
	})
	if err != nil {
		return OrderCard{}, fmt.Errorf("assign order %d to staff %d: %w", orderID, mechanicStaffID, err)
	}
	return s.OrderCard(ctx, orderID)
}

const sqlInsertEvent = `
INSERT INTO order_events (order_id, actor_kind, actor_id, from_status, to_status, mechanic_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`

const sqlClientChat = `SELECT chat_id, language FROM clients WHERE id = $1`

// recordChange writes, inside an UpdateOrder closure, the event of a staff change to o (status
// from → o.Status, and/or assignment of a mechanic) and, when the status changed, a
// KindStatusChanged message to the client's chat. o.Version is still the version before the save.
func (s *Service) recordChange(ctx context.Context, tx pgx.Tx, o *Order, staffID int64, from Status, assigned *int64) error {
	if _, err := tx.Exec(ctx, sqlInsertEvent, o.ID, ActorStaff, staffID, from, o.Status, assigned, s.now()); err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	if from == o.Status {
		return nil
	}
	var chatID *int64
	var lang string
	if err := tx.QueryRow(ctx, sqlClientChat, o.ClientID).Scan(&chatID, &lang); err != nil {
		return fmt.Errorf("get client chat: %w", err)
	}
	if chatID == nil {
		return nil
	}
	data, err := json.Marshal(StatusChangedData{Number: o.Number, From: from, To: o.Status})
	if err != nil {
		return fmt.Errorf("encode %s data: %w", KindStatusChanged, err)
	}
	_, err = s.enqueue(ctx, tx, OutboxMessage{
		Kind: KindStatusChanged, ChatID: *chatID, Language: lang, OrderID: &o.ID, Data: data,
		DedupeKey: KindStatusChanged + ":" + strconv.FormatInt(o.ID, 10) + ":" + strconv.Itoa(o.Version+1),
	})
	return err
}

const sqlOrderEvents = `
SELECT id, order_id, actor_kind, actor_id, from_status, to_status, mechanic_id, created_at
FROM order_events WHERE order_id = $1 ORDER BY id`

const sqlOrderExists = `SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1)`

// OrderEvents returns the history of an order, oldest first, or ErrNotFound.
func (s *Service) OrderEvents(ctx context.Context, orderID int64) ([]OrderEvent, error) {
	rows, _ := s.db.Query(ctx, sqlOrderEvents, orderID)
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByName[OrderEvent])
	if err == nil && len(evs) == 0 {
		var ok bool
		err = s.db.QueryRow(ctx, sqlOrderExists, orderID).Scan(&ok)
		if err == nil && !ok {
			err = ErrNotFound
		}
	}
	if err != nil {
		return nil, fmt.Errorf("list events of order %d: %w", orderID, err)
	}
	return evs, nil
}

// trimmed returns s cleaned of invisible characters (CleanText) and surrounding space, or
// ErrInvalidInput when longer than max characters.
func trimmed(field, s string, max int) (string, error) {
	s = strings.TrimSpace(CleanText(s))
	if utf8.RuneCountInString(s) > max {
		return "", fmt.Errorf("%s longer than %d characters: %w", field, max, ErrInvalidInput)
	}
	return s, nil
}
