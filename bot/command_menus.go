package bot

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Role-scoped command menus: clients see the default scope's menu; each staff member's private
// chat gets its own (BotCommandScopeChat) for their role, set on joining, on every role change
// and removed on deactivation, so that the chat falls back to the client menu. The menu is a
// convenience: every command is authorised again when it arrives.

// clientCommands is the default scope's menu.
var clientCommands = []string{"start", "my", "cancel", "help", "forget_me", "unsubscribe"}

// menuFor is the menu of a staff role.
func menuFor(role crm.Role) []string {
	switch role {
	case crm.RoleMechanic:
		return []string{"queue", "km", "cancel", "help"}
	case crm.RoleManager:
		return []string{"orders", "queue", "new", "catalog", "receive", "outbox", "report", "km", "cancel", "help"}
	case crm.RoleAdmin:
		return []string{"orders", "queue", "new", "catalog", "receive", "outbox", "report", "invite", "staff", "jobs", "cancel", "help"}
	case crm.RoleOwner:
		return []string{"orders", "queue", "new", "catalog", "receive", "outbox", "report", "invite", "staff", "audit", "jobs", "campaign", "export", "cancel", "help"}
	}
	return nil
}

func botCommands(l text.Lang, names []string) []tgbotapi.BotCommand {
	out := make([]tgbotapi.BotCommand, 0, len(names))
	for _, c := range names {
		out = append(out, tgbotapi.BotCommand{Command: c, Description: text.CommandDescription(l, c)})
	}
	return out
}

// refreshMenu sets the command menu of a staff member's chat for their role and language, or
// removes it when they are inactive. A failure only costs the menu, so it is logged, not
// returned.
func (b *Bot) refreshMenu(ctx context.Context, st crm.Staff) {
	if st.ChatID == nil {
		return // they have not opened the bot yet; setStaff refreshes it when they do
	}
	scope := tgbotapi.NewBotCommandScopeChat(*st.ChatID)
	var cfg tgbotapi.Chattable
	if st.Active {
		cfg = tgbotapi.NewSetMyCommandsWithScope(scope, botCommands(text.FromCode(st.Language), menuFor(st.Role))...)
	} else {
		cfg = tgbotapi.NewDeleteMyCommandsWithScope(scope)
	}
	if _, err := b.request(ctx, 0, cfg); err != nil {
		b.log.Warn("set staff command menu", "err", err, "staff_id", st.ID)
	}
}

// refreshStaffMenus brings every known staff chat's menu in line with the database at start:
// roles may have changed while the bot was down (OWNER_TELEGRAM_IDS, the CLI).
func (b *Bot) refreshStaffMenus(ctx context.Context) {
	all, err := b.crm.StaffWithChats(ctx)
	if err != nil {
		b.log.Warn("staff command menus", "err", err)
		return
	}
	for _, st := range all {
		b.refreshMenu(ctx, st)
	}
}
