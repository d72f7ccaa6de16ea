package bot

import (
	"context"

	"github.com/uniflow-crm/uniflow/bot/text"
)

// notStaff is the refusal of a staff command or button (key) to someone who is not active staff:
// a deactivated member hears that their access was turned off rather than that the command is
// for staff, which they know. The lookup runs only on a refusal.
func (b *Bot) notStaff(ctx context.Context, r *request, key text.Key) string {
	was, err := b.crm.WasStaff(ctx, r.userID)
	if err != nil {
		b.log.Warn("look up former staff", "user_id", r.userID, "err", err)
	}
	if was {
		return text.T(r.lang, text.AccessOff)
	}
	return text.T(r.lang, key)
}
