package bot

import (
	"testing"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Every command a menu offers is routed and described, in both languages; a menu naming a
// command the bot does not answer would be a dead entry in every staff chat.
func TestMenusOfferRoutedCommands(t *testing.T) {
	routed := (&Bot{}).routeTable().commands
	menus := map[string][]string{"client": clientCommands}
	for _, r := range []crm.Role{crm.RoleOwner, crm.RoleAdmin, crm.RoleManager, crm.RoleMechanic} {
		menus[string(r)] = menuFor(r)
	}
	for who, cmds := range menus {
		if len(cmds) == 0 || len(cmds) > 100 {
			t.Errorf("%s: %d commands", who, len(cmds))
		}
		for _, c := range cmds {
			if routed[c] == nil {
				t.Errorf("%s menu: /%s is not routed", who, c)
			}
			for _, l := range []text.Lang{text.RU, text.EN} {
				if d := text.CommandDescription(l, c); d == c || d == "" {
					t.Errorf("%s menu: /%s has no %s description", who, c, l)
				}
			}
		}
	}
}
