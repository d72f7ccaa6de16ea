package crm_test

import (
	"errors"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestCampaignReachesWhomItCounts(t *testing.T) {
	t.Parallel()
	s := newShop(t, crm.Options{Location: msk})
	for n := int64(100); n < 105; n++ { // five Lada owners who consented
		c := s.client(t, n, "lada-"+itoa(n), true)
		s.visit(t, c.Order.ID, s.brakes, t0)
	}
	s.client(t, 105, "no-consent", false)
	s.visit(t, s.order(t, 106).Order.ID, s.brakes, t0) // work.order: consent not given
	blocked := s.client(t, 107, "blocked", true)
	s.visit(t, blocked.Order.ID, s.brakes, t0)
	s.exec(t, `UPDATE clients SET unreachable_since = $1 WHERE telegram_user_id = 107`, t0)
	kia := booking(108, "kia")
	kia.Slot, kia.NewVehicle = time.Time{}, crm.NewVehicle{Make: "Kia", Model: "Rio"}
	s.MustBook(t, kia)
	if err := s.svc.SetMarketingConsent(s.ctx, 108, true); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(time.Hour)
	seg := crm.Segment{Make: "lada"}
	n, err := s.svc.CountSegment(s.ctx, seg, now)
	if err != nil || n != 5 {
		t.Fatalf("CountSegment = %d, %v; want 5", n, err)
	}
	if _, err := s.svc.SendCampaign(s.ctx, s.manager.ID, seg, "Скидка 10%", now, nil); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("campaign by a manager = %v, want ErrForbidden", err)
	}
	if _, err := s.svc.SendCampaign(s.ctx, s.owner.ID, seg, "  ", now, nil); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("empty campaign = %v, want ErrInvalidInput", err)
	}
	if _, err := s.svc.SendCampaign(s.ctx, s.owner.ID, seg, "\u200b\u200b \u2800", now, nil); !errors.Is(err, crm.ErrInvalidInput) {
		t.Errorf("empty campaign = %v, want ErrInvalidInput", err)
	}
	// One of them opts out before it goes.
	if err := s.svc.SetMarketingConsent(s.ctx, 104, false); err != nil {
		t.Fatal(err)
	}
	n, _ = s.svc.CountSegment(s.ctx, seg, now)
	c, err := s.svc.SendCampaign(s.ctx, s.owner.ID, seg, "Скидка 10% на диагностику", now, nil)
	if err != nil || c.Sent != n || n != 4 {
		t.Fatalf("SendCampaign = %+v, %v; want 4 sent, as counted (%d)", c, err, n)
	}
	if got := s.count(t, `SELECT count(*) FROM outbox WHERE kind = 'offer' AND lane = 'bulk'`); got != 4 {
		t.Errorf("%d messages, want 4", got)
	}
	if got := s.count(t, `SELECT count(*) FROM offers f JOIN clients c ON c.id = f.client_id
		WHERE c.telegram_user_id IN (104, 105, 106, 107, 108)`); got != 0 {
		t.Errorf("%d messages to clients outside the segment or opted out", got)
	}
	// The per-client gap: a second campaign now reaches nobody in it.
	if n, _ := s.svc.CountSegment(s.ctx, crm.Segment{}, now); n != 1 {
		t.Errorf("everyone after the campaign = %d, want 1 (the Kia owner)", n)
	}
	st, err := s.svc.CampaignStats(s.ctx, c.ID)
	if err != nil || st.Sent != 4 || st.Converted != 0 {
		t.Errorf("stats = %+v, %v", st, err)
	}
	// A campaign sent at night waits for the morning (sendAt: the scheduler's quiet hours).
	morning := now.Add(9 * time.Hour)
	night, err := s.svc.SendCampaign(s.ctx, s.owner.ID, crm.Segment{}, "Ночная рассылка", now, func(int64) time.Time { return morning })
	if err != nil || night.Sent != 1 {
		t.Fatalf("night campaign = %+v, %v", night, err)
	}
	if n := s.count(t, `SELECT count(*) FROM outbox WHERE kind = 'offer' AND not_before = $1`, morning); n != 1 {
		t.Errorf("%d messages scheduled for the morning, want 1", n)
	}
	// Other filters.
	later := now.AddDate(0, 0, 31)
	for _, tt := range []struct {
		seg  crm.Segment
		want int
	}{
		{crm.Segment{Model: "rio"}, 1},
		{crm.Segment{Make: "kia", Model: "vesta"}, 0},
		{crm.Segment{VisitBefore: &now}, 4},
		{crm.Segment{VisitAfter: &now}, 0},
		{crm.Segment{LeadSource: "avito"}, 5},
		{crm.Segment{LeadSource: "flyer"}, 0},
		{crm.Segment{MinSpend: 1}, 0},
	} {
		if n, err := s.svc.CountSegment(s.ctx, tt.seg, later); err != nil || n != tt.want {
			t.Errorf("CountSegment(%+v) = %d, %v; want %d", tt.seg, n, err, tt.want)
		}
	}
}
