package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Staff administration (issue 6): invites, /staff with role changes and deactivation, /audit.
// Each handler checks the role here for a clear refusal, and crm checks it again against the
// database: the rules live in crm.CanInvite, crm.CanManageStaff and crm.CanGrant.

// Callback actions of staff administration. Two letters keep them apart from the one-letter
// codes of the other flows.
const (
	actStaffList     action = "sl" // redraw the /staff list
	actStaffShow     action = "sh" // ID: staff id
	actStaffRole     action = "sr" // ID: staff id, Arg: the new role
	actStaffOff      action = "so" // ID: staff id: ask to deactivate
	actStaffOffSure  action = "sd" // ID: staff id: deactivate
	actAuditPage     action = "au" // ID: how many newer entries to skip
	actForgetConfirm action = "fy"
	actForgetKeep    action = "fn"
)

// rosterShown bounds the /staff list: Telegram allows 100 buttons on a message.
const rosterShown = 60

// auditPage is how many audit entries one message shows at most; auditChars keeps it inside
// Telegram's 4096 characters however long the names are.
const (
	auditPage  = 20
	auditChars = 3800
)

// staffAdmin returns the sender when allowed(role) holds. Others are refused with a clear
// message and a log line naming them: clients and deactivated staff hear that the command is
// for staff, staff of another role which roles the permission table lets do act.
func (b *Bot) staffAdmin(ctx context.Context, r *request, what string, act crm.Action) (crm.Staff, bool, error) {
	s, err := b.staffMember(ctx, r)
	if err != nil && !errors.Is(err, crm.ErrNotFound) {
		return crm.Staff{}, false, fmt.Errorf("look up staff: %w", err)
	}
	if err == nil && crm.Can(s.Role, act) == crm.ScopeAll {
		return s, true, nil
	}
	var refusal string
	if err == nil {
		refusal = onlyRoles(r, act)
	} else {
		refusal = b.notStaff(ctx, r, text.NotStaff)
	}
	b.log.Warn("staff command refused", "user_id", r.userID, "command", what, "role", string(s.Role))
	if r.cb != nil {
		b.answer(ctx, r, refusal, true)
		return crm.Staff{}, false, nil
	}
	return crm.Staff{}, false, b.say(ctx, r.chatID, refusal, nil)
}

// cmdInvite: "/invite mechanic|manager|admin" answers with a single-use deep link.
func (b *Bot) cmdInvite(ctx context.Context, r *request) error {
	s, ok, err := b.staffAdmin(ctx, r, "invite", crm.ActStaff)
	if !ok {
		return err
	}
	role := crm.Role(strings.ToLower(strings.TrimSpace(r.msg.CommandArguments())))
	if role != crm.RoleMechanic && role != crm.RoleManager && role != crm.RoleAdmin {
		return b.say(ctx, r.chatID, text.T(r.lang, text.InviteUsage), nil)
	}
	if !crm.CanInvite(s.Role, role) {
		b.log.Warn("staff command refused", "user_id", r.userID, "command", "invite", "role", string(s.Role), "invite_role", string(role))
		return b.say(ctx, r.chatID, text.T(r.lang, text.Forbidden), nil)
	}
	inv, err := b.crm.CreateInvite(ctx, actorOf(s), role)
	if err != nil {
		return fmt.Errorf("create invite: %w", err)
	}
	b.log.Info("invite created", "user_id", r.userID, "invite_role", string(role))
	link := InviteLink(b.api.Self.UserName, inv.Token)
	return b.say(ctx, r.chatID, text.T(r.lang, text.InviteCreated, text.RoleName(r.lang, string(role)),
		inv.ExpiresAt.In(b.cfg.Location).Format("02.01.2006 15:04"), esc(link)), nil)
}

// InviteLink is the deep link that redeems an invite token.
func InviteLink(botUserName, token string) string {
	return "https://t.me/" + botUserName + "?start=" + crm.InvitePrefix + token
}

