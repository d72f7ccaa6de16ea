package crm

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrLastOwner: the change would leave the shop without an active owner.
var ErrLastOwner = errors.New("last active owner")

// CanManageStaff reports whether staff member by may change the role of, or deactivate, target:
// owners manage everyone, admins managers and mechanics only, and nobody manages themselves (a
// slip of the finger would lock them out). Owners from OWNER_TELEGRAM_IDS are the bot's
// configuration, which the bot checks on top (it alone knows them).
func CanManageStaff(by, target Staff) bool {
	return by.ID != target.ID && canManageRole(by.Role, target.Role)
}

// canManageRole is CanManageStaff's rule on roles alone.
func canManageRole(by, target Role) bool {
	switch by {
	case RoleOwner:
		return true
	case RoleAdmin:
		return target == RoleManager || target == RoleMechanic
	}
	return false
}

// CanGrant reports whether by may give someone role to: only owners make owners or admins.
func CanGrant(by, to Role) bool {
	if by == RoleOwner {
		return to.Valid()
	}
	return by == RoleAdmin && (to == RoleManager || to == RoleMechanic)
}

const sqlStaffForUpdate = `SELECT ` + staffColumns + ` FROM staff WHERE id = $1 FOR UPDATE`

// Locking every active owner row serialises two owners demoting each other at once: the second
// sees the first's change and is refused as the last owner.
const sqlOtherActiveOwners = `
SELECT count(*) FROM (SELECT id FROM staff WHERE role = 'owner' AND active AND id <> $1 FOR UPDATE) o`

const sqlSetStaffRole = `UPDATE staff SET role = $2, updated_at = $3 WHERE id = $1 RETURNING ` + staffColumns

const sqlDeactivateStaff = `UPDATE staff SET active = false, updated_at = $2 WHERE id = $1 RETURNING ` + staffColumns

// SetStaffRole gives staff member id a new role. Only owners and admins may (ErrForbidden); an
// admin touches and makes only managers and mechanics; nobody changes their own role; the last active owner keeps the role
// (ErrLastOwner). The change is audited; setting the same role is a no-op.
func (s *Service) SetStaffRole(ctx context.Context, actor Actor, id int64, role Role) (Staff, error) {
	if !role.Valid() {
		return Staff{}, fmt.Errorf("set role of staff %d: role %q: %w", id, role, ErrInvalidInput)
	}
	var out Staff
	err := s.changeStaff(ctx, actor, id, func(tx pgx.Tx, a, t Staff) error {
		if !CanGrant(a.Role, role) {
			return fmt.Errorf("%s may not grant %s: %w", a.Role, role, ErrForbidden)
		}
		if t.Role == role {
			out = t
			return nil
		}
		if t.Role == RoleOwner {
			if err := s.keepAnOwner(ctx, tx, t.ID); err != nil {
				return err
			}
		}
		rows, _ := tx.Query(ctx, sqlSetStaffRole, t.ID, role, s.now())
		var err error
		if out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff]); err != nil {
			return fmt.Errorf("update role: %w", err)
		}
		return s.audit(ctx, tx, staffRef(a.ID), AuditRoleChanged, &t.ID, map[string]any{"from": t.Role, "to": role})
	})
	if err != nil {
		return Staff{}, fmt.Errorf("set role of staff %d to %s: %w", id, role, err)
	}
	return out, nil
}

// DeactivateStaff stops staff member id from using the bot: the next update they send finds no
// active staff row. Rules as for SetStaffRole; deactivating an inactive member is a no-op.
func (s *Service) DeactivateStaff(ctx context.Context, actor Actor, id int64) (Staff, error) {
	var out Staff
	err := s.changeStaff(ctx, actor, id, func(tx pgx.Tx, a, t Staff) error {
		if !t.Active {
			out = t
			return nil
		}
		if t.Role == RoleOwner {
			if err := s.keepAnOwner(ctx, tx, t.ID); err != nil {
				return err
			}
		}
		rows, _ := tx.Query(ctx, sqlDeactivateStaff, t.ID, s.now())
		var err error
		if out, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff]); err != nil {
			return fmt.Errorf("deactivate: %w", err)
		}
		return s.audit(ctx, tx, staffRef(a.ID), AuditStaffDeactivated, &t.ID, map[string]any{"role": t.Role})
	})
	if err != nil {
		return Staff{}, fmt.Errorf("deactivate staff %d: %w", id, err)
	}
	return out, nil
}

// changeStaff runs fn with the acting and the target staff member re-read and locked, after the
// checks both changes share.
func (s *Service) changeStaff(ctx context.Context, actor Actor, id int64, fn func(tx pgx.Tx, a, t Staff) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		a, err := actorStaff(ctx, tx, actor)
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, sqlStaffForUpdate, id)
		t, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
		if err != nil {
			return fmt.Errorf("get staff %d: %w", id, notFound(err))
		}
		if a.ID == t.ID {
			return fmt.Errorf("%s %d may not change themselves: %w", a.Role, a.ID, ErrForbidden)
		}
		if !CanManageStaff(a, t) {
			return fmt.Errorf("%s may not manage %s: %w", a.Role, t.Role, ErrForbidden)
		}
		return fn(tx, a, t)
	})
}

func (s *Service) keepAnOwner(ctx context.Context, tx pgx.Tx, ownerID int64) error {
	var others int
	if err := tx.QueryRow(ctx, sqlOtherActiveOwners, ownerID).Scan(&others); err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if others == 0 {
		return fmt.Errorf("staff %d: %w", ownerID, ErrLastOwner)
	}
	return nil
}

const sqlRoster = `
SELECT ` + staffColumns + ` FROM staff
ORDER BY NOT active, CASE role WHEN 'owner' THEN 1 WHEN 'admin' THEN 2 WHEN 'manager' THEN 3 ELSE 4 END, name, id
LIMIT $1`

// Roster lists all staff, active first, for those who manage staff (owners and admins,
// ErrForbidden for others); at most limit rows.
func (s *Service) Roster(ctx context.Context, actor Actor, limit int) ([]Staff, error) {
	a, err := actorStaff(ctx, s.db, actor)
	if err != nil {
		return nil, fmt.Errorf("staff roster: %w", err)
	}
	if err := Permit(a, ActStaff, nil); err != nil {
		return nil, fmt.Errorf("staff roster: %w", err)
	}
	rows, _ := s.db.Query(ctx, sqlRoster, limit)
	st, err := pgx.CollectRows(rows, pgx.RowToStructByName[Staff])
	if err != nil {
		return nil, fmt.Errorf("staff roster: %w", err)
	}
	return st, nil
}

// StaffMember returns staff member id, active or not, or ErrNotFound.
func (s *Service) StaffMember(ctx context.Context, id int64) (Staff, error) {
	return staffByID(ctx, s.db, id)
}

const sqlStaffWithChats = `SELECT ` + staffColumns + ` FROM staff WHERE chat_id IS NOT NULL ORDER BY id`

// StaffWithChats lists staff, active or not, whose private chat with the bot is known: the chats
// whose command menu depends on a role.
func (s *Service) StaffWithChats(ctx context.Context) ([]Staff, error) {
	rows, _ := s.db.Query(ctx, sqlStaffWithChats)
	st, err := pgx.CollectRows(rows, pgx.RowToStructByName[Staff])
	if err != nil {
		return nil, fmt.Errorf("staff with chats: %w", err)
	}
	return st, nil
}
