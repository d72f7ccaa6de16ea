package bot

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/internal/pgtest"
	"github.com/uniflow-crm/uniflow/internal/redistest"
)

// benchOrder is an order with n lines of long Russian names, a manager and a part to add.
func benchOrder(tb testing.TB, n int) (*Bot, crm.Staff, crm.CatalogItem, int64) {
	tb.Helper()
	ctx := context.Background()
	pool, _ := pgtest.New(tb)
	rdb, prefix := redistest.New(tb)
	svc := crm.New(pool, crm.Options{})
	b := New(nil, svc, rdb, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{KeyPrefix: prefix})
	if err := svc.EnsureOwners(ctx, []int64{1}); err != nil {
		tb.Fatal(err)
	}
	owner, err := svc.StaffByTelegramID(ctx, 1)
	if err != nil {
		tb.Fatal(err)
	}
	a := actorOf(owner)
	it, err := svc.CreateItem(ctx, a, crm.ItemInput{Kind: crm.ItemPart, SKU: "B-1", Name: strings.Repeat("Щётка стеклоочистителя ", 8), Price: 99999})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.ReceiveStock(ctx, a, it.ID, crm.MaxQty/2, nil, ""); err != nil {
		tb.Fatal(err)
	}
	booked, err := svc.Book(ctx, crm.BookingRequest{
		DedupeKey: "bench", TelegramUserID: 100, ChatID: 100, Phone: "+79120000100", ClientName: "Иван",
		NewVehicle: crm.NewVehicle{Make: "Kia", Model: "Rio"}, Problem: "шум",
	})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		c, err := svc.OrderCard(ctx, booked.Card.Order.ID)
		if err != nil {
			tb.Fatal(err)
		}
		in := crm.LineInput{ItemID: it.ID, Qty: crm.QtyUnit}
		if i%2 == 1 {
			in = crm.LineInput{Kind: crm.LineLabour, Name: fmt.Sprintf("Работа по замене узла подвески номер %d с регулировкой", i), Qty: 1500, Price: ptr(crm.Money(250000))}
		}
		if _, err := svc.AddLine(ctx, a, c.Order.ID, c.Order.Version, in); err != nil {
			tb.Fatal(err)
		}
	}
	return b, owner, it, booked.Card.Order.ID
}

func ptr[T any](v T) *T { return &v }

// The acceptance figure of issue 4: adding a line to an order of 40 lines and rendering its
// card again (the work view a manager sees after the add) in server time, against the plain
// order card (read + render) measured in the same run as the baseline.
func BenchmarkAddLineAndRender40(b *testing.B) {
	bot, owner, it, orderID := benchOrder(b, 40)
	ctx := context.Background()
	b.Run("baseline_card", func(b *testing.B) {
		for b.Loop() {
			c, err := bot.crm.OrderCard(ctx, orderID)
			if err != nil {
				b.Fatal(err)
			}
			_ = bot.staffCard(text.RU, c)
		}
	})
	b.Run("add_line_render", func(b *testing.B) {
		var total time.Duration
		n := 0
		for b.Loop() {
			b.StopTimer()
			c, err := bot.crm.OrderCard(ctx, orderID)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			res, err := bot.crm.AddLine(ctx, actorOf(owner), orderID, c.Order.Version, crm.LineInput{ItemID: it.ID, Qty: crm.QtyUnit})
			if err != nil {
				b.Fatal(err)
			}
			e, err := bot.crm.Estimate(ctx, orderID)
			if err != nil {
				b.Fatal(err)
			}
			html, kb := bot.workView(text.RU, owner, e, (len(e.Lines)-1)/workLinesPage)
			total += time.Since(start)
			n++
			if visibleLen(html) > maxMessage || kb == nil {
				b.Fatalf("view of %d characters", visibleLen(html))
			}
			// Back to 40 lines, outside the measurement.
			b.StopTimer()
			v := bot.mustVersion(b, orderID)
			if err := bot.crm.RemoveLine(ctx, actorOf(owner), orderID, v, res.Line.ID); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(total.Microseconds())/float64(n)/1000, "ms/add+render")
	})
}

func (b *Bot) mustVersion(tb testing.TB, orderID int64) int {
	c, err := b.crm.OrderCard(context.Background(), orderID)
	if err != nil {
		tb.Fatal(err)
	}
	return c.Order.Version
}

// The work view of a 40-line order with the longest names stays within Telegram's limits: 4096
// characters, 100 buttons, 64 bytes of callback data; and so does the client's estimate card.
func TestWorkViewOf40LinesFitsTelegram(t *testing.T) {
	t.Parallel()
	bot, owner, _, orderID := benchOrder(t, 40)
	e, err := bot.crm.Estimate(context.Background(), orderID)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name, html string, buttons []string) {
		if n := visibleLen(html); n > maxMessage {
			t.Errorf("%s: %d characters", name, n)
		}
		if len(buttons) > 100 {
			t.Errorf("%s: %d buttons", name, len(buttons))
		}
		for _, d := range buttons {
			if len(d) > maxCallbackData {
				t.Errorf("%s: callback data %q", name, d)
			}
		}
	}
	for page := range 4 {
		html, kb := bot.workView(text.RU, owner, e, page)
		check(fmt.Sprintf("work page %d", page), html, callbackData(kb.InlineKeyboard))
		html, kb = bot.estimateCard(text.RU, e, page, "")
		check(fmt.Sprintf("estimate page %d", page), html, callbackData(kb.InlineKeyboard))
	}
}

func callbackData(rows [][]tgbotapi.InlineKeyboardButton) []string {
	var ds []string
	for _, row := range rows {
		for _, b := range row {
			if b.CallbackData != nil {
				ds = append(ds, *b.CallbackData)
			}
		}
	}
	return ds
}
