package text

import "testing"

// Every delivery label must read in both languages.
func TestDeliveryLabelsComplete(t *testing.T) {
	for name, m := range map[string]map[string]forms{"kind": noticeKinds, "state": deliveryStates, "lane": laneNames} {
		for k, f := range m {
			if f.ru == "" || f.en == "" {
				t.Errorf("%s %s: missing a language", name, k)
			}
		}
	}
	if got := DeliveryState(EN, "sent"); got != "✅ delivered" {
		t.Errorf("DeliveryState(EN, sent) = %q", got)
	}
	if got := NoticeKind(RU, "no_such_kind"); got != "no_such_kind" {
		t.Errorf("unknown kinds fall back to the kind: %q", got)
	}
}
