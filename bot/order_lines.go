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

// The work view of an order: its lines with what the client decided, stock, totals, invoice and
// payments, and the buttons to change them. Staff reach it from the order card (🧾).

// workLinesPage bounds the lines one view shows, so that a long order with long Russian names
// stays within Telegram's 4096 characters and 100 buttons; the rest are a page away.
const workLinesPage = 15

// lineNameList is how much of a line's name a list shows; the line's own menu shows it whole.
const lineNameList = 70

// lineMark shows a line's approval.
func lineMark(l crm.OrderLine) string {
	switch l.Approval {
	case crm.ApprovalApproved:
		return "✅"
	case crm.ApprovalDeclined:
		return "❌"
	case crm.ApprovalLater:
		return "⏸"
	}
	return "🕓"
}

// lineText is one line in a list: "2. ✅ Масло 5W-30 — 4,5 л × 800,00 ₽ = 3 600,00 ₽".
func lineText(l text.Lang, n int, ln crm.OrderLine, staff bool) string {
	s := strconv.Itoa(n) + ". " + lineMark(ln) + " " + short(ln.Name, lineNameList) + " — " +
		ln.Qty.String() + " " + esc(ln.Unit) + " × " + ln.Price.String() + " = " + ln.Amount.String()
	if ln.Supplement && ln.Approval == crm.ApprovalPending {
		s += text.T(l, text.LineSupplement)
	}
	if ln.Approval == crm.ApprovalPending && ln.ApprovedPrice != nil {
		s += text.T(l, text.LineWasApproved, crm.Money(int64(*ln.ApprovedPrice)*int64(*ln.ApprovedQty)/1000).String())
	}
	if staff && ln.Kind == crm.LinePart && ln.ItemID != nil && ln.Active() {
		switch {
		case ln.WrittenOff >= ln.Qty:
			s += text.T(l, text.LineWrittenOff)
		case ln.Short() && ln.PartsRequestedAt != nil:
			s += text.T(l, text.LineRequested)
		case ln.Short():
			s += text.T(l, text.LineShort)
		default:
			s += text.T(l, text.LineReserved)
		}
	}
	return s
}

// totalsText is the sums of an estimate.
func totalsText(l text.Lang, e crm.Estimate) string {
	t := e.Totals
	s := text.T(l, text.TotalsLabour, t.Labour.String()) + text.T(l, text.TotalsParts, t.Parts.String())
	if t.Discount > 0 {
		pct := ""
		if e.Discount.Kind == crm.DiscountPercent {
			pct = " (" + crm.Qty(e.Discount.Value*10).String() + "%)"
		}
		s += text.T(l, text.TotalsDiscount, t.Discount.String(), pct)
	}
	s += text.T(l, text.TotalsTotal, t.Total.String())
	if e.Approved != t && e.Approved.Total > 0 {
		s += text.T(l, text.TotalsApproved, e.Approved.Total.String())
	}
	return s
}

