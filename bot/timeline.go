package bot

import (
	"context"
	"encoding/json"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// timelineShown bounds the entries one view shows: the latest ones, which is what staff ask about.
const timelineShown = 40

// onHistory shows the order's timeline: every status move, line, price, decision, payment and
// stock movement, with who and when.
func (b *Bot) onHistory(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		e, err := b.loadWork(ctx, s, r.data.ID)
		if err != nil {
			return err
		}
		es, err := b.crm.Timeline(ctx, r.data.ID)
		if err != nil {
			return err
		}
		b.answer(ctx, r, "", false)
		var sb strings.Builder
		sb.WriteString(text.T(r.lang, text.TimelineTitle, e.Card.Order.Number))
		if len(es) > timelineShown {
			sb.WriteString(text.T(r.lang, text.TimelineEarlier, len(es)-timelineShown))
			es = es[len(es)-timelineShown:]
		}
		for _, ev := range es {
			sb.WriteString("\n" + b.timelineEntry(r.lang, ev))
		}
		o := e.Card.Order
		kb := inline([]tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.Back), callback{Action: actWork, ID: o.ID, Version: int64(o.Version)})})
		return b.editPressed(ctx, r, sb.String(), kb)
	})
}

// timelineEntry is one line: "10.03 12:05 · Мария · ✅ Масло: согласовано (телефон)".
func (b *Bot) timelineEntry(l text.Lang, ev crm.TimelineEntry) string {
	who := esc(ev.ActorName)
	switch {
	case ev.ActorKind == crm.ActorSystem:
		who = text.T(l, text.ActorSystem)
	case who == "" && ev.ActorKind == crm.ActorClient:
		who = text.T(l, text.ActorClient)
	}
	var d struct {
		From, To, Name, Decision, Method, Reason, Document string
		Qty                                                crm.Qty
		QtyFrom                                            crm.Qty   `json:"qty_from"`
		QtyTo                                              crm.Qty   `json:"qty_to"`
		Price                                              crm.Money `json:"price"`
		PriceFrom                                          crm.Money `json:"price_from"`
		PriceTo                                            crm.Money `json:"price_to"`
		Amount                                             crm.Money
		Total                                              crm.Money
		TotalTo                                            crm.Money `json:"total_to"`
		Kind                                               string
		Value                                              int64
	}
	_ = json.Unmarshal(ev.Data, &d) // a field we cannot read shows as empty, never fails the view
	name := short(d.Name, 40)
	var what string
	switch ev.Kind {
	case crm.ActivityStatus:
		if d.From == d.To {
			what = text.T(l, text.TLAssigned)
		} else {
			what = text.T(l, text.TLStatus, text.StatusName(l, d.To))
		}
	case crm.ActivityLineAdded:
		what = text.T(l, text.TLLineAdded, name, d.Qty.String(), d.Price.String())
	case crm.ActivityLineChanged:
		what = text.T(l, text.TLLineChanged, name, d.QtyFrom.String(), d.QtyTo.String(), d.PriceFrom.String(), d.PriceTo.String())
	case crm.ActivityLineRemoved:
		what = text.T(l, text.TLLineRemoved, name)
	case crm.ActivityLineDecided:
		what = text.T(l, text.TLDecided, name, text.ApprovalName(l, d.Decision), text.MethodName(l, d.Method))
	case crm.ActivityDiscount:
		what = text.T(l, text.TLDiscount)
	case crm.ActivityEstimateSent:
		what = text.T(l, text.TLEstimateSent)
	case crm.ActivityPartRequested:
		what = text.T(l, text.TLPartRequested, name)
	case crm.ActivityStockReserved:
		what = text.T(l, text.TLReserved, name, d.Qty.String())
	case crm.ActivityStockReleased:
		what = text.T(l, text.TLReleased, name, d.Qty.String())
	case crm.ActivityStockWrittenOff:
		what = text.T(l, text.TLWrittenOff, name, d.Qty.String())
	case crm.ActivityInvoiceIssued:
		what = text.T(l, text.TLInvoice, d.Total.String())
	case crm.ActivityInvoiceCorrected:
		what = text.T(l, text.TLCorrected, name, d.PriceFrom.String(), d.PriceTo.String(), short(d.Reason, 80))
	case crm.ActivityPayment:
		what = text.T(l, text.TLPayment, d.Amount.String(), text.PayMethodName(l, d.Method))
	case crm.ActivityDocumentSent:
		what = text.T(l, text.TLDocument, esc(d.Document))
	default:
		what = esc(ev.Kind)
	}
	return ev.At.In(b.cfg.Location).Format("02.01 15:04") + " · " + who + " · " + what
}
