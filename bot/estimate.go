package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Estimates in the chat: the client gets one live card with every line and, per line, ✅ approve,
// ❌ decline, ⏳ later, plus "approve all". A manager records decisions given by phone or in
// person on the same card. Buttons carry the estimate version: a press on a card made before
// the estimate changed is refused with the fresh card.

// estimatePage is how many lines one page of the card shows (and so 3 buttons each): long
// estimates stay within 4096 characters and Telegram's 100 buttons.
const estimatePage = 8

var decisionCodes = map[string]crm.Approval{"a": crm.ApprovalApproved, "d": crm.ApprovalDeclined, "l": crm.ApprovalLater}

// decisionArg packs a decision button: "<line>_<decision>[_<method>]_<page>".
func decisionArg(lineID int64, code, method string, page int) string {
	s := formatID(lineID) + "_" + code
	if method != "" {
		s += "_" + method
	}
	return s + "_" + strconv.Itoa(page)
}

// parseDecisionArg reads what decisionArg packed; method is "" for the client's buttons.
func parseDecisionArg(arg string, staff bool) (lineID int64, a crm.Approval, method string, page int, err error) {
	parts := strings.Split(arg, "_")
	want := 3
	if staff {
		want = 4
	}
	if len(parts) != want {
		return 0, "", "", 0, errBadCallback
	}
	if parts[0] != "0" {
		if lineID, err = parseID(parts[0]); err != nil {
			return 0, "", "", 0, err
		}
	}
	a, ok := decisionCodes[parts[1]]
	if !ok {
		return 0, "", "", 0, errBadCallback
	}
	if staff {
		switch parts[2] {
		case "p":
			method = crm.MethodPhone
		case "i":
			method = crm.MethodInPerson
		default:
			return 0, "", "", 0, errBadCallback
		}
	}
	page, err = strconv.Atoi(parts[len(parts)-1])
	if err != nil || page < 0 || page > 1000 {
		return 0, "", "", 0, errBadCallback
	}
	return lineID, a, method, page, nil
}

// estimateCard is the estimate as the client sees it, page page; method is "" for the client's
// own card, "p" or "i" for a manager recording the client's word.
func (b *Bot) estimateCard(l text.Lang, e crm.Estimate, page int, method string) (string, *tgbotapi.InlineKeyboardMarkup) {
	o := e.Card.Order
	var sb strings.Builder
	sb.WriteString(text.T(l, text.EstimateTitle, o.Number, b.vehicleText(e.Card.Vehicle)))
	if method != "" {
		sb.WriteString(text.T(l, text.RecordingFor, esc(clientName(l, e.Card.Client)), text.MethodName(l, method)))
	}
	pages := max(1, (len(e.Lines)+estimatePage-1)/estimatePage)
	page = min(max(page, 0), pages-1)
	from, to := page*estimatePage, min((page+1)*estimatePage, len(e.Lines))
	if pages > 1 {
		sb.WriteString(text.T(l, text.LinesPage, page+1, pages))
	}
	act, code := actDecide, ""
	if method != "" {
		act, code = actRecord, method[:1]
	}
	ev := int64(e.Version)
	var rows [][]tgbotapi.InlineKeyboardButton
	for i := from; i < to; i++ {
		ln := e.Lines[i]
		sb.WriteString("\n" + lineText(l, i+1, ln, false))
		if ln.Approval != crm.ApprovalPending {
			continue
		}
		n := strconv.Itoa(i + 1)
		row := make([]tgbotapi.InlineKeyboardButton, 0, 3)
		for _, d := range []struct{ code, mark string }{{"a", "✅"}, {"d", "❌"}, {"l", "⏳"}} {
			row = append(row, button(n+" "+d.mark, callback{Action: act, ID: o.ID, Version: ev, Arg: decisionArg(ln.ID, d.code, code, page)}))
		}
		rows = append(rows, row)
	}
	sb.WriteString("\n\n" + totalsText(l, e))
	pending := e.Pending()
	if pending > 0 {
		sb.WriteString("\n\n" + text.T(l, text.EstimateHowTo))
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.ApproveAll, pending), callback{Action: act, ID: o.ID, Version: ev, Arg: decisionArg(0, "a", code, page)})})
	} else {
		sb.WriteString("\n\n" + text.T(l, text.EstimateDone, e.Approved.Total.String()))
	}
	if method == "" {
		rows = append(rows, pager(l, actEstPage, o.ID, ev, page, len(e.Lines), estimatePage))
	} else {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.Back), callback{Action: actWork, ID: o.ID, Version: int64(o.Version)})})
	}
	return sb.String(), inline(rows...)
}