// workView is the staff's view of an order's work, page page of its lines.
func (b *Bot) workView(l text.Lang, s crm.Staff, e crm.Estimate, page int) (string, *tgbotapi.InlineKeyboardMarkup) {
	c, o := e.Card, e.Card.Order
	var sb strings.Builder
	sb.WriteString(text.T(l, text.WorkHead, o.Number, text.StatusName(l, string(o.Status)), b.vehicleText(c.Vehicle), esc(clientName(l, c.Client)), esc(clientPhone(l, c.Client))))
	if c.Client.ChatID == nil {
		sb.WriteString(text.T(l, text.ClientOffline))
	}
	pages := max(1, (len(e.Lines)+workLinesPage-1)/workLinesPage)
	page = min(max(page, 0), pages-1)
	from, to := page*workLinesPage, min((page+1)*workLinesPage, len(e.Lines))
	if len(e.Lines) == 0 {
		sb.WriteString("\n\n" + text.T(l, text.NoLines))
	} else {
		sb.WriteString("\n")
		if pages > 1 {
			sb.WriteString(text.T(l, text.LinesPage, page+1, pages))
		}
		for i := from; i < to; i++ {
			sb.WriteString("\n" + lineText(l, i+1, e.Lines[i], true))
		}
		sb.WriteString("\n\n" + totalsText(l, e))
	}
	if e.Invoice != nil || e.Paid != 0 {
		sb.WriteString(text.T(l, text.PaymentLine, e.Paid.String(), e.Due().String(), text.PaymentStateName(l, string(e.Payment))))
	}
	if e.Invoice != nil && e.Invoice.DueAt != nil {
		sb.WriteString(text.T(l, text.DueLine, dateText(e.Invoice.DueAt.In(b.cfg.Location))))
	}

	ver := int64(o.Version)
	at := func(a action, arg string) callback { return callback{Action: a, ID: o.ID, Version: ver, Arg: arg} }
	price, estimate, pay := may(s, crm.ActPrice), may(s, crm.ActEstimate), may(s, crm.ActPayment)
	var rows [][]tgbotapi.InlineKeyboardButton
	editable := e.Invoice == nil && !o.Status.Terminal() && o.Status != crm.StatusReady && o.Status != crm.StatusDelivered && o.Status != crm.StatusDeclined
	if editable {
		add := []tgbotapi.InlineKeyboardButton{button(text.T(l, text.AddLabour), at(actLineAdd, "l")), button(text.T(l, text.AddPartLine), at(actLineAdd, "p"))}
		if price {
			add = append(add, button(text.T(l, text.AddFreeLine), at(actLineAdd, "f")))
		}
		rows = append(rows, add)
	}
	var nums []tgbotapi.InlineKeyboardButton
	for i := from; i < to; i++ {
		nums = append(nums, button(strconv.Itoa(i+1), at(actLine, formatID(e.Lines[i].ID))))
	}
	rows = append(rows, chunk(nums, 8)...)
	if estimate && e.Pending() > 0 && editable && o.Status != crm.StatusNew && o.Status != crm.StatusAccepted {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.SendEstimate), at(actSendEstimate, ""))})
		rows = append(rows, []tgbotapi.InlineKeyboardButton{
			button(text.T(l, text.RecordPhone), at(actRecordMenu, "p")),
			button(text.T(l, text.RecordInPerson), at(actRecordMenu, "i")),
		})
	}
	var money []tgbotapi.InlineKeyboardButton
	if price && editable && len(e.Lines) > 0 {
		money = append(money, button(text.T(l, text.DiscountButton), at(actDiscount, "")))
	}
	if pay && o.Status != crm.StatusCancelled && o.Status != crm.StatusClosed && (e.Due() > 0 || e.Paid > 0) {
		money = append(money, button(text.T(l, text.PayButton), at(actPayMenu, "")))
	}
	rows = append(rows, money)
	rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.DocButton), at(actDoc, "")), button(text.T(l, text.HistoryButton), at(actHistory, ""))})
	nav := pager(l, actWork, o.ID, ver, page, len(e.Lines), workLinesPage)
	nav = append(nav, button(text.T(l, text.ToCard), at(actRefresh, "")))
	rows = append(rows, nav)
	return sb.String(), inline(rows...)
}

// loadWork reads an order's work for s: mechanics only their own orders (ErrForbidden).
func (b *Bot) loadWork(ctx context.Context, s crm.Staff, orderID int64) (crm.Estimate, error) {
	e, err := b.crm.Estimate(ctx, orderID)
	if err != nil {
		return crm.Estimate{}, fmt.Errorf("load work of order %d: %w", orderID, err)
	}
	var assigned *int64
	if e.Card.Mechanic != nil {
		assigned = &e.Card.Mechanic.ID
	}
	if err := crm.Permit(s, crm.ActViewOrder, assigned); err != nil {
		return crm.Estimate{}, fmt.Errorf("view order %d: %w", orderID, err)
	}
	return e, nil
}

// showWork redraws the pressed message as the order's work view, as it is now.
func (b *Bot) showWork(ctx context.Context, r *request, s crm.Staff, orderID int64, page int) error {
	e, err := b.loadWork(ctx, s, orderID)
	if err != nil {
		return err
	}
	html, kb := b.workView(r.lang, s, e, page)
	return b.editPressed(ctx, r, html, kb)
}

// sayWork sends the order's work view as a new message (after a typed answer).
func (b *Bot) sayWork(ctx context.Context, r *request, s crm.Staff, orderID int64, note string) error {
	e, err := b.loadWork(ctx, s, orderID)
	if err != nil {
		return err
	}
	html, kb := b.workView(r.lang, s, e, (len(e.Lines)-1)/workLinesPage)
	if note != "" {
		html = note + "\n\n" + html
	}
	return b.say(ctx, r.chatID, html, kbOrNil(kb))
}

