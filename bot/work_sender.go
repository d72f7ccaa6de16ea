package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Rendering of the outbox kinds of order work (issue 4), called from renderOutbox's switch.

// renderWork renders a row of order work in its recipient's language, as things are now.
func (b *Bot) renderWork(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, error) {
	switch m.Kind {
	case crm.KindLowStock:
		var d crm.LowStockData
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return rendered{}, fmt.Errorf("decode %s: %w", m.Kind, err)
		}
		sku := ""
		if d.SKU != "" {
			sku = " · " + esc(d.SKU)
		}
		html := text.T(l, text.LowStock, short(d.Name, itemNameList), sku, d.Available.String()+" "+esc(d.Unit), d.MinStock.String()+" "+esc(d.Unit))
		kb := inline([]tgbotapi.InlineKeyboardButton{button(text.T(l, text.ReceiveButton), callback{Action: actReceiveItem, ID: d.ItemID})})
		return rendered{parts: textParts(html, kb)}, nil
	case KindDocuments:
		return b.renderDocuments(ctx, l, m)
	}
	if m.OrderID == nil {
		return rendered{}, errNoOrder(m)
	}
	e, err := b.crm.Estimate(ctx, *m.OrderID)
	if err != nil {
		return rendered{}, fmt.Errorf("load order %d: %w", *m.OrderID, err)
	}
	o := e.Card.Order
	workKB := inline([]tgbotapi.InlineKeyboardButton{workButton(l, o)})
	switch m.Kind {
	case crm.KindEstimate:
		html, kb := b.estimateCard(l, e, 0, "")
		return rendered{parts: textParts(html, kbOrNil(kb))}, nil
	case crm.KindEstimateDecided:
		var d crm.EstimateDecidedData
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return rendered{}, fmt.Errorf("decode %s: %w", m.Kind, err)
		}
		html := text.T(l, text.DecidedNotice, o.Number, d.Approved, d.Declined, d.Pending, text.StatusName(l, string(d.Status)))
		return rendered{parts: textParts(html, workKB)}, nil
	case crm.KindPartsNeeded, crm.KindPartsArrived:
		var d crm.PartsData
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return rendered{}, fmt.Errorf("decode %s: %w", m.Kind, err)
		}
		unit := ""
		for _, ln := range e.Lines {
			if ln.ID == d.LineID {
				unit = " " + esc(ln.Unit)
			}
		}
		if m.Kind == crm.KindPartsArrived {
			return rendered{parts: textParts(text.T(l, text.PartsArrived, o.Number, short(d.Name, itemNameList), d.Qty.String()+unit), workKB)}, nil
		}
		kb := inline([]tgbotapi.InlineKeyboardButton{
			button(text.T(l, text.ReceiveButton), callback{Action: actReceiveItem, ID: d.ItemID}),
			workButton(l, o),
		})
		return rendered{parts: textParts(text.T(l, text.PartsNeeded, o.Number, short(d.Name, itemNameList), d.Qty.String()+unit), kb)}, nil
	case crm.KindInvoice:
		return rendered{parts: textParts(b.invoiceText(l, e), nil)}, nil
	case crm.KindPaymentReceipt:
		var d crm.PaymentData
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return rendered{}, fmt.Errorf("decode %s: %w", m.Kind, err)
		}
		key, amount := text.ReceiptNotice, d.Amount
		if amount < 0 {
			key, amount = text.RefundNotice, -amount
		}
		html := text.T(l, key, d.Number, amount.String(), text.PayMethodName(l, d.Method), d.Paid.String(), d.Due.String())
		return rendered{parts: textParts(html, nil)}, nil
	}
	return rendered{}, fmt.Errorf("outbox kind %q: %w", m.Kind, errUnknownKind)
}

// invoiceText is the invoice as the client reads it in the chat.
func (b *Bot) invoiceText(l text.Lang, e crm.Estimate) string {
	var sb strings.Builder
	sb.WriteString(text.T(l, text.InvoiceTitle, e.Card.Order.Number))
	inv := e.Invoice
	if inv == nil {
		return sb.String()
	}
	for i, ln := range inv.Lines {
		sb.WriteString("\n" + strconv.Itoa(i+1) + ". " + short(ln.Name, lineNameList) + " — " + ln.Qty.String() + " " + esc(ln.Unit) +
			" × " + ln.Price.String() + " = " + ln.Amount.String())
	}
	sb.WriteString("\n\n" + totalsText(l, crm.Estimate{Totals: crm.Totals{Labour: inv.Labour, Parts: inv.Parts, Discount: inv.Discount, Total: inv.Total}, Approved: crm.Totals{Labour: inv.Labour, Parts: inv.Parts, Discount: inv.Discount, Total: inv.Total}}))
	if inv.DueDays > 0 {
		sb.WriteString(text.T(l, text.InvoiceDueDays, inv.DueDays))
	} else {
		sb.WriteString(text.T(l, text.InvoiceDue))
	}
	if e.Paid != 0 {
		sb.WriteString(text.T(l, text.PaymentLine, e.Paid.String(), inv.Total.String(), text.PaymentStateName(l, string(e.Payment))))
	}
	return sb.String()
}

// debtNote warns staff on a new request's card when the client owes money past due.
func (b *Bot) debtNote(ctx context.Context, l text.Lang, card crm.OrderCard) string {
	debt, err := b.crm.ClientDebt(ctx, card.Client.ID)
	if err != nil {
		b.log.Warn("client debt", "client_id", card.Client.ID, "err", err)
		return ""
	}
	if debt <= 0 {
		return ""
	}
	return text.T(l, text.DebtNote, debt.String())
}
