package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Outbox kinds. The outbox holds what to say, not text: the sender renders Kind with the order (by
// OrderID) and Data in the recipient's Language at send time.
const (
	// KindNewRequest tells staff about a new booking. OrderID is set; Data: NewRequestData.
	KindNewRequest = "new_request"
	// KindOrderAssigned tells a mechanic an order is theirs. OrderID is set; Data: OrderAssignedData.
	KindOrderAssigned = "order_assigned"
	// KindStatusChanged tells the client their order moved. OrderID is set; Data: StatusChangedData.
	KindStatusChanged = "status_changed"
	// KindDailySummary is the owners' daily summary. OrderID is nil; Data: DailySummary.
	KindDailySummary = "daily_summary"
)

// Outbox states.
const (
	OutboxPending = "pending"
	OutboxSending = "sending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed"
)

// NewRequestData is the Data of a KindNewRequest message.
type NewRequestData struct {
	Number int64 `json:"number"`
}

// OrderAssignedData is the Data of a KindOrderAssigned message.
type OrderAssignedData struct {
	Number int64 `json:"number"`
	// ByStaffID is the staff member who assigned the order.
	ByStaffID int64 `json:"by_staff_id"`
}

// StatusChangedData is the Data of a KindStatusChanged message.
type StatusChangedData struct {
	Number int64  `json:"number"`
	From   Status `json:"from"`
	To     Status `json:"to"`
}

// OutboxMessage is a message waiting to be (or already) sent.
type OutboxMessage struct {
	ID                int64           `db:"id"`
	Kind              string          `db:"kind"`
	ChatID            int64           `db:"chat_id"`
	Language          string          `db:"language"`
	OrderID           *int64          `db:"order_id"`
	Data              json.RawMessage `db:"data"`
	DedupeKey         string          `db:"dedupe_key"`
	NotBefore         time.Time       `db:"not_before"`
	Attempts          int             `db:"attempts"`
	State             string          `db:"state"`
	TelegramMessageID *int            `db:"telegram_message_id"`
	LastError         string          `db:"last_error"`
}

// ClaimOutbox claims up to limit due messages for sending.
func (s *Service) ClaimOutbox(ctx context.Context, limit int) ([]OutboxMessage, error) {
	return nil, fmt.Errorf("claim outbox: %w", errTODO)
}

// MarkSent records that a claimed message was delivered.
func (s *Service) MarkSent(ctx context.Context, id int64, telegramMessageID int) error {
	return fmt.Errorf("mark outbox sent: %w", errTODO)
}

// MarkRetry puts a claimed message back to pending, to be tried again at at.
func (s *Service) MarkRetry(ctx context.Context, id int64, cause string, at time.Time) error {
	return fmt.Errorf("mark outbox retry: %w", errTODO)
}

// MarkFailed gives up on a message.
func (s *Service) MarkFailed(ctx context.Context, id int64, cause string) error {
	return fmt.Errorf("mark outbox failed: %w", errTODO)
}

// Enqueue adds a message unless one with its dedupe key exists; it reports whether it added it.
func (s *Service) Enqueue(ctx context.Context, m OutboxMessage) (bool, error) {
	return false, fmt.Errorf("enqueue: %w", errTODO)
}
