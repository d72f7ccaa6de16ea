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

// The catalog in the chat: /catalog [words or SKU] lists items a page at a time; managers add
// and edit items with a short dialog. Buttons carry ids, a page and the dialog's nonce; the
// words searched stay in the dialog, never in callback data.

const (
	catalogPage  = 8  // items per page
	itemNameList = 60 // characters of a name in a list
)

// cmdCatalog: "/catalog" lists the catalog, "/catalog масло 5w" searches it.
func (b *Bot) cmdCatalog(ctx context.Context, r *request) error {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	return b.catalogSearch(ctx, r, s, strings.TrimSpace(r.msg.CommandArguments()))
}

// catalogSearch starts a search dialog (words typed later search again) and shows page one.
func (b *Bot) catalogSearch(ctx context.Context, r *request, s crm.Staff, query string) error {
	if len([]rune(query)) > 100 {
		query = string([]rune(query)[:100])
	}
	d := workDialog{Kind: dlgCatalog, Query: query}
	if err := b.saveWorkDialog(ctx, r, &d); err != nil {
		return err
	}
	html, kb, err := b.catalogPage(ctx, r.lang, s, &d, 0)
	if err != nil {
		return err
	}
	return b.say(ctx, r.chatID, html, kbOrNil(kb))
}

// catalogPage renders one page of the dialog's search.
func (b *Bot) catalogPage(ctx context.Context, l text.Lang, s crm.Staff, d *workDialog, page int) (string, *tgbotapi.InlineKeyboardMarkup, error) {
	res, err := b.crm.SearchItems(ctx, d.Query, "", page*catalogPage, catalogPage)
	if err != nil {
		return "", nil, fmt.Errorf("search catalog: %w", err)
	}
	var sb strings.Builder
	if d.Query == "" {
		sb.WriteString(text.T(l, text.CatalogTitle, res.Total))
	} else {
		sb.WriteString(text.T(l, text.CatalogFound, esc(d.Query), res.Total))
	}
	var pick []tgbotapi.InlineKeyboardButton
	for i, it := range res.Items {
		n := page*catalogPage + i + 1
		sb.WriteString("\n" + strconv.Itoa(n) + ". " + b.itemLine(l, it))
		pick = append(pick, button(strconv.Itoa(n), callback{Action: actItem, ID: it.ID, Version: d.Nonce}))
	}
	if res.Total == 0 {
		sb.WriteString("\n" + text.T(l, text.CatalogEmpty))
	}
	sb.WriteString("\n\n" + text.T(l, text.CatalogHint))
	rows := chunk(pick, 4)
	rows = append(rows, pager(l, actCatalogPage, 0, d.Nonce, page, res.Total, catalogPage))
	if may(s, crm.ActCatalogEdit) {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{
			button(text.T(l, text.AddService), callback{Action: actItemAdd, Version: d.Nonce, Arg: "s"}),
			button(text.T(l, text.AddPart), callback{Action: actItemAdd, Version: d.Nonce, Arg: "p"}),
		})
	}
	return sb.String(), inline(rows...), nil
}

// pager is the « and » buttons of a paged list, ID carrying the page (or the order, with the page
// in Arg, when id is not 0).
func pager(l text.Lang, a action, id, version int64, page, total, per int) []tgbotapi.InlineKeyboardButton {
	var row []tgbotapi.InlineKeyboardButton
	at := func(p int) callback {
		if id != 0 {
			return callback{Action: a, ID: id, Version: version, Arg: strconv.Itoa(p)}
		}
		return callback{Action: a, ID: int64(p), Version: version}
	}
	if page > 0 {
		row = append(row, button(text.T(l, text.PagePrev), at(page-1)))
	}
	if (page+1)*per < total {
		row = append(row, button(text.T(l, text.PageNext), at(page+1)))
	}
	return row
}

