package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Kinds of order activity: everything that happens to an order besides its status moves.
const (
	ActivityLineAdded        = "line_added"
	ActivityLineChanged      = "line_changed"
	ActivityLineRemoved      = "line_removed"
	ActivityLineDecided      = "line_decided"
	ActivityDiscount         = "discount"
	ActivityEstimateSent     = "estimate_sent"
	ActivityPartRequested    = "part_requested"
	ActivityStockReserved    = "stock_reserved"
	ActivityStockReleased    = "stock_released"
	ActivityStockWrittenOff  = "stock_written_off"
	ActivityInvoiceIssued    = "invoice_issued"
	ActivityInvoiceCorrected = "invoice_corrected"
	ActivityPayment          = "payment"
	ActivityDocumentSent     = "document_sent"
	// ActivityStatus is how Timeline shows a row of order_events: a move or an assignment.
	ActivityStatus = "status"
)

const sqlInsertActivity = `
INSERT INTO order_activity (order_id, actor_kind, actor_id, kind, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`

// activity records something that happened to an order, inside the transaction that did it.
func (s *Service) activity(ctx context.Context, q querier, orderID int64, by actorRef, kind string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s activity: %w", kind, err)
	}
	if _, err := q.Exec(ctx, sqlInsertActivity, orderID, by.Kind, by.ID, kind, string(raw), s.now()); err != nil {
		return fmt.Errorf("record %s activity: %w", kind, err)
	}
	return nil
}

// RecordDocumentSent notes in the order's timeline that a document went to a chat.
func (s *Service) RecordDocumentSent(ctx context.Context, orderID int64, staffID *int64, doc string, chatID int64) error {
	by := systemRef()
	if staffID != nil {
		by = staffRef(*staffID)
	}
	if err := s.activity(ctx, s.db, orderID, by, ActivityDocumentSent, map[string]any{"document": doc, "chat_id": chatID}); err != nil {
		return fmt.Errorf("order %d: %w", orderID, err)
	}
	return nil
}

// TimelineEntry is one thing that happened to an order.
type TimelineEntry struct {
	At        time.Time       `db:"at"`
	ActorKind string          `db:"actor_kind"`
	ActorID   *int64          `db:"actor_id"`
	ActorName string          `db:"actor_name"` // the staff member's or client's name, "" for the system
	Kind      string          `db:"kind"`       // an Activity… constant
	Data      json.RawMessage `db:"data"`       // for ActivityStatus: {"from":…,"to":…,"mechanic_id":…}
}

// sqlTimeline merges the order's status events and its activity, oldest first; status events
// come first within the same instant, since the activity they cause follows them.
const sqlTimeline = `
SELECT at, actor_kind, actor_id, coalesce(CASE actor_kind WHEN 'staff' THEN s.name WHEN 'client' THEN c.name END, '') AS actor_name,
	kind, data
FROM (
	SELECT e.created_at AS at, e.actor_kind, e.actor_id, 'status' AS kind,
		jsonb_build_object('from', e.from_status, 'to', e.to_status, 'mechanic_id', e.mechanic_id) AS data,
		0 AS src, e.id
	FROM order_events e WHERE e.order_id = $1
	UNION ALL
	SELECT a.created_at, a.actor_kind, a.actor_id, a.kind, a.data, 1, a.id
	FROM order_activity a WHERE a.order_id = $1
) t
LEFT JOIN staff s ON t.actor_kind = 'staff' AND s.id = t.actor_id
LEFT JOIN clients c ON t.actor_kind = 'client' AND c.id = t.actor_id
ORDER BY t.at, t.src, t.id`

// Timeline is everything that happened to an order, oldest first, or ErrNotFound.
func (s *Service) Timeline(ctx context.Context, orderID int64) ([]TimelineEntry, error) {
	rows, _ := s.db.Query(ctx, sqlTimeline, orderID)
	es, err := pgx.CollectRows(rows, pgx.RowToStructByName[TimelineEntry])
	if err == nil && len(es) == 0 {
		var ok bool
		err = s.db.QueryRow(ctx, sqlOrderExists, orderID).Scan(&ok)
		if err == nil && !ok {
			err = ErrNotFound
		}
	}
	if err != nil {
		return nil, fmt.Errorf("timeline of order %d: %w", orderID, err)
	}
	return es, nil
}
