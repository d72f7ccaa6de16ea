package bot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/docs"
)

// The order's papers as PDF: the work order (заказ-наряд) and the invoice (счёт), sent on request
// (/doc <number>, 📄 on the work view) and to the client on delivery (KindDocuments).

// ShopDetails are the shop's requisites on the papers.
type ShopDetails = docs.Shop

// KindDocuments is crm.KindDocuments, named here for the render switch.
const KindDocuments = crm.KindDocuments

// paper is one rendered PDF.
type paper struct {
	name    string // file name
	caption string
	data    []byte
}

// papers renders the order's work order and, once there is one, its invoice.
func (b *Bot) papers(l text.Lang, e crm.Estimate) ([]paper, error) {
	o := b.docOrder(e)
	var wo bytes.Buffer
	if err := docs.WorkOrder(&wo, o); err != nil {
		return nil, err
	}
	n := e.Card.Order.Number
	out := []paper{{name: "zakaz-naryad-" + strconv.FormatInt(n, 10) + ".pdf", caption: text.T(l, text.DocsCaption, n, "заказ-наряд"), data: wo.Bytes()}}
	if e.Invoice != nil {
		var inv bytes.Buffer
		if err := docs.Invoice(&inv, o); err != nil {
			return nil, err
		}
		out = append(out, paper{name: "schet-" + strconv.FormatInt(n, 10) + ".pdf", caption: text.T(l, text.DocsCaption, n, "счёт"), data: inv.Bytes()})
	}
	return out, nil
}

// docOrder is what the papers show of an order: the invoice as fixed, or the active lines
// before there is one.
func (b *Bot) docOrder(e crm.Estimate) docs.Order {
	c, loc := e.Card, b.cfg.Location
	o := docs.Order{
		Shop: b.cfg.Shop, Number: c.Order.Number, Date: b.cfg.Now().In(loc), Accepted: c.Order.CreatedAt.In(loc),
		Client: clientName(text.RU, c.Client), Phone: clientPhone(text.RU, c.Client), Car: strings.TrimSpace(c.Vehicle.Make + " " + c.Vehicle.Model),
		Year: c.Vehicle.Year, Plate: c.Vehicle.Plate, Problem: c.Order.Problem, Totals: e.Totals, Paid: e.Paid,
	}
	if inv := e.Invoice; inv != nil {
		issued := inv.IssuedAt.In(loc)
		o.Date, o.Completed = issued, &issued
		o.Totals = crm.Totals{Labour: inv.Labour, Parts: inv.Parts, Discount: inv.Discount, Total: inv.Total}
		for _, l := range inv.Lines {
			o.Lines = append(o.Lines, docs.Line{Kind: l.Kind, Name: l.Name, SKU: l.SKU, Unit: l.Unit, Qty: l.Qty, Price: l.Price, Amount: l.Amount})
		}
		switch {
		case inv.DueAt != nil:
			o.DueText = "до " + inv.DueAt.In(loc).Format("02.01.2006")
		case inv.DueDays > 0:
			o.DueText = "в течение " + strconv.Itoa(inv.DueDays) + " дн. после выдачи автомобиля"
		default:
			o.DueText = "при получении автомобиля"
		}
		return o
	}
	for _, l := range e.Lines {
		if l.Active() {
			o.Lines = append(o.Lines, docs.Line{Kind: l.Kind, Name: l.Name, SKU: l.SKU, Unit: l.Unit, Qty: l.Qty, Price: l.Price, Amount: l.Amount})
		}
	}
	return o
}

func documentConfig(chatID int64, p paper) tgbotapi.DocumentConfig {
	d := tgbotapi.NewDocument(chatID, tgbotapi.FileBytes{Name: p.name, Bytes: p.data})
	d.Caption = p.caption
	return d
}

// sendPapers sends the order's papers to the chat of the request.
func (b *Bot) sendPapers(ctx context.Context, r *request, s crm.Staff, orderID int64) error {
	e, err := b.loadWork(ctx, s, orderID)
	if err != nil {
		return err
	}
	ps, err := b.papers(r.lang, e)
	if err != nil {
		return fmt.Errorf("render papers of order %d: %w", orderID, err)
	}
	for _, p := range ps {
		if _, err := b.send(ctx, r.chatID, documentConfig(r.chatID, p)); err != nil {
			return fmt.Errorf("send %s: %w", p.name, err)
		}
		if err := b.crm.RecordDocumentSent(ctx, orderID, &s.ID, p.name, r.chatID); err != nil {
			b.log.Warn("record document", "order_id", orderID, "err", err)
		}
	}
	return nil
}

// cmdDoc: "/doc 1001" sends the order's papers.
func (b *Bot) cmdDoc(ctx context.Context, r *request) error {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(strings.TrimSpace(r.msg.CommandArguments()), "№"), 10, 64)
	if err != nil || n <= 0 {
		return b.say(ctx, r.chatID, text.T(r.lang, text.DocUsage), nil)
	}
	card, err := b.crm.OrderByNumber(ctx, n)
	if errors.Is(err, crm.ErrNotFound) {
		return b.say(ctx, r.chatID, text.T(r.lang, text.NotFound), nil)
	}
	if err != nil {
		return err
	}
	return b.sendPapers(ctx, r, s, card.Order.ID)
}

// onDoc is 📄 on the work view.
func (b *Bot) onDoc(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		if _, err := b.loadWork(ctx, s, r.data.ID); err != nil {
			return err
		}
		b.answer(ctx, r, text.T(r.lang, text.DocsSent), false)
		return b.sendPapers(ctx, r, s, r.data.ID)
	})
}

// renderDocuments sends the client the papers on delivery.
func (b *Bot) renderDocuments(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, error) {
	if m.OrderID == nil {
		return rendered{}, errNoOrder(m)
	}
	e, err := b.crm.Estimate(ctx, *m.OrderID)
	if err != nil {
		return rendered{}, fmt.Errorf("load order %d: %w", *m.OrderID, err)
	}
	ps, err := b.papers(l, e)
	if err != nil {
		return rendered{}, fmt.Errorf("render papers of order %d: %w", *m.OrderID, err)
	}
	var out rendered
	for _, p := range ps {
		out.parts = append(out.parts, func(chatID int64) tgbotapi.Chattable { return documentConfig(chatID, p) })
	}
	orderID := *m.OrderID
	out.after = func(ctx context.Context, chatID int64) {
		for _, p := range ps {
			if err := b.crm.RecordDocumentSent(ctx, orderID, nil, p.name, chatID); err != nil {
				b.log.Warn("record document", "order_id", orderID, "err", err)
			}
		}
	}
	return out, nil
}