// itemLine is an item in a list: name, SKU, price per unit, and stock for parts.
func (b *Bot) itemLine(l text.Lang, it crm.CatalogItem) string {
	s := short(it.Name, itemNameList)
	if it.SKU != "" {
		s += " · " + esc(it.SKU)
	}
	s += " — " + it.Price.String() + "/" + esc(it.Unit)
	if it.Kind == crm.ItemPart {
		s += text.T(l, text.ItemStockShort, it.Available().String())
	}
	return s
}

func (b *Bot) onCatalogPage(ctx context.Context, r *request) error {
	s, ok, err := b.staffButton(ctx, r)
	if !ok {
		return err
	}
	d, ok, err := b.dialogButton(ctx, r, dlgCatalog)
	if !ok {
		return err
	}
	b.answer(ctx, r, "", false)
	html, kb, err := b.catalogPage(ctx, r.lang, s, &d, int(min(r.data.ID, 10000)))
	if err != nil {
		return err
	}
	return b.editPressed(ctx, r, html, kb)
}

// itemCard is a catalog item in full.
func (b *Bot) itemCard(l text.Lang, it crm.CatalogItem) string {
	sku := esc(it.SKU)
	if sku == "" {
		sku = "—"
	}
	s := text.T(l, text.ItemCard, esc(it.Name), text.ItemKindName(l, string(it.Kind)), sku, it.Price.String(), esc(it.Unit))
	if it.Kind == crm.ItemService {
		s += text.T(l, text.ItemNorm, it.Norm.String())
	} else {
		s += text.T(l, text.ItemStock, it.OnHand.String(), it.Reserved.String(), it.MinStock.String())
	}
	if it.RepeatDays != nil || it.RepeatKm != nil {
		days, km := "—", "—"
		if it.RepeatDays != nil {
			days = strconv.Itoa(*it.RepeatDays)
		}
		if it.RepeatKm != nil {
			km = strconv.Itoa(*it.RepeatKm)
		}
		s += text.T(l, text.ItemRepeat, days, km)
	}
	return s
}

func (b *Bot) itemKeyboard(l text.Lang, s crm.Staff, it crm.CatalogItem, nonce int64) *tgbotapi.InlineKeyboardMarkup {
	var rows [][]tgbotapi.InlineKeyboardButton
	if may(s, crm.ActCatalogEdit) {
		field := func(k text.Key, f string) tgbotapi.InlineKeyboardButton {
			return button(text.T(l, k), callback{Action: actItemEdit, ID: it.ID, Version: nonce, Arg: f})
		}
		rows = append(rows,
			[]tgbotapi.InlineKeyboardButton{field(text.FieldItemName, "name"), field(text.FieldPrice, "price")},
			[]tgbotapi.InlineKeyboardButton{field(text.FieldSKU, "sku"), field(text.FieldUnit, "unit")},
		)
		if it.Kind == crm.ItemService {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{field(text.FieldNorm, "norm"), field(text.FieldRepeat, "repeat")})
		} else {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{field(text.FieldMinStock, "min"), field(text.FieldRepeat, "repeat")})
			rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.ReceiveButton), callback{Action: actReceiveItem, ID: it.ID})})
		}
	}
	rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.Back), callback{Action: actCatalogPage, Version: nonce})})
	return inline(rows...)
}

func (b *Bot) onItem(ctx context.Context, r *request) error {
	s, ok, err := b.staffButton(ctx, r)
	if !ok {
		return err
	}
	it, err := b.crm.Item(ctx, r.data.ID)
	if err != nil {
		return fmt.Errorf("load item: %w", err)
	}
	b.answer(ctx, r, "", false)
	return b.editPressed(ctx, r, b.itemCard(r.lang, it), b.itemKeyboard(r.lang, s, it, r.data.Version))
}

// onItemAdd starts the dialog of a new item: name, SKU, unit (parts), price, then norm hours
// (services) or the minimum stock (parts).
func (b *Bot) onItemAdd(ctx context.Context, r *request) error {
	_, ok, err := b.staffButtonMay(ctx, r, crm.ActCatalogEdit, text.Forbidden)
	if !ok {
		return err
	}
	kind := crm.ItemService
	if r.data.Arg == "p" {
		kind = crm.ItemPart
	}
	b.answer(ctx, r, "", false)
	d := workDialog{Kind: dlgItemAdd, ItemKind: kind, Step: "name"}
	if err := b.saveWorkDialog(ctx, r, &d); err != nil {
		return err
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.AskItemName), nil)
}

