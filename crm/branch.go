package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Branches (issue 9, item 4): orders, staff and stock belong to a branch; reports filter by
// branch. The first migration makes one default branch, where client bookings go, and a shop
// that never adds another is never offered a choice of branch.

// Branch is one of the shop's branches.
type Branch struct {
	ID        int64  `db:"id"`
	Name      string `db:"name"`
	IsDefault bool   `db:"is_default"`
}

// MaxBranchNameLen bounds a branch's name: it is a button's label.
const MaxBranchNameLen = 40

// Branches lists the shop's branches, the default one first. A shop with one branch is never
// offered a choice.
func (s *Service) Branches(ctx context.Context) ([]Branch, error) {
	rows, _ := s.db.Query(ctx, `SELECT id, name, is_default FROM branches ORDER BY is_default DESC, id`)
	bs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Branch])
	if err != nil {
		return nil, fmt.Errorf("list branches: %w", err)
	}
	return bs, nil
}

// AddBranch adds a branch named name (the operator's CLI: `uniflow branch add`). A name another
// branch has, ignoring case, is ErrInvalidInput.
func (s *Service) AddBranch(ctx context.Context, name string) (Branch, error) {
	name, err := trimmed("branch name", name, MaxBranchNameLen)
	if err != nil {
		return Branch{}, fmt.Errorf("add branch: %w", err)
	}
	if name == "" {
		return Branch{}, fmt.Errorf("add branch: no name: %w", ErrInvalidInput)
	}
	rows, _ := s.db.Query(ctx, `
INSERT INTO branches (name) SELECT $1
WHERE NOT EXISTS (SELECT 1 FROM branches WHERE lower(name) = lower($1))
RETURNING id, name, is_default`, name)
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Branch])
	if errors.Is(err, pgx.ErrNoRows) {
		return Branch{}, fmt.Errorf("add branch %q: a branch has that name: %w", name, ErrInvalidInput)
	}
	if err != nil {
		return Branch{}, fmt.Errorf("add branch %q: %w", name, err)
	}
	return b, nil
}

// BranchByName finds a branch by its name (ignoring case) or its id written as a number.
func (s *Service) BranchByName(ctx context.Context, name string) (Branch, error) {
	rows, _ := s.db.Query(ctx, `SELECT id, name, is_default FROM branches
WHERE lower(name) = lower($1) OR id::text = $1 ORDER BY lower(name) = lower($1) DESC, id LIMIT 1`, strings.TrimSpace(name))
	b, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Branch])
	if errors.Is(err, pgx.ErrNoRows) {
		return Branch{}, fmt.Errorf("branch %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Branch{}, fmt.Errorf("find branch %q: %w", name, err)
	}
	return b, nil
}

// MoveStaffToBranch makes the staff member with Telegram user id userID work in branch: the
// orders they take at the desk and the stock they receive are that branch's from now on.
func (s *Service) MoveStaffToBranch(ctx context.Context, userID, branch int64) (Staff, error) {
	rows, _ := s.db.Query(ctx, `UPDATE staff SET branch_id = $2, updated_at = $3 WHERE telegram_user_id = $1
	AND EXISTS (SELECT 1 FROM branches WHERE id = $2) RETURNING `+staffColumns, userID, branch, s.now())
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Staff])
	if errors.Is(err, pgx.ErrNoRows) {
		return Staff{}, fmt.Errorf("move staff %d to branch %d: %w", userID, branch, ErrNotFound)
	}
	if err != nil {
		return Staff{}, fmt.Errorf("move staff %d to branch %d: %w", userID, branch, err)
	}
	return st, nil
}

// BranchStock is a part's stock in one branch: the sums of the branch's ledger rows.
type BranchStock struct {
	ItemID   int64  `db:"item_id"`
	Name     string `db:"name"`
	OnHand   Qty    `db:"on_hand"`
	Reserved Qty    `db:"reserved"`
}

// Available is what the branch can still reserve.
func (b BranchStock) Available() Qty { return b.OnHand - b.Reserved }

const sqlBranchStock = `
SELECT m.item_id, ci.name, sum(m.on_hand_delta)::bigint AS on_hand, sum(m.reserved_delta)::bigint AS reserved
FROM stock_movements m JOIN catalog_items ci ON ci.id = m.item_id
WHERE m.branch_id = $1
GROUP BY m.item_id, ci.name
HAVING sum(m.on_hand_delta) <> 0 OR sum(m.reserved_delta) <> 0
ORDER BY ci.name, m.item_id`

// StockOfBranch lists the parts a branch has on hand or holds for its orders.
func (s *Service) StockOfBranch(ctx context.Context, branch int64) ([]BranchStock, error) {
	rows, _ := s.db.Query(ctx, sqlBranchStock, branch)
	st, err := pgx.CollectRows(rows, pgx.RowToStructByName[BranchStock])
	if err != nil {
		return nil, fmt.Errorf("stock of branch %d: %w", branch, err)
	}
	return st, nil
}
