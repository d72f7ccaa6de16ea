package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

const myOrdersShown = 10

// cmdMy lists the client's own orders with their status.
func (b *Bot) cmdMy(ctx context.Context, r *request) error {
	client, err := b.crm.ClientByTelegramID(ctx, r.userID)
	if errors.Is(err, crm.ErrNotFound) {
		return b.sayThenReask(ctx, r, text.T(r.lang, text.MyOrdersEmpty))
	}
	if err != nil {
		return fmt.Errorf("look up client: %w", err)
	}
	orders, err := b.crm.ClientOrders(ctx, client.ID, myOrdersShown)
	if err != nil {
		return fmt.Errorf("list client orders: %w", err)
	}
	if len(orders) == 0 {
		return b.sayThenReask(ctx, r, text.T(r.lang, text.MyOrdersEmpty))
	}
	lines := []string{text.T(r.lang, text.MyOrdersTitle)}
	for _, o := range orders {
		lines = append(lines, b.orderLine(r.lang, o))
	}
	return b.sayThenReask(ctx, r, strings.Join(lines, "\n"))
}
