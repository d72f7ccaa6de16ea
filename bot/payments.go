package bot

import (
	"context"
	"fmt"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Payments: a manager picks how the client paid, types the amount, and the payment is recorded
// against the order version the menu showed, so a message sent twice pays once.

var payMethods = map[string]string{"c": crm.PayCash, "k": crm.PayCard, "t": crm.PayTransfer}

func (b *Bot) onPayMenu(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		if !may(s, crm.ActPayment) {
			return fmt.Errorf("payments: %w", crm.ErrForbidden)
		}
		e, err := b.fresh(ctx, r, s)
		if err != nil {
			return err
		}
		b.answer(ctx, r, "", false)
		o := e.Card.Order
		at := func(arg string) callback {
			return callback{Action: actPay, ID: o.ID, Version: int64(o.Version), Arg: arg}
		}
		html := text.T(r.lang, text.PayTitle, o.Number, e.Due().String(), e.Paid.String(), max(e.Due()-e.Paid, 0).String(),
			text.PaymentStateName(r.lang, string(e.Payment)))
		rows := [][]tgbotapi.InlineKeyboardButton{
			{button(text.T(r.lang, text.PayCash), at("c")), button(text.T(r.lang, text.PayCard), at("k")), button(text.T(r.lang, text.PayTransfer), at("t"))},
		}
		if e.Paid > 0 {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.Refund), at("r"))})
		}
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.Back), callback{Action: actWork, ID: o.ID, Version: int64(o.Version)})})
		return b.editPressed(ctx, r, html, inline(rows...))
	})
}

// onPay asks for the amount paid (or refunded) by the method chosen.
func (b *Bot) onPay(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		if !may(s, crm.ActPayment) {
			return fmt.Errorf("payments: %w", crm.ErrForbidden)
		}
		e, err := b.fresh(ctx, r, s)
		if err != nil {
			return err
		}
		d := workDialog{Kind: dlgPayment, OrderID: e.Card.Order.ID, Version: e.Card.Order.Version}
		prompt := text.T(r.lang, text.AskPayAmount, e.Card.Order.Number, max(e.Due()-e.Paid, 0).String())
		if r.data.Arg == "r" {
			d.Refund = true
			d.Method = crm.PayCash
			if ps, err := b.crm.Payments(ctx, d.OrderID); err == nil && len(ps) > 0 {
				d.Method = ps[len(ps)-1].Method // refunded the way it was paid
			}
			prompt = text.T(r.lang, text.AskRefundAmount, e.Card.Order.Number, e.Paid.String())
		} else if d.Method = payMethods[r.data.Arg]; d.Method == "" {
			return fmt.Errorf("method %q: %w", r.data.Arg, crm.ErrStale)
		}
		if err := b.saveWorkDialog(ctx, r, &d); err != nil {
			return err
		}
		b.answer(ctx, r, "", false)
		return b.editPressed(ctx, r, prompt, nil)
	})
}

func (b *Bot) paymentText(ctx context.Context, r *request, s crm.Staff, d *workDialog, txt string) error {
	amount, err := crm.ParseMoney(txt)
	if err == nil && amount == 0 {
		err = crm.ErrNotPositive
	}
	if err != nil {
		return b.sayError(ctx, r, err)
	}
	if d.Refund {
		amount = -amount
	}
	p, err := b.crm.RecordPayment(ctx, actorOf(s), d.OrderID, d.Version, amount, d.Method)
	if err != nil {
		return b.dialogRefused(ctx, r, s, d, err)
	}
	b.wakeSender()
	if err := b.dropWorkDialog(ctx, r); err != nil {
		return err
	}
	key := text.PaymentRecorded
	if p.Amount < 0 {
		key = text.RefundRecorded
	}
	return b.sayWork(ctx, r, s, d.OrderID, text.T(r.lang, key, max(p.Amount, -p.Amount).String(), text.PayMethodName(r.lang, p.Method)))
}
