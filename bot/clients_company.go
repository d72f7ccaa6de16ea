package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// cmdCompany: "/company +79123456789 on|off" marks a client as a company, who pays on terms
// after delivery (COMPANY_PAYMENT_DAYS) rather than on delivery; managers only. It applies to
// invoices issued from then on.
func (b *Bot) cmdCompany(ctx context.Context, r *request) error {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	args := strings.Fields(r.msg.CommandArguments())
	if len(args) < 2 {
		return b.say(ctx, r.chatID, text.T(r.lang, text.CompanyUsage), nil)
	}
	flag := strings.ToLower(args[len(args)-1])
	on := flag == "on" || flag == "да" || flag == "yes"
	if !on && flag != "off" && flag != "нет" && flag != "no" {
		return b.say(ctx, r.chatID, text.T(r.lang, text.CompanyUsage), nil)
	}
	c, err := b.crm.ClientByPhone(ctx, strings.Join(args[:len(args)-1], " "))
	switch {
	case errors.Is(err, crm.ErrInvalidPhone):
		return b.say(ctx, r.chatID, text.T(r.lang, text.PhoneInvalid), nil)
	case errors.Is(err, crm.ErrNotFound):
		return b.say(ctx, r.chatID, text.T(r.lang, text.NoSuchClient), nil)
	case err != nil:
		return fmt.Errorf("find client: %w", err)
	}
	if err := b.crm.SetClientCompany(ctx, actorOf(s), c.ID, on); err != nil {
		return fmt.Errorf("mark company: %w", err)
	}
	key := text.CompanyOff
	if on {
		key = text.CompanyOn
	}
	return b.say(ctx, r.chatID, text.T(r.lang, key, esc(c.Name), esc(c.Phone)), nil)
}
