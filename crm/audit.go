package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Audit actions recorded in audit_log: staff actions that are not about one order. Order moves,
// prices, lines and payments are in order_events and order_activity, with their actor; AuditLog
// shows all three.
const (
	AuditInviteCreated    = "invite_created"
	AuditInviteRedeemed   = "invite_redeemed"
	AuditRoleChanged      = "role_changed"
	AuditStaffDeactivated = "staff_deactivated"
	AuditClientForgotten  = "client_forgotten"
	AuditItemChanged      = "item_changed"
)

// What an order event is in the audit log.
const (
	OrderEventCreated  = "created"  // the order was opened (from_status '')
	OrderEventAssigned = "assigned" // a mechanic was (re)assigned, the status unchanged
	OrderEventStatus   = "status"   // the order moved from one status to another
)

const sqlInsertAudit = `
INSERT INTO audit_log (actor_kind, actor_id, action, target_staff_id, data, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`

func (s *Service) audit(ctx context.Context, q querier, by actorRef, action string, target *int64, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s audit: %w", action, err)
	}
	if _, err := q.Exec(ctx, sqlInsertAudit, by.Kind, by.ID, action, target, string(raw), s.now()); err != nil {
		return fmt.Errorf("record %s audit: %w", action, err)
	}
	return nil
}

// AuditEntry is one staff (or system) action, newest first in AuditLog.
type AuditEntry struct {
	At        time.Time `db:"created_at"`
	ActorKind string    `db:"actor_kind"`
	ActorID   *int64    `db:"actor_id"`
	ActorName string    `db:"actor_name"`
	Action    string    `db:"action"` // an Audit* or Activity* kind, or an OrderEvent* one
	// TargetName is the staff member acted on; for AuditInviteRedeemed, who created the invite.
	OrderNumber *int64         `db:"order_number"`
	TargetName  string         `db:"target_name"`
	Data        map[string]any `db:"data"`
}

// The three sources share one shape; staff actions only from the order tables (clients approve
// and book there too, which is not what an owner audits). A join names who created the invite as
// its target; an order event is the order's creation (from ”), a (re)assignment (the status
// stays) or a status move.
const sqlAuditLog = `
SELECT u.created_at, u.actor_kind, u.actor_id,
	coalesce(nullif(s.name, ''), CASE WHEN s.id IS NULL THEN '' ELSE '#' || s.telegram_user_id END) AS actor_name,
	u.action, o.number AS order_number,
	coalesce(nullif(t.name, ''), CASE WHEN t.id IS NULL THEN '' ELSE '#' || t.telegram_user_id END) AS target_name,
	u.data
FROM (
	SELECT a.created_at, 3 AS src, a.id, a.actor_kind, a.actor_id, a.action, NULL::bigint AS order_id,
		CASE WHEN a.action = 'invite_redeemed' THEN i.created_by ELSE a.target_staff_id END, a.data
	FROM audit_log a
	LEFT JOIN staff_invites i ON a.action = 'invite_redeemed' AND i.id = (a.data->>'invite_id')::bigint
	UNION ALL
	SELECT created_at, 2, id, actor_kind, actor_id,
		CASE WHEN from_status = '' THEN 'created' WHEN from_status = to_status THEN 'assigned' ELSE 'status' END,
		order_id, mechanic_id, jsonb_build_object('from', from_status, 'to', to_status)
	FROM order_events WHERE actor_kind = 'staff'
	UNION ALL
	SELECT created_at, 1, id, actor_kind, actor_id, kind, order_id, NULL, data
	FROM order_activity WHERE actor_kind = 'staff'
) u
LEFT JOIN staff s ON u.actor_kind = 'staff' AND s.id = u.actor_id
LEFT JOIN staff t ON t.id = u.target_staff_id
LEFT JOIN orders o ON o.id = u.order_id
ORDER BY u.created_at DESC, u.src DESC, u.id DESC
LIMIT $1 OFFSET $2`

// AuditLog returns up to limit entries after skipping offset, newest first. Only owners may read
// it (ErrForbidden).
func (s *Service) AuditLog(ctx context.Context, actor Actor, limit, offset int) ([]AuditEntry, error) {
	if limit <= 0 || offset < 0 {
		return nil, fmt.Errorf("audit log: limit %d offset %d: %w", limit, offset, ErrInvalidInput)
	}
	a, err := actorStaff(ctx, s.db, actor)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if err := Permit(a, ActAudit, nil); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	rows, _ := s.db.Query(ctx, sqlAuditLog, limit, offset)
	es, err := pgx.CollectRows(rows, pgx.RowToStructByName[AuditEntry])
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return es, nil
}

// itemAudit is what a catalog change records: the item and its price before (nil for a new
// item) and after.
func itemAudit(old *CatalogItem, it CatalogItem) map[string]any {
	d := map[string]any{"item_id": it.ID, "sku": it.SKU, "name": it.Name, "price_to": it.Price}
	if old != nil {
		d["price_from"] = old.Price
	}
	return d
}
