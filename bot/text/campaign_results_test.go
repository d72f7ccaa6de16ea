package text

import "testing"

func TestCampaignResultsCatalogComplete(t *testing.T) {
	checkForms(t, campaignResultsCatalog)
	checkForms(t, offerLinkCatalog)
	checkForms(t, noShowCatalog)
	for k := range campaignResultsCatalog {
		if T(EN, k) == string(k) {
			t.Errorf("%s: T does not look it up", k)
		}
	}
}

// "queued for 1 recipients" was the campaign's answer for one client.
func TestRecipientsPlural(t *testing.T) {
	for _, tt := range []struct {
		l    Lang
		n    int
		want string
	}{
		{EN, 1, "1 recipient"}, {EN, 2, "2 recipients"}, {EN, 0, "0 recipients"},
		{RU, 1, "1 получатель"}, {RU, 3, "3 получателя"}, {RU, 5, "5 получателей"}, {RU, 21, "21 получатель"}, {RU, 11, "11 получателей"},
	} {
		if got := Recipients(tt.l, tt.n); got != tt.want {
			t.Errorf("Recipients(%s, %d) = %q, want %q", tt.l, tt.n, got, tt.want)
		}
	}
	if got := T(EN, CampaignSent, 7, Recipients(EN, 1)); got != "📣 Campaign #7 is queued for 1 recipient." {
		t.Errorf("CampaignSent = %q", got)
	}
}