// workButton runs a button of order work: a stale or invalid press gets "out of date" and the
// fresh view; a refusal its reason; nothing changes twice.
func (b *Bot) workButton(ctx context.Context, r *request, do func(s crm.Staff) error) error {
	s, ok, err := b.staffButton(ctx, r)
	if !ok {
		return err
	}
	err = do(s)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, crm.ErrStale), errors.Is(err, crm.ErrInvalidTransition):
		b.log.Info("stale work button", "user_id", r.userID, "order_id", r.data.ID, "action", string(r.data.Action), "version", r.data.Version)
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		return b.showWork(ctx, r, s, r.data.ID, 0)
	case errors.Is(err, crm.ErrForbidden):
		b.log.Warn("work button refused", "user_id", r.userID, "order_id", r.data.ID, "action", string(r.data.Action))
		b.answer(ctx, r, text.T(r.lang, text.Forbidden), true)
		return nil
	}
	if msg, ok := workErrorText(r.lang, err); ok {
		b.answer(ctx, r, msg, true)
		return nil
	}
	return err
}

// fresh checks the version a button carries against the order; a stale press is ErrStale.
func (b *Bot) fresh(ctx context.Context, r *request, s crm.Staff) (crm.Estimate, error) {
	e, err := b.loadWork(ctx, s, r.data.ID)
	if err != nil {
		return crm.Estimate{}, err
	}
	if int64(e.Card.Order.Version) != r.data.Version {
		return crm.Estimate{}, fmt.Errorf("order %d at version %d, button %d: %w", r.data.ID, e.Card.Order.Version, r.data.Version, crm.ErrStale)
	}
	return e, nil
}

func (b *Bot) onWork(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		page, _ := strconv.Atoi(r.data.Arg)
		if _, err := b.loadWork(ctx, s, r.data.ID); err != nil {
			return err
		}
		b.answer(ctx, r, "", false)
		return b.showWork(ctx, r, s, r.data.ID, page)
	})
}

// onLineAdd starts adding a line: labour or parts from the catalog (search), or free text.
func (b *Bot) onLineAdd(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		e, err := b.fresh(ctx, r, s)
		if err != nil {
			return err
		}
		d := workDialog{OrderID: e.Card.Order.ID, Version: e.Card.Order.Version}
		switch r.data.Arg {
		case "f":
			if !may(s, crm.ActPrice) {
				return fmt.Errorf("free-text line: %w", crm.ErrForbidden)
			}
			d.Kind, d.Step = dlgFreeLine, "name"
			if err := b.saveWorkDialog(ctx, r, &d); err != nil {
				return err
			}
			b.answer(ctx, r, "", false)
			return b.say(ctx, r.chatID, text.T(r.lang, text.AskFreeLineName, e.Card.Order.Number), nil)
		case "p":
			d.ItemKind = crm.ItemPart
		default:
			d.ItemKind = crm.ItemService
		}
		d.Kind, d.Step = dlgLineSearch, "search"
		if err := b.saveWorkDialog(ctx, r, &d); err != nil {
			return err
		}
		b.answer(ctx, r, "", false)
		html, kb, err := b.lineSearchPage(ctx, r.lang, &d, 0)
		if err != nil {
			return err
		}
		// The view turns into the list: one message per step keeps the chat (and Telegram's
		// per-chat limit) clear; the view comes back once the line is added.
		return b.editPressed(ctx, r, html, kb)
	})
}

