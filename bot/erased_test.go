package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// A forgotten client's order reads "data erased" to staff, not an empty name and +999… .
func TestErasedClientInStaffViews(t *testing.T) {
	b := &Bot{cfg: Config{Location: time.UTC, Now: time.Now}}
	card := crm.OrderCard{
		Order:  crm.Order{Number: 1004, Status: crm.StatusClosed, LeadSource: "direct"},
		Client: crm.Client{Phone: crm.ErasedPhonePrefix + "00000000001"},
	}
	for l, want := range map[text.Lang]string{text.RU: "(данные удалены)", text.EN: "(data erased)"} {
		got := b.staffCard(l, card)
		if !strings.Contains(got, want) || strings.Contains(got, crm.ErasedPhonePrefix) {
			t.Errorf("%s staff card:\n%s\nwant %q and no %s… phone", l, got, want, crm.ErasedPhonePrefix)
		}
	}
	card.Client = crm.Client{Name: "Иван", Phone: "+79120000001"}
	if got := b.staffCard(text.RU, card); !strings.Contains(got, "Иван") || !strings.Contains(got, "+79120000001") {
		t.Errorf("a client's card lost their name or phone:\n%s", got)
	}
}