func (b *Bot) onItemEdit(ctx context.Context, r *request) error {
	_, ok, err := b.staffButtonMay(ctx, r, crm.ActCatalogEdit, text.Forbidden)
	if !ok {
		return err
	}
	it, err := b.crm.Item(ctx, r.data.ID)
	if err != nil {
		return fmt.Errorf("load item: %w", err)
	}
	prompts := map[string]text.Key{
		"name": text.AskItemName, "price": text.AskItemPrice, "sku": text.AskItemSKU, "unit": text.AskItemUnit,
		"norm": text.AskItemNorm, "min": text.AskItemMin, "repeat": text.AskItemRepeat,
	}
	prompt, ok := prompts[r.data.Arg]
	if !ok {
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		return nil
	}
	b.answer(ctx, r, "", false)
	d := workDialog{Kind: dlgItemEdit, ItemID: it.ID, ItemKind: it.Kind, Field: r.data.Arg}
	if err := b.saveWorkDialog(ctx, r, &d); err != nil {
		return err
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.EditingItem, short(it.Name, itemNameList))+"\n"+text.T(r.lang, prompt), nil)
}

// skipAnswer is what a person types to leave an optional answer empty.
func skipAnswer(s string) bool {
	return s == "-" || s == "—" || strings.EqualFold(s, "нет") || strings.EqualFold(s, "no")
}

// itemDialogText takes one answer of the add or edit dialog.
func (b *Bot) itemDialogText(ctx context.Context, r *request, s crm.Staff, d *workDialog, txt string) error {
	if !may(s, crm.ActCatalogEdit) {
		_ = b.dropWorkDialog(ctx, r)
		return b.say(ctx, r.chatID, text.T(r.lang, text.Forbidden), nil)
	}
	if d.Kind == dlgItemEdit {
		return b.itemEditText(ctx, r, s, d, txt)
	}
	reask := func(err error) error {
		msg, _ := workErrorText(r.lang, err)
		if msg == "" {
			msg = userText(r.lang, err)
		}
		return b.say(ctx, r.chatID, msg, nil)
	}
	next := ""
	switch d.Step {
	case "name":
		if len([]rune(txt)) > crm.MaxItemNameLen {
			return b.say(ctx, r.chatID, text.T(r.lang, text.ItemNameTooLong, crm.MaxItemNameLen), nil)
		}
		d.Name, next = txt, "sku"
	case "sku":
		if !skipAnswer(txt) {
			if len([]rune(txt)) > crm.MaxSKULen {
				return b.say(ctx, r.chatID, text.T(r.lang, text.SKUTooLong, crm.MaxSKULen), nil)
			}
			d.SKU = txt
		}
		next = "price"
		if d.ItemKind == crm.ItemPart {
			next = "unit"
		}
	case "unit":
		if !skipAnswer(txt) {
			if len([]rune(txt)) > crm.MaxUnitLen {
				return b.say(ctx, r.chatID, text.T(r.lang, text.UnitTooLong, crm.MaxUnitLen), nil)
			}
			d.Unit = txt
		}
		next = "price"
	case "price":
		p, err := crm.ParseMoney(txt)
		if err != nil {
			return reask(err)
		}
		d.Price, next = p, "norm"
		if d.ItemKind == crm.ItemPart {
			next = "min"
		}
	case "norm", "min":
		var q crm.Qty
		if !skipAnswer(txt) && txt != "0" {
			var err error
			if q, err = crm.ParseQty(txt); err != nil {
				return reask(err)
			}
		}
		in := crm.ItemInput{Kind: d.ItemKind, SKU: d.SKU, Name: d.Name, Unit: d.Unit, Price: d.Price}
		if d.Step == "norm" {
			in.Norm = q
		} else {
			in.MinStock = q
		}
		it, err := b.crm.CreateItem(ctx, actorOf(s), in)
		if err != nil {
			if msg, ok := workErrorText(r.lang, err); ok {
				return b.say(ctx, r.chatID, msg, nil)
			}
			return fmt.Errorf("create item: %w", err)
		}
		if err := b.dropWorkDialog(ctx, r); err != nil {
			return err
		}
		return b.say(ctx, r.chatID, text.T(r.lang, text.ItemSaved)+"\n\n"+b.itemCard(r.lang, it), b.itemKeyboard(r.lang, s, it, 0))
	}
	d.Step = next
	if err := b.saveWorkDialog(ctx, r, d); err != nil {
		return err
	}
	prompts := map[string]text.Key{"sku": text.AskItemSKU, "unit": text.AskItemUnit, "price": text.AskItemPrice, "norm": text.AskItemNorm, "min": text.AskItemMin}
	return b.say(ctx, r.chatID, text.T(r.lang, prompts[next]), nil)
}