// lineSearchPage lists catalog items to add to the dialog's order.
func (b *Bot) lineSearchPage(ctx context.Context, l text.Lang, d *workDialog, page int) (string, *tgbotapi.InlineKeyboardMarkup, error) {
	res, err := b.crm.SearchItems(ctx, d.Query, d.ItemKind, page*catalogPage, catalogPage)
	if err != nil {
		return "", nil, fmt.Errorf("search catalog: %w", err)
	}
	card, err := b.crm.OrderCard(ctx, d.OrderID)
	if err != nil {
		return "", nil, fmt.Errorf("load order: %w", err)
	}
	var sb strings.Builder
	key := text.PickService
	if d.ItemKind == crm.ItemPart {
		key = text.PickPart
	}
	sb.WriteString(text.T(l, key, card.Order.Number))
	if d.Query != "" {
		sb.WriteString(text.T(l, text.SearchedFor, esc(d.Query), res.Total))
	}
	var pick []tgbotapi.InlineKeyboardButton
	for i, it := range res.Items {
		n := page*catalogPage + i + 1
		sb.WriteString("\n" + strconv.Itoa(n) + ". " + b.itemLine(l, it))
		pick = append(pick, button(strconv.Itoa(n), callback{Action: actLinePick, ID: d.OrderID, Version: int64(d.Version), Arg: formatID(it.ID)}))
	}
	if res.Total == 0 {
		sb.WriteString("\n" + text.T(l, text.CatalogEmpty))
	}
	sb.WriteString("\n\n" + text.T(l, text.TypeToSearch))
	rows := chunk(pick, 4)
	rows = append(rows, pager(l, actLineSearchPg, d.OrderID, int64(d.Version), page, res.Total, catalogPage))
	return sb.String(), inline(rows...), nil
}

// lineDialog loads the staff member's line-search dialog for the order a button names.
func (b *Bot) lineDialog(ctx context.Context, r *request) (workDialog, bool, error) {
	d, ok, err := b.loadWorkDialog(ctx, r)
	if err != nil {
		return workDialog{}, false, err
	}
	if !ok || d.Kind != dlgLineSearch || d.OrderID != r.data.ID {
		b.answer(ctx, r, text.T(r.lang, text.Expired), false)
		return workDialog{}, false, nil
	}
	return d, true, nil
}

func (b *Bot) onLineSearchPage(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		d, ok, err := b.lineDialog(ctx, r)
		if !ok {
			return err
		}
		page, _ := strconv.Atoi(r.data.Arg)
		b.answer(ctx, r, "", false)
		html, kb, err := b.lineSearchPage(ctx, r.lang, &d, min(page, 10000))
		if err != nil {
			return err
		}
		return b.editPressed(ctx, r, html, kb)
	})
}

// lineSearchText searches again with the words typed, or takes the quantity once an item is
// picked.
func (b *Bot) lineSearchText(ctx context.Context, r *request, s crm.Staff, d *workDialog, txt string) error {
	if d.Step == "qty" {
		q, err := crm.ParseQty(txt)
		if err != nil {
			return b.sayError(ctx, r, err)
		}
		return b.addPickedLine(ctx, r, s, d, q)
	}
	d.Query = string([]rune(txt)[:min(len([]rune(txt)), 100)])
	if err := b.saveWorkDialog(ctx, r, d); err != nil {
		return err
	}
	html, kb, err := b.lineSearchPage(ctx, r.lang, d, 0)
	if err != nil {
		return err
	}
	return b.say(ctx, r.chatID, html, kbOrNil(kb))
}

// onLinePick: an item was chosen; ask how many.
func (b *Bot) onLinePick(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		d, ok, err := b.lineDialog(ctx, r)
		if !ok {
			return err
		}
		itemID, err := parseID(r.data.Arg)
		if err != nil {
			return fmt.Errorf("item %q: %w", r.data.Arg, crm.ErrStale)
		}
		it, err := b.crm.Item(ctx, itemID)
		if err != nil {
			return err
		}
		d.ItemID, d.Step = it.ID, "qty"
		if r.cb.Message != nil {
			d.Msg = r.cb.Message.MessageID
		}
		if err := b.saveWorkDialog(ctx, r, &d); err != nil {
			return err
		}
		b.answer(ctx, r, "", false)
		var quick []tgbotapi.InlineKeyboardButton
		for _, q := range []crm.Qty{crm.QtyUnit, 2 * crm.QtyUnit, 4 * crm.QtyUnit} {
			quick = append(quick, button(q.String(), callback{Action: actQty, ID: int64(q), Version: d.Nonce}))
		}
		html := text.T(r.lang, text.AskQty, esc(it.Name), it.Price.String(), esc(it.Unit))
		if it.Kind == crm.ItemPart {
			html += text.T(r.lang, text.ItemStockShort, it.Available().String())
		}
		return b.editPressed(ctx, r, html, inline(quick))
	})
}

