package crm

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	Year        int
	Plate       string // normalised by Book
}

// BookingRequest is a finished booking conversation.
type BookingRequest struct {
	DedupeKey              string // unique per booking conversation: a replay returns the same order
	TelegramUserID, ChatID int64
	Language, LeadSource   string
	Phone                  string // already E.164
	ClientName             string
	VehicleID              int64 // 0 = create NewVehicle
	NewVehicle             NewVehicle
	Problem, PhotoFileID   string
	Slot                   time.Time // zero = no slot chosen
}

// Actor is a staff member acting on an order.
type Actor struct {
	StaffID        int64
	Role           Role
	TelegramUserID int64
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

var errTODO = errors.New("not implemented yet")

// Book records a booking in one transaction. See the package documentation of BookingRequest.
func (s *Service) Book(ctx context.Context, r BookingRequest) (OrderCard, error) {
	return OrderCard{}, fmt.Errorf("book: %w", errTODO)
}

// SetClientCard records where the client's live card of the order is.
func (s *Service) SetClientCard(ctx context.Context, orderID int64, chatID int64, messageID int) error {
	return fmt.Errorf("set client card: %w", errTODO)
}

// OrderCard returns the card of an order, or ErrNotFound.
func (s *Service) OrderCard(ctx context.Context, orderID int64) (OrderCard, error) {
	return OrderCard{}, fmt.Errorf("order card: %w", errTODO)
}

// ClientOrders returns the client's latest orders, newest first.
func (s *Service) ClientOrders(ctx context.Context, clientID int64, limit int) ([]OrderCard, error) {
	return nil, fmt.Errorf("client orders: %w", errTODO)
}

// MechanicQueue returns the mechanic's orders that are not delivered, closed or cancelled, by slot.
func (s *Service) MechanicQueue(ctx context.Context, staffID int64) ([]OrderCard, error) {
	return nil, fmt.Errorf("mechanic queue: %w", errTODO)
}

// OpenOrders returns orders that are not closed or cancelled, oldest first.
func (s *Service) OpenOrders(ctx context.Context, limit int) ([]OrderCard, error) {
	return nil, fmt.Errorf("open orders: %w", errTODO)
}

// BookedSlots returns the slots in [from, to) taken by orders that are not cancelled.
func (s *Service) BookedSlots(ctx context.Context, from, to time.Time) ([]time.Time, error) {
	return nil, fmt.Errorf("booked slots: %w", errTODO)
}

// UpdateOrder locks the order, lets fn change it and saves it with a bumped version.
func (s *Service) UpdateOrder(ctx context.Context, id int64, fn func(tx pgx.Tx, o *Order) error) (Order, error) {
	return Order{}, fmt.Errorf("update order: %w", errTODO)
}

// Transition moves an order to another status.
func (s *Service) Transition(ctx context.Context, a Actor, orderID int64, version int, to Status) (OrderCard, error) {
	return OrderCard{}, fmt.Errorf("transition: %w", errTODO)
}

// Take accepts a new request (managers) or takes it into one's own queue (mechanics).
func (s *Service) Take(ctx context.Context, a Actor, orderID int64, version int) (OrderCard, error) {
	return OrderCard{}, fmt.Errorf("take: %w", errTODO)
}

// Assign gives an order to a mechanic.
func (s *Service) Assign(ctx context.Context, a Actor, orderID int64, version int, mechanicStaffID int64) (OrderCard, error) {
	return OrderCard{}, fmt.Errorf("assign: %w", errTODO)
}

// OrderEvents returns the history of an order, oldest first.
func (s *Service) OrderEvents(ctx context.Context, orderID int64) ([]OrderEvent, error) {
	return nil, fmt.Errorf("order events: %w", errTODO)
}