// itemEditText saves one edited field.
func (b *Bot) itemEditText(ctx context.Context, r *request, s crm.Staff, d *workDialog, txt string) error {
	it, err := b.crm.Item(ctx, d.ItemID)
	if err != nil {
		return fmt.Errorf("load item: %w", err)
	}
	in := crm.ItemInput{Kind: it.Kind, SKU: it.SKU, Name: it.Name, Unit: it.Unit, Price: it.Price, Norm: it.Norm, MinStock: it.MinStock}
	if it.RepeatDays != nil {
		in.RepeatDays = *it.RepeatDays
	}
	if it.RepeatKm != nil {
		in.RepeatKm = *it.RepeatKm
	}
	var perr error
	switch d.Field {
	case "name":
		in.Name = txt
	case "sku":
		in.SKU = txt
		if skipAnswer(txt) {
			in.SKU = ""
		}
	case "unit":
		in.Unit = txt
	case "price":
		in.Price, perr = crm.ParseMoney(txt)
	case "norm":
		in.Norm, perr = crm.ParseQty(txt)
	case "min":
		in.MinStock = 0
		if txt != "0" && !skipAnswer(txt) {
			in.MinStock, perr = crm.ParseQty(txt)
		}
	case "repeat":
		in.RepeatDays, in.RepeatKm, perr = parseRepeat(txt)
	}
	if perr == nil {
		it, perr = b.crm.UpdateItem(ctx, actorOf(s), d.ItemID, in)
	}
	if perr != nil {
		if msg, ok := workErrorText(r.lang, perr); ok {
			return b.say(ctx, r.chatID, msg, nil)
		}
		if expected(perr) {
			return b.say(ctx, r.chatID, userText(r.lang, perr), nil)
		}
		return fmt.Errorf("update item: %w", perr)
	}
	if err := b.dropWorkDialog(ctx, r); err != nil {
		return err
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.ItemSaved)+"\n\n"+b.itemCard(r.lang, it), b.itemKeyboard(r.lang, s, it, 0))
}

// parseRepeat reads a repeat interval: "365" days, "10000 км", "180 10000" (days and km), or "-".
func parseRepeat(s string) (days, km int, err error) {
	if skipAnswer(s) {
		return 0, 0, nil
	}
	fields := strings.Fields(strings.ToLower(s))
	var nums []int
	isKm := false
	for _, f := range fields {
		switch strings.Trim(f, ".,") {
		case "км", "km":
			isKm = true
			continue
		case "дн", "дней", "день", "дня", "d", "days":
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return 0, 0, fmt.Errorf("repeat %q: %w", s, crm.ErrNotANumber)
		}
		nums = append(nums, n)
	}
	switch {
	case len(nums) == 1 && isKm:
		return 0, nums[0], nil
	case len(nums) == 1:
		return nums[0], 0, nil
	case len(nums) == 2:
		return nums[0], nums[1], nil
	}
	return 0, 0, fmt.Errorf("repeat %q: %w", s, crm.ErrNotANumber)
}