// onQty is a quick quantity button of the line dialog.
func (b *Bot) onQty(ctx context.Context, r *request) error {
	s, ok, err := b.staffButton(ctx, r)
	if !ok {
		return err
	}
	d, ok, err := b.dialogButton(ctx, r, dlgLineSearch)
	if !ok {
		return err
	}
	if d.Step != "qty" || r.data.ID <= 0 || crm.Qty(r.data.ID) > crm.MaxQty {
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		return nil
	}
	b.answer(ctx, r, "", false)
	return b.addPickedLine(ctx, r, s, &d, crm.Qty(r.data.ID))
}

// addPickedLine adds the dialog's item to its order and shows the order.
func (b *Bot) addPickedLine(ctx context.Context, r *request, s crm.Staff, d *workDialog, q crm.Qty) error {
	res, err := b.crm.AddLine(ctx, actorOf(s), d.OrderID, d.Version, crm.LineInput{ItemID: d.ItemID, Qty: q})
	if err != nil {
		return b.dialogRefused(ctx, r, s, d, err)
	}
	b.wakeSender()
	if err := b.dropWorkDialog(ctx, r); err != nil {
		return err
	}
	if d.Msg != 0 {
		// The quantity is given (typed or pressed): take the quick buttons away.
		_, _ = b.send(ctx, 0, tgbotapi.NewEditMessageReplyMarkup(r.chatID, d.Msg, tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}}))
	}
	note := text.T(r.lang, text.LineAdded, short(res.Line.Name, lineNameList), res.Line.Qty.String(), esc(res.Line.Unit))
	if res.Short {
		note += "\n" + text.T(r.lang, text.LineShortNote)
	}
	return b.sayWork(ctx, r, s, d.OrderID, note)
}

// sayError tells a staff member what was wrong with a typed answer; the dialog stays.
func (b *Bot) sayError(ctx context.Context, r *request, err error) error {
	if msg, ok := workErrorText(r.lang, err); ok {
		return b.say(ctx, r.chatID, msg, nil)
	}
	if expected(err) {
		return b.say(ctx, r.chatID, userText(r.lang, err), nil)
	}
	return err
}

// dialogRefused handles the CRM refusing a dialog's change: a stale order ends the dialog and
// shows the order as it is now; bad input keeps the dialog for another try.
func (b *Bot) dialogRefused(ctx context.Context, r *request, s crm.Staff, d *workDialog, err error) error {
	switch {
	case errors.Is(err, crm.ErrStale), errors.Is(err, crm.ErrInvalidTransition), errors.Is(err, crm.ErrInvoiceFixed):
		if dropErr := b.dropWorkDialog(ctx, r); dropErr != nil {
			return dropErr
		}
		note := text.T(r.lang, text.OrderChanged)
		if msg, ok := workErrorText(r.lang, err); ok {
			note = msg
		}
		return b.sayWork(ctx, r, s, d.OrderID, note)
	case errors.Is(err, crm.ErrForbidden):
		if dropErr := b.dropWorkDialog(ctx, r); dropErr != nil {
			return dropErr
		}
		return b.say(ctx, r.chatID, text.T(r.lang, text.Forbidden), nil)
	}
	return b.sayError(ctx, r, err)
}

// lineOf finds a line of the estimate by the id a button carries.
func lineOf(e crm.Estimate, arg string) (int, crm.OrderLine, error) {
	id, err := parseID(arg)
	if err != nil {
		return 0, crm.OrderLine{}, fmt.Errorf("line %q: %w", arg, crm.ErrStale)
	}
	for i, l := range e.Lines {
		if l.ID == id {
			return i + 1, l, nil
		}
	}
	return 0, crm.OrderLine{}, fmt.Errorf("line %d is gone: %w", id, crm.ErrStale)
}

