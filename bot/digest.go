package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// The owner's digest (issue 7, item 4): exceptions first, each with a button that opens it, then
// the day's numbers and the summary of moves.

// digestButtonsPerPart bounds the buttons under one part of the digest: Telegram refuses markup
// of about 100 buttons, and a long wall of buttons helps nobody.
const digestButtonsPerPart = 40

// digestPart is one message of a digest.
type digestPart struct {
	html string
	kb   *tgbotapi.InlineKeyboardMarkup // nil: none
}

// digestParts lays the digest out in messages within Telegram's limits: the exception lines are
// cut into parts of at most maxMessage characters and digestButtonsPerPart buttons, each part
// with the buttons of its own lines; tail (the summary of the day's requests and moves) and the
// money end it. now is when it is read, for "stuck for 3 days".
func digestParts(l text.Lang, s crm.DailySummary, now time.Time, tail string) []digestPart {
	head := text.T(l, text.DigestTitle, dateText(s.Day)) + "\n\n"
	if s.Interim != nil { // a run from /jobs before the day's scheduled one
		head = text.T(l, text.DigestInterimTitle, dateText(s.Day), s.Interim.Format("15:04")) + "\n\n"
	}
	if len(s.Exceptions) == 0 {
		head += text.T(l, text.DigestAllClear)
	} else {
		head += text.T(l, text.DigestAttention, len(s.Exceptions))
	}
	var parts []digestPart
	cur, btns := head, []tgbotapi.InlineKeyboardButton(nil)
	flush := func() {
		p := digestPart{html: cur}
		if len(btns) > 0 {
			p.kb = inline(chunk(btns, 4)...)
		}
		parts = append(parts, p)
		cur, btns = "", nil
	}
	for _, e := range s.Exceptions {
		line, btn := exceptionLine(l, e, now)
		if cur != "" && (visibleLen(cur)+1+visibleLen(line) > maxMessage || len(btns) == digestButtonsPerPart) {
			flush()
		}
		if cur == "" {
			cur = line
		} else {
			cur += "\n" + line
		}
		btns = append(btns, btn)
	}
	// The day's requests (orders opened), moves, ready and delivered are tail, the summary the
	// shop had before the digest; the money and closings follow it.
	n := s.Numbers
	numbers := text.T(l, text.DigestNumbers, n.Closed, n.Revenue.String(), n.Payments.String(), n.Outstanding.String())
	if tail != "" {
		numbers = tail + "\n\n" + numbers
	}
	if len(btns) == 0 { // no exception buttons to keep apart: one text, split where it must be
		numbers = cur + "\n\n" + numbers
	} else {
		flush()
	}
	for _, t := range splitMessage(numbers) {
		parts = append(parts, digestPart{html: t})
	}
	return parts
}

// exceptionLine is one exception's line and the button that opens it.
func exceptionLine(l text.Lang, e crm.DigestException, now time.Time) (string, tgbotapi.InlineKeyboardButton) {
	orderBtn := button(text.T(l, text.DigestOrderBtn, e.Number), callback{Action: actDigestOpen, ID: e.OrderID, Arg: "o"})
	since := text.Span(l, now.Sub(e.Since))
	switch e.Kind {
	case crm.ExceptionStuck:
		return text.T(l, text.DigestStuck, e.Number, text.StatusName(l, string(e.Status)), since,
			text.Span(l, crm.StatusNorms[e.Status])), orderBtn
	case crm.ExceptionEstimate:
		return text.T(l, text.DigestEstimate, e.Number, since), orderBtn
	case crm.ExceptionOverdue:
		return text.T(l, text.DigestOverdue, e.Number, e.Amount.String(), text.Ago(l, now.Sub(e.Since))), orderBtn
	case crm.ExceptionUnanswered:
		return unansweredLine(l, e, now) // client_messages.go
	default: // low stock
		return text.T(l, text.DigestLowStock, esc(e.Name), e.Qty.String(), e.MinQty.String()),
			button(text.T(l, text.DigestItemBtn, label(e.Name)), callback{Action: actDigestOpen, ID: e.ItemID, Arg: "i"})
	}
}

// renderDigest renders a KindDailySummary row: the digest, then the summary of the day's moves.
func (b *Bot) renderDigest(l text.Lang, s crm.DailySummary) rendered {
	var out rendered
	for _, p := range digestParts(l, s, b.cfg.Now(), b.dailySummary(l, s)) {
		out.parts = append(out.parts, textParts(p.html, kbOrNil(p.kb))...)
	}
	return out
}

// renderDigestChart renders a KindDigestChart row, the picture after the end-of-day summary
// (issue 9, item 3): orders and revenue by day for the chartDays days ending with the summary's
// day, and their funnel, for the whole shop, drawn now.
func (b *Bot) renderDigestChart(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, error) {
	var d crm.DigestChartData
	if err := json.Unmarshal(m.Data, &d); err != nil {
		return rendered{}, fmt.Errorf("decode digest chart: %w", err)
	}
	funnel, err := b.crm.Funnel(ctx, d.Day, chartDays, 0)
	if err != nil {
		return rendered{}, err
	}
	png, err := b.chartPNG(ctx, l, d.Day, 0, funnel)
	if err != nil {
		return rendered{}, err
	}
	caption := text.T(l, text.DigestChartCaption, dateText(d.Day.In(b.cfg.Location)))
	return rendered{parts: []func(int64) tgbotapi.Chattable{func(chatID int64) tgbotapi.Chattable {
		photo := tgbotapi.NewPhoto(chatID, tgbotapi.FileBytes{Name: "digest.png", Bytes: png})
		photo.Caption = caption
		return photo
	}}}, nil
}
