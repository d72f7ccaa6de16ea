package crm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// InviteTTL is how long an invite link works.
const InviteTTL = 24 * time.Hour

// InvitePrefix starts the /start payload of an invite link: /start inv_<token>.
const InvitePrefix = "inv_"

// Errors of invites, each with its own words for the user.
var (
	// ErrInviteUnknown: no invite has this token (mistyped, forged, or from another shop).
	ErrInviteUnknown = errors.New("unknown invite")
	// ErrInviteExpired: the invite is older than InviteTTL.
	ErrInviteExpired = errors.New("invite expired")
	// ErrInviteUsed: the invite was redeemed already.
	ErrInviteUsed = errors.New("invite already used")
	// ErrAlreadyStaff: the user is active staff already; an invite would change their role.
	ErrAlreadyStaff = errors.New("already staff")
)

// Invite is a created invite; Token is shown once and never stored.
type Invite struct {
	ID        int64
	Token     string
	Role      Role
	ExpiresAt time.Time
}

// newInviteToken returns 32 random bytes, base64url without padding: 43 characters, which
// fits the 64 characters Telegram allows a /start payload, in its alphabet [A-Za-z0-9_-].
func newInviteToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random invite token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func inviteHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

const sqlInsertInvite = `
INSERT INTO staff_invites (token_hash, role, created_by, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5) RETURNING id`

// CreateInvite makes a single-use invite for role. Owners invite admins, managers and mechanics;
// admins invite managers and mechanics (ErrForbidden otherwise). Owners join through
// OWNER_TELEGRAM_IDS or CreateOwnerInvite, never from the bot.
func (s *Service) CreateInvite(ctx context.Context, actor Actor, role Role) (Invite, error) {
	if role != RoleAdmin && role != RoleManager && role != RoleMechanic {
		return Invite{}, fmt.Errorf("create invite: role %q: %w", role, ErrInvalidInput)
	}
	var inv Invite
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		a, err := actorStaff(ctx, tx, actor)
		if err != nil {
			return err
		}
		if !CanInvite(a.Role, role) {
			return fmt.Errorf("%s may not invite %s: %w", a.Role, role, ErrForbidden)
		}
		inv, err = s.insertInvite(ctx, tx, role, &a.ID)
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, staffRef(a.ID), AuditInviteCreated, nil, map[string]any{"role": role, "invite_id": inv.ID})
	})
	if err != nil {
		return Invite{}, fmt.Errorf("create %s invite: %w", role, err)
	}
	return inv, nil
}

// CreateOwnerInvite makes a single-use owner invite for the operator's shell (uniflow invite
// owner): whoever has shell access to the service already controls it.
func (s *Service) CreateOwnerInvite(ctx context.Context) (Invite, error) {
	var inv Invite
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if inv, err = s.insertInvite(ctx, tx, RoleOwner, nil); err != nil {
			return err
		}
		return s.audit(ctx, tx, systemRef(), AuditInviteCreated, nil, map[string]any{"role": RoleOwner, "invite_id": inv.ID})
	})
	if err != nil {
		return Invite{}, fmt.Errorf("create owner invite: %w", err)
	}
	return inv, nil
}

func (s *Service) insertInvite(ctx context.Context, tx pgx.Tx, role Role, by *int64) (Invite, error) {
	token, err := newInviteToken()
	if err != nil {
		return Invite{}, err
	}
	now := s.now()
	inv := Invite{Token: token, Role: role, ExpiresAt: now.Add(InviteTTL)}
	if err := tx.QueryRow(ctx, sqlInsertInvite, inviteHash(token), role, by, now, inv.ExpiresAt).Scan(&inv.ID); err != nil {
		return Invite{}, fmt.Errorf("insert invite: %w", err)
	}
	return inv, nil
}

// CanInvite reports whether a staff member with role by may invite someone as role to. It is
// a plain rule so that the permission table can take it over.
func CanInvite(by, to Role) bool {
	switch by {
	case RoleOwner:
		return to == RoleAdmin || to == RoleManager || to == RoleMechanic
	case RoleAdmin:
		return to == RoleManager || to == RoleMechanic
	}
	return false
}