// onLine shows one line whole, with what may be done to it.
func (b *Bot) onLine(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		e, err := b.fresh(ctx, r, s)
		if err != nil {
			return err
		}
		n, ln, err := lineOf(e, r.data.Arg)
		if err != nil {
			return err
		}
		b.answer(ctx, r, "", false)
		o := e.Card.Order
		at := func(a action) callback {
			return callback{Action: a, ID: o.ID, Version: int64(o.Version), Arg: formatID(ln.ID)}
		}
		html := text.T(r.lang, text.LineHead, o.Number) + "\n" + lineText(r.lang, n, ln, true)
		if len([]rune(ln.Name)) > lineNameList {
			html += "\n" + esc(ln.Name)
		}
		if ln.SKU != "" {
			html += "\n" + text.T(r.lang, text.LineSKU, esc(ln.SKU))
		}
		var rows [][]tgbotapi.InlineKeyboardButton
		if e.Invoice == nil && ln.Active() {
			row := []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.FieldQty), at(actLineQty))}
			if may(s, crm.ActPrice) {
				row = append(row, button(text.T(r.lang, text.FieldPrice), at(actLinePrice)))
			}
			rows = append(rows, row)
			if ln.Short() && ln.PartsRequestedAt == nil {
				rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.NeedPart), at(actNeedPart))})
			}
			rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.RemoveLine), at(actLineRemove))})
		}
		if e.Invoice != nil && may(s, crm.ActPrice) && ln.Approval == crm.ApprovalApproved && o.Status != crm.StatusClosed {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.CorrectPrice), at(actCorrect))})
		}
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.Back), callback{Action: actWork, ID: o.ID, Version: int64(o.Version), Arg: strconv.Itoa((n - 1) / workLinesPage)})})
		return b.editPressed(ctx, r, html, inline(rows...))
	})
}

// startLineDialog asks for a typed value of a line (quantity, price, an invoice correction).
func (b *Bot) startLineDialog(ctx context.Context, r *request, kind string, prompt text.Key, managersOnly bool) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		if managersOnly && !may(s, crm.ActPrice) {
			return fmt.Errorf("%s: %w", kind, crm.ErrForbidden)
		}
		e, err := b.fresh(ctx, r, s)
		if err != nil {
			return err
		}
		d := workDialog{Kind: kind, Step: "value", OrderID: e.Card.Order.ID, Version: e.Card.Order.Version}
		if kind != dlgDiscount {
			_, ln, err := lineOf(e, r.data.Arg)
			if err != nil {
				return err
			}
			d.LineID = ln.ID
			d.Name = ln.Name
		}
		if err := b.saveWorkDialog(ctx, r, &d); err != nil {
			return err
		}
		b.answer(ctx, r, "", false)
		return b.editPressed(ctx, r, text.T(r.lang, prompt, e.Card.Order.Number, short(d.Name, lineNameList)), nil)
	})
}

func (b *Bot) onLineQty(ctx context.Context, r *request) error {
	return b.startLineDialog(ctx, r, dlgLineQty, text.AskLineQty, false)
}

func (b *Bot) onLinePrice(ctx context.Context, r *request) error {
	return b.startLineDialog(ctx, r, dlgLinePrice, text.AskLinePrice, true)
}

func (b *Bot) onDiscount(ctx context.Context, r *request) error {
	return b.startLineDialog(ctx, r, dlgDiscount, text.AskDiscount, true)
}

func (b *Bot) onCorrect(ctx context.Context, r *request) error {
	return b.startLineDialog(ctx, r, dlgCorrectPrice, text.AskCorrectPrice, true)
}

// lineDialogText takes a typed quantity, price, discount, free line step or correction.
func (b *Bot) lineDialogText(ctx context.Context, r *request, s crm.Staff, d *workDialog, txt string) error {
	var err error
	var note string
	switch d.Kind {
	case dlgLineQty:
		var q crm.Qty
		if q, err = crm.ParseQty(txt); err == nil {
			var res crm.AddLineResult
			if res, err = b.crm.UpdateLine(ctx, actorOf(s), d.OrderID, d.Version, d.LineID, &q, nil); err == nil && res.Short {
				note = text.T(r.lang, text.LineShortNote)
			}
		}
	case dlgLinePrice:
		var p crm.Money
		if p, err = crm.ParseMoney(txt); err == nil {
			_, err = b.crm.UpdateLine(ctx, actorOf(s), d.OrderID, d.Version, d.LineID, nil, &p)
		}
	case dlgDiscount:
		var disc crm.Discount
		if disc, err = crm.ParseDiscount(txt); err == nil {
			err = b.crm.SetDiscount(ctx, actorOf(s), d.OrderID, d.Version, disc)
		}
	case dlgCorrectPrice:
		if d.Step == "value" {
			p, err := crm.ParseMoney(txt)
			if err != nil {
				return b.sayError(ctx, r, err)
			}
			d.Price, d.Step = p, "reason"
			if err := b.saveWorkDialog(ctx, r, d); err != nil {
				return err
			}
			return b.say(ctx, r.chatID, text.T(r.lang, text.AskCorrectReason), nil)
		}
		_, err = b.crm.CorrectInvoice(ctx, actorOf(s), d.OrderID, d.Version, d.LineID, d.Price, txt)
		note = text.T(r.lang, text.InvoiceCorrected)
	case dlgFreeLine:
		return b.freeLineText(ctx, r, s, d, txt)
	}
	if err != nil {
		return b.dialogRefused(ctx, r, s, d, err)
	}
	b.wakeSender()
	if err := b.dropWorkDialog(ctx, r); err != nil {
		return err
	}
	if note == "" {
		note = text.T(r.lang, text.Saved)
	}
	return b.sayWork(ctx, r, s, d.OrderID, note)
}