// redeemInvite handles /start inv_<token>. Whatever was wrong with the token, the sender hears
// why and the log says so, without the token.
func (b *Bot) redeemInvite(ctx context.Context, r *request, token string) error {
	j, err := b.crm.RedeemInvite(ctx, token, crm.Joiner{TelegramUserID: r.userID, ChatID: r.chatID, Name: r.name, Language: string(r.lang)})
	var key text.Key
	switch {
	case errors.Is(err, crm.ErrInviteUnknown):
		key = text.InviteUnknown
	case errors.Is(err, crm.ErrInviteExpired):
		key = text.InviteExpired
	case errors.Is(err, crm.ErrInviteUsed):
		key = text.InviteUsed
	case errors.Is(err, crm.ErrAlreadyStaff):
		s, _ := b.staffMember(ctx, r)
		b.log.Warn("invite refused", "user_id", r.userID, "reason", "already staff")
		return b.say(ctx, r.chatID, text.T(r.lang, text.AlreadyStaff, text.RoleName(r.lang, string(s.Role))), nil)
	case err != nil:
		return fmt.Errorf("redeem invite: %w", err)
	}
	if key != "" {
		b.log.Warn("invite refused", "user_id", r.userID, "reason", err.Error())
		return b.say(ctx, r.chatID, text.T(r.lang, key), nil)
	}
	st := j.Staff
	b.log.Info("invite redeemed", "user_id", r.userID, "staff_id", st.ID, "role", string(st.Role))
	b.knowStaff(ctx, r, &st)
	b.refreshMenu(ctx, st)
	msg := text.T(r.lang, text.Joined, text.RoleName(r.lang, string(st.Role)))
	if j.InvitedBy != "" {
		msg += text.T(r.lang, text.JoinedBy, esc(j.InvitedBy))
	}
	// A staff member starts work, not a booking: no conversation is left behind.
	return b.say(ctx, r.chatID, msg+"\n\n"+text.T(r.lang, text.HelpStaff), nil)
}

// cmdStaff lists staff with buttons to open each member's card.
func (b *Bot) cmdStaff(ctx context.Context, r *request) error {
	s, ok, err := b.staffAdmin(ctx, r, "staff", crm.ActStaff)
	if !ok {
		return err
	}
	html, kb, err := b.rosterView(ctx, r, s)
	if err != nil {
		return err
	}
	return b.say(ctx, r.chatID, html, kbOrNil(kb))
}

func (b *Bot) rosterView(ctx context.Context, r *request, s crm.Staff) (string, *tgbotapi.InlineKeyboardMarkup, error) {
	all, err := b.crm.Roster(ctx, actorOf(s), rosterShown)
	if err != nil {
		return "", nil, fmt.Errorf("list staff: %w", err)
	}
	html := text.T(r.lang, text.StaffListTitle, len(all))
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, m := range all {
		off := ""
		if !m.Active {
			off = text.T(r.lang, text.StaffInactive)
		}
		html += text.T(r.lang, text.StaffLine, esc(staffLabel(m)), text.RoleName(r.lang, string(m.Role)), off)
		if m.Active && b.mayView(s, m) {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{button(
				staffLabel(m)+" · "+text.RoleName(r.lang, string(m.Role)), callback{Action: actStaffShow, ID: m.ID})})
		}
	}
	if len(rows) == 0 {
		return html, nil, nil
	}
	return html, inline(rows...), nil
}

// staffPress loads the sender (owner or admin) and the member the button names, whom the sender
// must be allowed to manage.
func (b *Bot) staffPress(ctx context.Context, r *request) (crm.Staff, crm.Staff, bool, error) {
	return b.staffPressIf(ctx, r, b.mayManage)
}

// staffPressIf is staffPress with the rule the member must pass.
func (b *Bot) staffPressIf(ctx context.Context, r *request, allowed func(s, m crm.Staff) bool) (crm.Staff, crm.Staff, bool, error) {
	s, ok, err := b.staffAdmin(ctx, r, "staff button "+string(r.data.Action), crm.ActStaff)
	if !ok {
		return crm.Staff{}, crm.Staff{}, false, err
	}
	m, err := b.crm.StaffMember(ctx, r.data.ID)
	if err != nil {
		return crm.Staff{}, crm.Staff{}, false, fmt.Errorf("staff button: %w", err)
	}
	if !allowed(s, m) {
		reason, key := "role", text.Forbidden
		switch {
		case s.ID == m.ID:
			reason, key = "self", text.StaffNotSelf
		case b.configOwner(m):
			reason, key = "owner from config", text.OwnerRoleFixed
		}
		b.log.Warn("staff change refused", "user_id", r.userID, "role", string(s.Role), "target_staff_id", m.ID, "target_role", string(m.Role), "reason", reason)
		b.answer(ctx, r, text.T(r.lang, key), true)
		return crm.Staff{}, crm.Staff{}, false, nil
	}
	return s, m, true, nil
}

// mayManage is whether s may change m's role or deactivate them: crm's rule, and owners from
// OWNER_TELEGRAM_IDS stay out of reach, since every start makes them owners again. The roster
// offers a card only to whom this holds, and every staff button checks it again.
func (b *Bot) mayManage(s, m crm.Staff) bool {
	return crm.CanManageStaff(s, m) && !b.configOwner(m)
}

// mayView is whether s may open m's card: whom they manage, and for an owner also the owners
// from the configuration, whose card then shows no buttons that would only be refused.
func (b *Bot) mayView(s, m crm.Staff) bool {
	return b.mayManage(s, m) || (s.Role == crm.RoleOwner && s.ID != m.ID && b.configOwner(m))
}