// onSendEstimate sends the client the estimate (or says they are not in Telegram).
func (b *Bot) onSendEstimate(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		sent, err := b.crm.SendEstimate(ctx, actorOf(s), r.data.ID, int(r.data.Version))
		if err != nil {
			return err
		}
		b.wakeSender()
		note := text.EstimateSent
		if !sent.ToClient {
			note = text.EstimateNotSent
		}
		b.answer(ctx, r, text.T(r.lang, note), !sent.ToClient)
		return b.showWork(ctx, r, s, r.data.ID, 0)
	})
}

// clientEstimate loads an estimate for the client who pressed its card; another user is
// ErrForbidden and sees nothing of it.
func (b *Bot) clientEstimate(ctx context.Context, r *request) (crm.Estimate, error) {
	e, err := b.crm.Estimate(ctx, r.data.ID)
	if err != nil {
		return crm.Estimate{}, err
	}
	if c := e.Card.Client; c.TelegramUserID == nil || *c.TelegramUserID != r.userID {
		return crm.Estimate{}, fmt.Errorf("user %d presses the estimate of order %d: %w", r.userID, r.data.ID, crm.ErrForbidden)
	}
	return e, nil
}

// onDecide is the client's ✅ ❌ ⏳ or "approve all".
func (b *Bot) onDecide(ctx context.Context, r *request) error {
	lineID, a, _, page, err := parseDecisionArg(r.data.Arg, false)
	if err != nil {
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		return nil
	}
	e, err := b.crm.ClientDecide(ctx, r.userID, r.data.ID, int(r.data.Version), lineID, a)
	switch {
	case errors.Is(err, crm.ErrForbidden), errors.Is(err, crm.ErrNotFound):
		b.log.Warn("estimate button refused", "user_id", r.userID, "order_id", r.data.ID)
		b.answer(ctx, r, text.T(r.lang, text.Forbidden), true)
		return nil
	case errors.Is(err, crm.ErrStale), errors.Is(err, crm.ErrInvalidTransition):
		b.answer(ctx, r, text.T(r.lang, text.EstimateChanged), true)
		if e, err = b.clientEstimate(ctx, r); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("decide: %w", err)
	default:
		b.wakeSender()
		b.answer(ctx, r, text.T(r.lang, text.DecisionSaved), false)
	}
	html, kb := b.estimateCard(r.lang, e, page, "")
	return b.editPressed(ctx, r, html, kb)
}

func (b *Bot) onEstPage(ctx context.Context, r *request) error {
	e, err := b.clientEstimate(ctx, r)
	if errors.Is(err, crm.ErrForbidden) || errors.Is(err, crm.ErrNotFound) {
		b.answer(ctx, r, text.T(r.lang, text.Forbidden), true)
		return nil
	}
	if err != nil {
		return err
	}
	page, _ := strconv.Atoi(r.data.Arg)
	if int64(e.Version) != r.data.Version {
		b.answer(ctx, r, text.T(r.lang, text.EstimateChanged), true)
	} else {
		b.answer(ctx, r, "", false)
	}
	html, kb := b.estimateCard(r.lang, e, page, "")
	return b.editPressed(ctx, r, html, kb)
}

// onRecordMenu shows a manager the estimate with buttons to record the client's decisions given
// by phone ("p") or in person ("i").
func (b *Bot) onRecordMenu(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		if !may(s, crm.ActEstimate) {
			return fmt.Errorf("record decisions: %w", crm.ErrForbidden)
		}
		e, err := b.fresh(ctx, r, s)
		if err != nil {
			return err
		}
		method := crm.MethodPhone
		if r.data.Arg == "i" {
			method = crm.MethodInPerson
		}
		b.answer(ctx, r, "", false)
		html, kb := b.estimateCard(r.lang, e, 0, method)
		return b.editPressed(ctx, r, html, kb)
	})
}

// onRecord records one decision the client gave by phone or in person.
func (b *Bot) onRecord(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		lineID, a, method, page, err := parseDecisionArg(r.data.Arg, true)
		if err != nil {
			return fmt.Errorf("decision %q: %w", r.data.Arg, crm.ErrStale)
		}
		e, err := b.crm.RecordDecision(ctx, actorOf(s), r.data.ID, int(r.data.Version), lineID, a, method)
		if err != nil {
			return err
		}
		b.wakeSender()
		b.answer(ctx, r, text.T(r.lang, text.DecisionSaved), false)
		if e.Pending() == 0 {
			return b.showWork(ctx, r, s, r.data.ID, 0)
		}
		html, kb := b.estimateCard(r.lang, e, page, method)
		return b.editPressed(ctx, r, html, kb)
	})
}