// freeLineText: a manager's own line: name, then price, then quantity (labour by default; the
// price step asks which).
func (b *Bot) freeLineText(ctx context.Context, r *request, s crm.Staff, d *workDialog, txt string) error {
	switch d.Step {
	case "name":
		if len([]rune(txt)) > crm.MaxLineNameLen {
			return b.say(ctx, r.chatID, text.T(r.lang, text.ItemNameTooLong, crm.MaxLineNameLen), nil)
		}
		d.Name, d.Step = txt, "price"
		if err := b.saveWorkDialog(ctx, r, d); err != nil {
			return err
		}
		return b.say(ctx, r.chatID, text.T(r.lang, text.AskFreeLinePrice), nil)
	case "price":
		p, err := crm.ParseMoney(txt)
		if err != nil {
			return b.sayError(ctx, r, err)
		}
		d.Price, d.Step = p, "qty"
		if err := b.saveWorkDialog(ctx, r, d); err != nil {
			return err
		}
		return b.say(ctx, r.chatID, text.T(r.lang, text.AskFreeLineQty), nil)
	}
	// "2" is labour by default; "2 шт" or a trailing unit makes it a part.
	fields := strings.Fields(txt)
	if len(fields) == 0 || len(fields) > 2 {
		return b.sayError(ctx, r, crm.ErrNotANumber)
	}
	q, err := crm.ParseQty(fields[0])
	if err != nil {
		return b.sayError(ctx, r, err)
	}
	in := crm.LineInput{Kind: crm.LineLabour, Name: d.Name, Qty: q, Price: &d.Price}
	if len(fields) == 2 {
		in.Kind, in.Unit = crm.LinePart, fields[1]
	}
	if _, err := b.crm.AddLine(ctx, actorOf(s), d.OrderID, d.Version, in); err != nil {
		return b.dialogRefused(ctx, r, s, d, err)
	}
	b.wakeSender()
	if err := b.dropWorkDialog(ctx, r); err != nil {
		return err
	}
	return b.sayWork(ctx, r, s, d.OrderID, text.T(r.lang, text.LineAdded, short(d.Name, lineNameList), q.String(), esc(defaultUnitOf(in))))
}

func defaultUnitOf(in crm.LineInput) string {
	switch {
	case in.Unit != "":
		return in.Unit
	case in.Kind == crm.LineLabour:
		return "усл"
	}
	return "шт"
}

func (b *Bot) onLineRemove(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		_, ln, err := lineOfButton(ctx, b, r, s)
		if err != nil {
			return err
		}
		if err := b.crm.RemoveLine(ctx, actorOf(s), r.data.ID, int(r.data.Version), ln.ID); err != nil {
			return err
		}
		b.answer(ctx, r, text.T(r.lang, text.Done), false)
		return b.showWork(ctx, r, s, r.data.ID, 0)
	})
}

func (b *Bot) onNeedPart(ctx context.Context, r *request) error {
	return b.workButton(ctx, r, func(s crm.Staff) error {
		_, ln, err := lineOfButton(ctx, b, r, s)
		if err != nil {
			return err
		}
		if _, err := b.crm.RequestPart(ctx, actorOf(s), r.data.ID, int(r.data.Version), ln.ID); err != nil {
			return err
		}
		b.wakeSender()
		b.answer(ctx, r, text.T(r.lang, text.PartRequested), false)
		return b.showWork(ctx, r, s, r.data.ID, 0)
	})
}

func lineOfButton(ctx context.Context, b *Bot, r *request, s crm.Staff) (int, crm.OrderLine, error) {
	e, err := b.fresh(ctx, r, s)
	if err != nil {
		return 0, crm.OrderLine{}, err
	}
	return lineOf(e, r.data.Arg)
}
