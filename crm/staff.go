package crm

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Role is what a staff member may do.
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner    Role = "owner"
	RoleAdmin    Role = "admin"
	RoleManager  Role = "manager"
	RoleMechanic Role = "mechanic"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleAdmin, RoleManager, RoleMechanic:
		return true
	}
	return false
}

// Staff is an employee who uses the bot.
type Staff struct {
	ID             int64  `db:"id"`
	TelegramUserID int64  `db:"telegram_user_id"`
	ChatID         *int64 `db:"chat_id"`
	Name           string `db:"name"`
	Role           Role   `db:"role"`
	BranchID       int64  `db:"branch_id"`
	Active         bool   `db:"active"`
	Language       string `db:"language"`
}

const staffColumns = `id, telegram_user_id, chat_id, name, role, branch_id, active, language`

const sqlStaffByTelegramID = `SELECT ` + staffColumns + ` FROM staff WHERE telegram_user_id = $1 AND active`

// StaffByTelegramID returns the active staff member with this Telegram user id, or ErrNotFound
// (also for a deactivated one).
func (s *Service) StaffByTelegramID(ctx context.Context, userID int64) (Staff, error) {
	rows, _ := s.db.Query(ctx, sqlStaffByTelegramID, userID)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
	if err != nil {
		return Staff{}, fmt.Errorf("get staff by telegram user %d: %w", userID, notFound(err))
	}
	return st, nil
}

const sqlStaffByID = `SELECT ` + staffColumns + ` FROM staff WHERE id = $1`

// staffByID returns a staff member, active or not, or ErrNotFound.
func staffByID(ctx context.Context, q querier, id int64) (Staff, error) {
	rows, _ := q.Query(ctx, sqlStaffByID, id)
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
	if err != nil {
		return Staff{}, fmt.Errorf("get staff %d: %w", id, notFound(err))
	}
	return st, nil
}

const sqlEnsureOwner = `
INSERT INTO staff (telegram_user_id, role, branch_id, active, created_at, updated_at)
VALUES ($1, 'owner', (SELECT id FROM branches WHERE is_default), true, $2, $2)
ON CONFLICT (telegram_user_id) DO UPDATE
SET role = 'owner', active = true, updated_at = $2
WHERE staff.role <> 'owner' OR NOT staff.active`

// EnsureOwners makes every listed Telegram user an active owner (the owners from the config). It is
// idempotent; owners missing from the list are left as they are.
func (s *Service) EnsureOwners(ctx context.Context, telegramIDs []int64) error {
	now := s.now()
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for _, id := range telegramIDs {
			if id == 0 {
				return fmt.Errorf("owner telegram id 0: %w", ErrInvalidInput)
			}
			if _, err := tx.Exec(ctx, sqlEnsureOwner, id, now); err != nil {
				return fmt.Errorf("upsert owner %d: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ensure owners: %w", err)
	}
	return nil
}

const sqlTouchStaff = `
UPDATE staff SET chat_id = $2,
	name = CASE WHEN $3::text = '' THEN name ELSE $3 END,
	language = CASE WHEN $4::text = '' THEN language ELSE $4 END,
	updated_at = $5
WHERE telegram_user_id = $1
	AND (chat_id IS DISTINCT FROM $2 OR ($3::text <> '' AND name <> $3::text) OR ($4::text <> '' AND language <> $4::text))`

// TouchStaff records the chat id, name and language of a staff member who talks to the bot (empty
// name or language keep the stored ones). Unknown users are ignored: the caller checks who is staff.
func (s *Service) TouchStaff(ctx context.Context, telegramUserID, chatID int64, name, language string) error {
	if _, err := s.db.Exec(ctx, sqlTouchStaff, telegramUserID, chatID, name, language, s.now()); err != nil {
		return fmt.Errorf("touch staff %d: %w", telegramUserID, err)
	}
	return nil
}

const sqlListStaff = `
SELECT ` + staffColumns + ` FROM staff
WHERE active AND ($1::text = '' OR role = $1::text)
ORDER BY CASE role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'manager' THEN 3 ELSE 4 END, name, id`

// ListStaff returns active staff with role ("" = all), owners first, then by name.
func (s *Service) ListStaff(ctx context.Context, role Role) ([]Staff, error) {
	if role != "" && !role.Valid() {
		return nil, fmt.Errorf("list staff: role %q: %w", role, ErrInvalidInput)
	}
	rows, _ := s.db.Query(ctx, sqlListStaff, string(role))
	st, err := pgx.CollectRows(rows, pgx.RowToStructByName[Staff])
	if err != nil {
		return nil, fmt.Errorf("list staff %q: %w", role, err)
	}
	return st, nil
}

// actorStaff re-reads the acting staff member: unknown, inactive or mismatching actors are
// forbidden.
func actorStaff(ctx context.Context, q querier, a Actor) (Staff, error) {
	st, err := staffByID(ctx, q, a.StaffID)
	if errors.Is(err, ErrNotFound) {
		return Staff{}, fmt.Errorf("actor %d is not staff: %w", a.StaffID, ErrForbidden)
	}
	if err != nil {
		return Staff{}, err
	}
	if !st.Active {
		return Staff{}, fmt.Errorf("actor %d is inactive: %w", a.StaffID, ErrForbidden)
	}
	if a.TelegramUserID != 0 && a.TelegramUserID != st.TelegramUserID {
		return Staff{}, fmt.Errorf("actor %d: telegram user mismatch: %w", a.StaffID, ErrForbidden)
	}
	return st, nil
}

const sqlWasStaff = `SELECT EXISTS (SELECT 1 FROM staff WHERE telegram_user_id = $1 AND NOT active)`

// WasStaff reports whether the Telegram user is a deactivated staff member: they are refused as
// anyone who is not staff, but told that their access was turned off.
func (s *Service) WasStaff(ctx context.Context, userID int64) (bool, error) {
	var was bool
	if err := s.db.QueryRow(ctx, sqlWasStaff, userID).Scan(&was); err != nil {
		return false, fmt.Errorf("was user %d staff: %w", userID, err)
	}
	return was, nil
}