func (b *Bot) configOwner(m crm.Staff) bool {
	return slices.Contains(b.cfg.OwnerIDs, m.TelegramUserID)
}

func (b *Bot) onStaffList(ctx context.Context, r *request) error {
	s, ok, err := b.staffAdmin(ctx, r, "staff button "+string(r.data.Action), crm.ActStaff)
	if !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	html, kb, err := b.rosterView(ctx, r, s)
	if err != nil {
		return err
	}
	return b.editPressed(ctx, r, html, kb)
}

func (b *Bot) onStaffShow(ctx context.Context, r *request) error {
	s, m, ok, err := b.staffPressIf(ctx, r, b.mayView)
	if !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	return b.editPressed(ctx, r, b.memberCard(r.lang, m), b.memberKeyboard(r.lang, s, m))
}

func (b *Bot) memberCard(l text.Lang, m crm.Staff) string {
	state := text.T(l, text.StaffStateActive)
	if !m.Active {
		state = text.T(l, text.StaffStateOff)
	}
	return text.T(l, text.StaffMemberCard, esc(staffLabel(m)), m.TelegramUserID, text.RoleName(l, string(m.Role)), state)
}

func (b *Bot) memberKeyboard(l text.Lang, s, m crm.Staff) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	if m.Active && b.mayManage(s, m) {
		var roles []tgbotapi.InlineKeyboardButton
		for _, role := range []crm.Role{crm.RoleMechanic, crm.RoleManager, crm.RoleAdmin, crm.RoleOwner} {
			if role == m.Role || !crm.CanGrant(s.Role, role) {
				continue
			}
			roles = append(roles, button(text.T(l, text.MakeRole, text.RoleName(l, string(role))),
				callback{Action: actStaffRole, ID: m.ID, Arg: string(role)}))
		}
		if len(roles) > 0 {
			rows = append(rows, roles)
		}
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.Deactivate), callback{Action: actStaffOff, ID: m.ID})})
	}
	rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.BackToStaff), callback{Action: actStaffList})})
	return inline(rows...)
}

func (b *Bot) onStaffRole(ctx context.Context, r *request) error {
	s, m, ok, err := b.staffPress(ctx, r)
	if !ok {
		return err
	}
	role := crm.Role(r.data.Arg)
	changed, err := b.crm.SetStaffRole(ctx, actorOf(s), m.ID, role)
	if err != nil {
		return b.staffChangeError(ctx, r, m, err)
	}
	b.log.Info("staff role changed", "user_id", r.userID, "target_staff_id", m.ID, "from", string(m.Role), "to", string(changed.Role))
	b.refreshMenu(ctx, changed)
	b.answer(ctx, r, text.T(r.lang, text.RoleChanged, staffLabel(changed), text.RoleName(r.lang, string(changed.Role))), false)
	return b.editPressed(ctx, r, b.memberCard(r.lang, changed), b.memberKeyboard(r.lang, s, changed))
}

func (b *Bot) onStaffOff(ctx context.Context, r *request) error {
	_, m, ok, err := b.staffPress(ctx, r)
	if !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	kb := inline([]tgbotapi.InlineKeyboardButton{
		button(text.T(r.lang, text.DeactivateYes), callback{Action: actStaffOffSure, ID: m.ID}),
		button(text.T(r.lang, text.BackToStaff), callback{Action: actStaffList}),
	})
	return b.editPressed(ctx, r, text.T(r.lang, text.DeactivateAsk, esc(staffLabel(m))), kb)
}

func (b *Bot) onStaffOffSure(ctx context.Context, r *request) error {
	s, m, ok, err := b.staffPress(ctx, r)
	if !ok {
		return err
	}
	off, err := b.crm.DeactivateStaff(ctx, actorOf(s), m.ID)
	if err != nil {
		return b.staffChangeError(ctx, r, m, err)
	}
	b.log.Info("staff deactivated", "user_id", r.userID, "target_staff_id", m.ID)
	b.refreshMenu(ctx, off)
	b.answer(ctx, r, text.T(r.lang, text.StaffDeactivated, staffLabel(off)), false)
	html, kb, err := b.rosterView(ctx, r, s)
	if err != nil {
		return err
	}
	return b.editPressed(ctx, r, html, kb)
}

// staffChangeError words a refused change; the last-owner rule gets its own reason.
func (b *Bot) staffChangeError(ctx context.Context, r *request, m crm.Staff, err error) error {
	if errors.Is(err, crm.ErrLastOwner) {
		b.log.Warn("staff change refused", "user_id", r.userID, "target_staff_id", m.ID, "reason", "last owner")
		b.answer(ctx, r, text.T(r.lang, text.LastOwner), true)
		return nil
	}
	return fmt.Errorf("change staff %d: %w", m.ID, err)
}

