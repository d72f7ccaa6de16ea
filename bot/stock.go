package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Goods received: "/receive" asks what came, how much and at what cost; "/receive OIL-5W30 10 750"
// does it in one line. The new stock is reserved at once for order lines that were short of it.

// cmdReceive starts receiving goods; managers only.
func (b *Bot) cmdReceive(ctx context.Context, r *request) error {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	args := strings.Fields(r.msg.CommandArguments())
	if len(args) >= 2 && len(args) <= 3 {
		return b.receiveOneLine(ctx, r, s, args)
	}
	d := workDialog{Kind: dlgReceive, Step: "item"}
	if len(args) == 1 {
		d.Query = args[0]
	}
	if err := b.saveWorkDialog(ctx, r, &d); err != nil {
		return err
	}
	if d.Query != "" {
		return b.receiveSearch(ctx, r, &d)
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.AskReceiveItem), nil)
}

// receiveOneLine: SKU, quantity and optional unit cost.
func (b *Bot) receiveOneLine(ctx context.Context, r *request, s crm.Staff, args []string) error {
	page, err := b.crm.SearchItems(ctx, args[0], crm.ItemPart, 0, 1)
	if err != nil {
		return fmt.Errorf("find %q: %w", args[0], err)
	}
	if len(page.Items) == 0 || !strings.EqualFold(page.Items[0].SKU, args[0]) {
		return b.say(ctx, r.chatID, text.T(r.lang, text.NoSuchSKU, esc(args[0])), nil)
	}
	q, err := crm.ParseQty(args[1])
	if err != nil {
		return b.sayError(ctx, r, err)
	}
	var cost *crm.Money
	if len(args) == 3 {
		c, err := crm.ParseMoney(args[2])
		if err != nil {
			return b.sayError(ctx, r, err)
		}
		cost = &c
	}
	return b.receive(ctx, r, s, page.Items[0].ID, q, cost)
}

func (b *Bot) receive(ctx context.Context, r *request, s crm.Staff, itemID int64, q crm.Qty, cost *crm.Money) error {
	it, err := b.crm.ReceiveStock(ctx, actorOf(s), itemID, q, cost, "")
	if err != nil {
		return b.sayError(ctx, r, err)
	}
	b.wakeSender()
	if err := b.dropWorkDialog(ctx, r); err != nil {
		return err
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.Received, short(it.Name, itemNameList), q.String(), esc(it.Unit),
		it.OnHand.String(), it.Available().String()), nil)
}

// receiveSearch lists parts matching the dialog's words to pick from.
func (b *Bot) receiveSearch(ctx context.Context, r *request, d *workDialog) error {
	page, err := b.crm.SearchItems(ctx, d.Query, crm.ItemPart, 0, catalogPage)
	if err != nil {
		return fmt.Errorf("search parts: %w", err)
	}
	if page.Total == 0 {
		return b.say(ctx, r.chatID, text.T(r.lang, text.CatalogEmpty)+"\n"+text.T(r.lang, text.AskReceiveItem), nil)
	}
	var sb strings.Builder
	sb.WriteString(text.T(r.lang, text.PickReceiveItem))
	var pick []tgbotapi.InlineKeyboardButton
	for i, it := range page.Items {
		sb.WriteString("\n" + strconv.Itoa(i+1) + ". " + b.itemLine(r.lang, it))
		pick = append(pick, button(strconv.Itoa(i+1), callback{Action: actReceiveItem, ID: it.ID, Version: d.Nonce}))
	}
	return b.say(ctx, r.chatID, sb.String(), inline(chunk(pick, 4)...))
}

// onReceiveItem starts (or continues) receiving goods of one item: from the item's card, the
// "part needed" notice, or a pick in the /receive dialog.
func (b *Bot) onReceiveItem(ctx context.Context, r *request) error {
	_, ok, err := b.staffButtonMay(ctx, r, crm.ActStock, text.Forbidden)
	if !ok {
		return err
	}
	it, err := b.crm.Item(ctx, r.data.ID)
	if err != nil {
		return fmt.Errorf("load item: %w", err)
	}
	b.answer(ctx, r, "", false)
	d := workDialog{Kind: dlgReceive, Step: "qty", ItemID: it.ID}
	if err := b.saveWorkDialog(ctx, r, &d); err != nil {
		return err
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.AskReceiveQty, short(it.Name, itemNameList), esc(it.Unit)), nil)
}

func (b *Bot) receiveText(ctx context.Context, r *request, s crm.Staff, d *workDialog, txt string) error {
	if !may(s, crm.ActStock) {
		_ = b.dropWorkDialog(ctx, r)
		return b.say(ctx, r.chatID, text.T(r.lang, text.Forbidden), nil)
	}
	switch d.Step {
	case "item":
		d.Query = txt
		if err := b.saveWorkDialog(ctx, r, d); err != nil {
			return err
		}
		return b.receiveSearch(ctx, r, d)
	case "qty":
		q, err := crm.ParseQty(txt)
		if err != nil {
			return b.sayError(ctx, r, err)
		}
		d.Qty, d.Step = q, "cost"
		if err := b.saveWorkDialog(ctx, r, d); err != nil {
			return err
		}
		return b.say(ctx, r.chatID, text.T(r.lang, text.AskReceiveCost), nil)
	}
	var cost *crm.Money
	if !skipAnswer(txt) {
		c, err := crm.ParseMoney(txt)
		if err != nil {
			return b.sayError(ctx, r, err)
		}
		cost = &c
	}
	return b.receive(ctx, r, s, d.ItemID, d.Qty, cost)
}
