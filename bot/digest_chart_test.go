package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/charts"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// The end-of-day summary is followed by its picture (issue 9, item 3): the owner gets the
// summary and then a PNG of the chart's size, drawn from the shop's days, as a photo Telegram
// took.
func TestDigestChartFollowsTheSummary(t *testing.T) {
	t.Parallel()
	e := newDeliveryEnv(t, tgemu.Options{})
	ctx := context.Background()
	day := time.Now().UTC()
	// Something on the chart: a booking today.
	e.book(e.user(true))
	e.drainUpdates()
	n, err := e.svc.EnqueueDailySummaries(ctx, day)
	if err != nil || n != 1 {
		t.Fatalf("EnqueueDailySummaries = %d, %v", n, err)
	}
	var chartID int64
	if err := e.pool.QueryRow(ctx, `SELECT id FROM outbox WHERE kind = $1`, crm.KindDigestChart).Scan(&chartID); err != nil {
		t.Fatal(err)
	}
	e.newBot(nil).run(t)
	if r := e.settled(t, chartID); r.State != crm.OutboxSent {
		t.Fatalf("chart row: %+v", r)
	}
	msgs := e.owner.Chat().BotMessages()
	var summary, photo *tgemu.Message
	for i := range msgs {
		switch m := &msgs[i]; {
		case strings.HasPrefix(m.Text, "📊 Digest for "):
			summary = m
		case m.Kind == "photo":
			photo = m
		}
	}
	if summary == nil || photo == nil || photo.ID < summary.ID {
		t.Fatalf("want the summary, then the photo:\n%s", e.owner.Chat().Transcript())
	}
	if !strings.HasPrefix(photo.Caption, "Orders, revenue and the funnel over the 30 days to ") {
		t.Errorf("caption %q", photo.Caption)
	}
	b, ok := e.emu.FileData(photo.FileID)
	if !ok {
		t.Fatalf("no file behind %q", photo.FileID)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if sz := img.Bounds().Size(); sz.X != charts.Width || sz.Y != charts.Height {
		t.Errorf("picture %v, want %dx%d", sz, charts.Width, charts.Height)
	}
	// A row whose data is not a day is a failure of that row, not a crash.
	bad := e.enqueue(t, crm.OutboxMessage{Kind: crm.KindDigestChart, ChatID: e.owner.ID(), Language: "en", Data: json.RawMessage(`{"day":"x"}`)})
	e.newBot(nil).run(t)
	if r := e.settled(t, bad); r.State == crm.OutboxSent {
		t.Errorf("a chart of no day was sent: %+v", r)
	}
}
