package bot

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// cmdKM records an odometer reading of an order's car: "/km 1001 52300". Readings feed the
// km projection of repeat-sale offers (crm.KMSince: at least two are needed).
func (b *Bot) cmdKM(ctx context.Context, r *request) error {
	st, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	args := strings.Fields(r.msg.CommandArguments())
	if len(args) != 2 {
		return b.say(ctx, r.chatID, text.T(r.lang, text.KMUsage), nil)
	}
	n, err1 := strconv.ParseInt(strings.TrimPrefix(args[0], "№"), 10, 64)
	km, err2 := strconv.Atoi(strings.ReplaceAll(args[1], "_", ""))
	if err1 != nil || err2 != nil || n <= 0 || km < 0 || km > 5_000_000 {
		return b.say(ctx, r.chatID, text.T(r.lang, text.KMUsage), nil)
	}
	card, err := b.crm.OrderByNumber(ctx, n)
	if errors.Is(err, crm.ErrNotFound) {
		return b.say(ctx, r.chatID, text.T(r.lang, text.NotFound), nil)
	}
	if err != nil {
		return err
	}
	if err := b.crm.RecordMileage(ctx, st, card.Order.ID, km); err != nil {
		return err
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.KMRecorded, kmText(km), card.Order.Number), nil)
}
