package crm

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Person is who a Telegram user is to the shop: active staff, a client, both or neither.
type Person struct {
	Staff  *Staff  // nil unless the user is active staff
	Client *Client // nil unless a client is linked to the user
}

// PersonByTelegramID looks the Telegram user up as staff and as a client in one round trip:
// /start needs both before it can say a word.
func (s *Service) PersonByTelegramID(ctx context.Context, userID int64) (Person, error) {
	batch := &pgx.Batch{}
	batch.Queue(sqlStaffByTelegramID, userID)
	batch.Queue(sqlClientByTelegramID, userID)
	res := s.db.SendBatch(ctx, batch)
	defer res.Close()
	var p Person
	rows, _ := res.Query()
	staff, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Staff])
	if err != nil {
		return Person{}, fmt.Errorf("get staff by telegram user %d: %w", userID, err)
	}
	rows, _ = res.Query()
	clients, err := pgx.CollectRows(rows, pgx.RowToAddrOfStructByName[Client])
	if err != nil {
		return Person{}, fmt.Errorf("get client by telegram user %d: %w", userID, err)
	}
	if len(staff) > 0 {
		p.Staff = staff[0]
	}
	if len(clients) > 0 {
		p.Client = clients[0]
	}
	return p, nil
}