// cmdAudit shows owners the newest audit entries.
func (b *Bot) cmdAudit(ctx context.Context, r *request) error {
	s, ok, err := b.staffAdmin(ctx, r, "audit", crm.ActAudit)
	if !ok {
		return err
	}
	html, kb, err := b.auditView(ctx, r, s, 0)
	if err != nil {
		return err
	}
	return b.say(ctx, r.chatID, html, kbOrNil(kb))
}

func (b *Bot) onAuditPage(ctx context.Context, r *request) error {
	s, ok, err := b.staffAdmin(ctx, r, "audit page", crm.ActAudit)
	if !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	html, kb, err := b.auditView(ctx, r, s, int(min(r.data.ID, 100000)))
	if err != nil {
		return err
	}
	return b.editPressed(ctx, r, html, kb)
}

// auditView is one page of the audit log from offset: as many entries as fit one message.
func (b *Bot) auditView(ctx context.Context, r *request, s crm.Staff, offset int) (string, *tgbotapi.InlineKeyboardMarkup, error) {
	// One more than a page tells whether there is an older page.
	es, err := b.crm.AuditLog(ctx, actorOf(s), auditPage+1, offset)
	if err != nil {
		return "", nil, fmt.Errorf("audit log: %w", err)
	}
	if len(es) == 0 && offset == 0 {
		return text.T(r.lang, text.AuditEmpty), nil, nil
	}
	var lines []string
	size := 0
	for _, e := range es[:min(len(es), auditPage)] {
		line := b.auditLine(r.lang, e)
		if size+utf8.RuneCountInString(line) > auditChars {
			break
		}
		size += utf8.RuneCountInString(line) + 1
		lines = append(lines, line)
	}
	html := text.T(r.lang, text.AuditTitle, offset+1, offset+len(lines)) + "\n" + strings.Join(lines, "\n")
	var nav []tgbotapi.InlineKeyboardButton
	if offset > 0 {
		nav = append(nav, button(text.T(r.lang, text.AuditPrev), callback{Action: actAuditPage, ID: int64(max(0, offset-auditPage))}))
	}
	if len(es) > len(lines) {
		nav = append(nav, button(text.T(r.lang, text.AuditNext), callback{Action: actAuditPage, ID: int64(offset + len(lines))}))
	}
	if len(nav) == 0 {
		return html, nil, nil
	}
	return html, inline(nav), nil
}

func (b *Bot) auditLine(l text.Lang, e crm.AuditEntry) string {
	who := e.ActorName
	switch {
	case e.ActorKind == crm.ActorClient:
		who = text.T(l, text.AuditClient)
	case who == "":
		who = text.T(l, text.AuditSystem)
	}
	line := e.At.In(b.cfg.Location).Format("02.01 15:04") + " · " + esc(label(who)) + " " + text.AuditAction(l, e.Action)
	switch {
	case e.TargetName == "" || e.Action == crm.OrderEventStatus || e.Action == crm.OrderEventCreated:
	case e.Action == crm.AuditInviteRedeemed:
		// The target of a join is who created the invite (none for `uniflow invite owner`).
		line += text.T(l, text.AuditInvitedBy, esc(label(e.TargetName)))
	default:
		line += " " + esc(label(e.TargetName))
	}
	if e.OrderNumber != nil {
		line += text.T(l, text.AuditOrderNumber, *e.OrderNumber)
	}
	if d := auditDetail(l, e); d != "" {
		line += ": " + d
	}
	return line
}

// auditDetail is the short "what" of an entry: roles and statuses, which it knows the names of.
func auditDetail(l text.Lang, e crm.AuditEntry) string {
	str := func(k string) string { v, _ := e.Data[k].(string); return v }
	switch e.Action {
	case crm.AuditRoleChanged:
		return text.RoleName(l, str("from")) + " → " + text.RoleName(l, str("to"))
	case crm.AuditInviteCreated, crm.AuditInviteRedeemed, crm.AuditStaffDeactivated:
		return text.RoleName(l, str("role"))
	case crm.OrderEventStatus:
		return text.StatusName(l, str("from")) + " → " + text.StatusName(l, str("to"))
	case crm.AuditItemChanged:
		price := func(k string) string { f, _ := e.Data[k].(float64); return crm.Money(int64(f)).String() }
		d := esc(label(str("name"))) + ", " + price("price_to")
		if _, ok := e.Data["price_from"]; ok {
			d = esc(label(str("name"))) + ", " + price("price_from") + " → " + price("price_to")
		}
		return d
	}
	return ""
}
