package text

import "strings"

// Texts of the staff rules' refusals and of anonymised clients: who may manage whom, who may use
// a command, a deactivated member, an owner asking to be forgotten. Apart from staff.go so that
// T's other catalogs stay as they were; staff_test.go checks both languages.

// Keys of the staff rules.
const (
	StaffNotSelf     Key = "staff_not_self"
	OnlyRolesCommand Key = "only_roles_command"
	OnlyRolesButton  Key = "only_roles_button"
	AccessOff        Key = "access_off"
	AuditOrderNumber Key = "audit_order_number"
	AuditInvitedBy   Key = "audit_invited_by"
	DataErased       Key = "data_erased"
	ForgetOwner      Key = "forget_owner"
)

var staffRulesCatalog = map[Key]forms{
	AuditOrderNumber: {" №%d", " No. %d"},
	AuditInvitedBy:   {" (пригласил(а) %s)", " from %s"},
	DataErased:       {"(данные удалены)", "(data erased)"},
	AccessOff: {
		"Ваш доступ сотрудника к боту отключён. Если это ошибка, обратитесь к владельцу или администратору.",
		"Your staff access to the bot has been turned off. If this is a mistake, ask an owner or an admin.",
	},
	ForgetOwner: {
		"Вы владелец: данные сотрудников не удаляются через /forget_me. Другой владелец может отключить вас в /staff; владельца из настроек (OWNER_TELEGRAM_IDS) сначала убирают оттуда.",
		"You are an owner: staff data is not deleted with /forget_me. Another owner can deactivate you in /staff; an owner from the configuration (OWNER_TELEGRAM_IDS) is first removed from it.",
	},
	OnlyRolesCommand: {"Эта команда доступна только %s.", "Only %s can use this command."},
	OnlyRolesButton:  {"Эта кнопка доступна только %s.", "Only %s can use this button."},
	StaffNotSelf: {
		"Свою роль менять и себя отключать нельзя: это может сделать другой владелец.",
		"You cannot change your own role or deactivate yourself: another owner can.",
	},
}

// Roles as the object of "only … may": Russian needs the dative, English the article.
var onlyRoleForms = map[string]forms{
	"owner":    {"владельцу", "an owner"},
	"admin":    {"администратору", "an admin"},
	"manager":  {"менеджеру", "a manager"},
	"mechanic": {"механику", "a mechanic"},
}

// OnlyRoles is the refusal of a command (or, with button, a button) that only roles may use, in
// the order given: "Эта команда доступна только владельцу или администратору."
func OnlyRoles(l Lang, button bool, roles []string) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		f, ok := onlyRoleForms[r]
		names[i] = r
		if ok {
			names[i] = f.ru
			if l == EN {
				names[i] = f.en
			}
		}
	}
	or := " или "
	if l == EN {
		or = " or "
	}
	who := ""
	switch n := len(names); n {
	case 0:
		return T(l, Forbidden)
	case 1:
		who = names[0]
	default:
		who = strings.Join(names[:n-1], ", ") + or + names[n-1]
	}
	k := OnlyRolesCommand
	if button {
		k = OnlyRolesButton
	}
	return T(l, k, who)
}