const sqlInviteForUpdate = `
SELECT i.id, i.role, i.expires_at, i.redeemed_at,
	coalesce(nullif(s.name, ''), CASE WHEN s.id IS NULL THEN '' ELSE '#' || s.telegram_user_id END)
FROM staff_invites i LEFT JOIN staff s ON s.id = i.created_by
WHERE i.token_hash = $1 FOR UPDATE OF i`

const sqlActiveStaffRole = `SELECT role FROM staff WHERE telegram_user_id = $1 AND active`

const sqlJoinStaff = `
INSERT INTO staff (telegram_user_id, chat_id, name, role, branch_id, active, language, created_at, updated_at)
VALUES ($1, $2, $3, $4, (SELECT id FROM branches WHERE is_default), true, $5, $6, $6)
ON CONFLICT (telegram_user_id) DO UPDATE
SET role = $4, active = true, chat_id = $2, name = CASE WHEN $3 = '' THEN staff.name ELSE $3 END,
	language = $5, updated_at = $6
RETURNING ` + staffColumns

const sqlRedeemInvite = `UPDATE staff_invites SET redeemed_at = $2, redeemed_by = $3 WHERE id = $1`

// Joiner is who redeems an invite, as Telegram tells it.
type Joiner struct {
	TelegramUserID, ChatID int64
	Name, Language         string
}

// Joined is a redeemed invite: the new staff member and who invited them ("" for the CLI).
type Joined struct {
	Staff     Staff
	InvitedBy string
}

// RedeemInvite makes the user staff with the invite's role and uses the invite up. Unknown,
// expired and used tokens are refused (ErrInviteUnknown, ErrInviteExpired, ErrInviteUsed) and
// change nothing; active staff are refused with ErrAlreadyStaff (a role change is /staff's job).
// A deactivated former staff member may rejoin with a new invite.
func (s *Service) RedeemInvite(ctx context.Context, token string, j Joiner) (Joined, error) {
	if j.TelegramUserID == 0 {
		return Joined{}, fmt.Errorf("redeem invite: telegram user id 0: %w", ErrInvalidInput)
	}
	var st Staff
	var by string
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		var role Role
		var expires time.Time
		var redeemed *time.Time
		err := tx.QueryRow(ctx, sqlInviteForUpdate, inviteHash(token)).Scan(&id, &role, &expires, &redeemed, &by)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrInviteUnknown
		}
		if err != nil {
			return fmt.Errorf("look up invite: %w", err)
		}
		now := s.now()
		switch {
		case redeemed != nil:
			return fmt.Errorf("invite %d: %w", id, ErrInviteUsed)
		case !now.Before(expires):
			return fmt.Errorf("invite %d: %w", id, ErrInviteExpired)
		}
		var current Role
		err = tx.QueryRow(ctx, sqlActiveStaffRole, j.TelegramUserID).Scan(&current)
		if err == nil {
			return fmt.Errorf("user %d is %s already: %w", j.TelegramUserID, current, ErrAlreadyStaff)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("look up current role: %w", err)
		}
		rows, _ := tx.Query(ctx, sqlJoinStaff, j.TelegramUserID, j.ChatID, j.Name, role, j.Language, now)
		if st, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff]); err != nil {
			return fmt.Errorf("add staff: %w", err)
		}
		if _, err := tx.Exec(ctx, sqlRedeemInvite, id, now, st.ID); err != nil {
			return fmt.Errorf("use invite %d: %w", id, err)
		}
		return s.audit(ctx, tx, staffRef(st.ID), AuditInviteRedeemed, &st.ID, map[string]any{"role": role, "invite_id": id})
	})
	if err != nil {
		return Joined{}, fmt.Errorf("redeem invite: %w", err)
	}
	return Joined{Staff: st, InvitedBy: by}, nil
}
