package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// /new: a manager takes an order for a client who called or walked in: phone, name (skipped for
// a known client), car (a known one or a new one), plate, problem, time. The client need not be
// in Telegram; when they start the bot with the same phone they are linked and see the order.

func (b *Bot) cmdNew(ctx context.Context, r *request) error {
	_, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return err
	}
	d := workDialog{Kind: dlgNewOrder, Step: "phone"}
	if err := b.saveWorkDialog(ctx, r, &d); err != nil {
		return err
	}
	return b.say(ctx, r.chatID, text.T(r.lang, text.NewAskPhone), nil)
}

// newOrderText takes a typed answer of /new.
func (b *Bot) newOrderText(ctx context.Context, r *request, s crm.Staff, d *workDialog, txt string) error {
	if !may(s, crm.ActNewOrder) {
		_ = b.dropWorkDialog(ctx, r)
		return b.say(ctx, r.chatID, text.T(r.lang, text.Forbidden), nil)
	}
	switch d.Step {
	case "phone":
		phone, err := crm.NormalizePhone(txt, b.cfg.Region)
		if err != nil {
			return b.say(ctx, r.chatID, text.T(r.lang, text.PhoneInvalid), nil)
		}
		d.Phone = phone
		c, err := b.crm.ClientByPhone(ctx, phone)
		switch {
		case errors.Is(err, crm.ErrNotFound):
			d.Step = "name"
		case err != nil:
			return fmt.Errorf("look up client: %w", err)
		default:
			d.ClientID, d.Name = c.ID, c.Name
			d.Step = "car"
		}
	case "name":
		if utf8.RuneCountInString(txt) > crm.MaxNameLen {
			return b.newOrderReask(ctx, r, d, text.NameInvalid)
		}
		if looksLikePhone(txt) {
			return b.newOrderReask(ctx, r, d, text.NameIsPhone)
		}
		if txt != "" && !hasLetter(txt) {
			return b.newOrderReask(ctx, r, d, text.NameInvalid)
		}
		d.Name, d.Step = txt, "model"
	case "model":
		if n := utf8.RuneCountInString(txt); n < 2 || n > crm.MaxMakeModelLen {
			return b.newOrderReask(ctx, r, d, text.CarModelInvalid)
		}
		if looksLikePhone(txt) {
			return b.newOrderReask(ctx, r, d, text.ModelIsPhone)
		}
		if !hasLetterOrDigit(txt) {
			return b.newOrderReask(ctx, r, d, text.CarModelInvalid)
		}
		d.Model, d.Step = txt, "plate"
	case "plate":
		d.Plate = ""
		if !skipAnswer(txt) {
			plate := crm.NormalizePlate(txt)
			if n := utf8.RuneCountInString(plate); n < 4 || n > 12 || !lettersAndDigits(plate) {
				// There is no Skip button here: "-" skips (NewAskPlate).
				return b.newOrderReask(ctx, r, d, text.NewPlateInvalid)
			}
			d.Plate = plate
		}
		d.Step = "problem"
	case "problem":
		if utf8.RuneCountInString(txt) > crm.MaxProblemLen || (txt != "" && !hasLetterOrDigit(txt)) {
			return b.say(ctx, r.chatID, text.T(r.lang, text.ProblemInvalid), nil)
		}
		d.Problem, d.Step = txt, "slot"
	default:
		return b.say(ctx, r.chatID, text.T(r.lang, text.UnexpectedInput), nil)
	}
	if err := b.saveWorkDialog(ctx, r, d); err != nil {
		return err
	}
	return b.newOrderAsk(ctx, r, d)
}

// newOrderReask answers a typed answer of /new that cannot be taken: why, and the same question.
func (b *Bot) newOrderReask(ctx context.Context, r *request, d *workDialog, why text.Key) error {
	questions := map[string]text.Key{"name": text.NewAskName, "model": text.AskCarModel, "plate": text.NewAskPlate}
	msg := text.T(r.lang, why)
	if q, ok := questions[d.Step]; ok {
		msg += "\n\n" + text.T(r.lang, q)
	}
	return b.say(ctx, r.chatID, msg, nil)
}

// newOrderAsk asks the question of the dialog's step.
func (b *Bot) newOrderAsk(ctx context.Context, r *request, d *workDialog) error {
	l := r.lang
	at := func(arg string, id int64) callback {
		return callback{Action: actNewOrder, ID: id, Version: d.Nonce, Arg: arg}
	}
	switch d.Step {
	case "name":
		return b.say(ctx, r.chatID, text.T(l, text.NewAskName), nil)
	case "car":
		cars, err := b.crm.Vehicles(ctx, d.ClientID)
		if err != nil {
			return fmt.Errorf("list cars: %w", err)
		}
		if len(cars) == 0 {
			d.Step = "model"
			if err := b.saveWorkDialog(ctx, r, d); err != nil {
				return err
			}
			return b.newOrderAsk(ctx, r, d)
		}
		var rows [][]tgbotapi.InlineKeyboardButton
		for _, v := range cars {
			rows = append(rows, []tgbotapi.InlineKeyboardButton{button(label(vehicleLabel(v)), at("car", v.ID))})
		}
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.AnotherCar), at("car", 0))})
		return b.say(ctx, r.chatID, text.T(l, text.NewKnownClient, esc(d.Name))+"\n"+text.T(l, text.AskCarPick), inline(rows...))
	case "model":
		return b.say(ctx, r.chatID, text.T(l, text.AskCarModel), nil)
	case "plate":
		return b.say(ctx, r.chatID, text.T(l, text.NewAskPlate), nil)
	case "problem":
		return b.say(ctx, r.chatID, text.T(l, text.NewAskProblem), nil)
	case "slot":
		now := b.cfg.Now()
		taken, err := b.crm.BookedSlots(ctx, now, now.AddDate(0, 0, slotDays+1))
		if err != nil {
			return fmt.Errorf("list booked slots: %w", err)
		}
		var buttons []tgbotapi.InlineKeyboardButton
		for _, s := range b.cfg.Hours.Slots(now, b.cfg.Location, slotDays, taken, time.Hour, slotsShown) {
			buttons = append(buttons, button(slotLabel(l, s.In(b.cfg.Location)), at("slot", s.Unix())))
		}
		rows := chunk(buttons, 2)
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.NewNoSlot), at("noslot", 0))})
		return b.say(ctx, r.chatID, text.T(l, text.AskSlot), inline(rows...))
	case "confirm":
		car := esc(d.Model)
		if d.VehicleID != 0 {
			car = esc(d.Model) // the known car's label, kept in Model
		}
		if d.Plate != "" {
			car += " · " + esc(d.Plate)
		}
		html := text.T(l, text.NewSummary, esc(d.Name), esc(d.Phone), car, short(d.Problem, 600), b.slotText(l, d.Slot))
		kb := inline([]tgbotapi.InlineKeyboardButton{button(text.T(l, text.Confirm), at("ok", 0)), button(text.T(l, text.Cancel), at("no", 0))})
		return b.say(ctx, r.chatID, html, kb)
	}
	return fmt.Errorf("/new at unknown step %q", d.Step)
}

// newOrderArgStep is the step of /new each button kind is shown at: a button is tied to its
// step, and one pressed after the dialog moved on is out of date.
var newOrderArgStep = map[string]string{"car": "car", "slot": "slot", "noslot": "slot", "ok": "confirm", "no": "confirm"}

// onNewOrder takes the buttons of /new: a car, a slot, confirm or cancel.
func (b *Bot) onNewOrder(ctx context.Context, r *request) error {
	s, ok, err := b.staffButtonMay(ctx, r, crm.ActNewOrder, text.Forbidden)
	if !ok {
		return err
	}
	d, ok, err := b.dialogButton(ctx, r, dlgNewOrder)
	if !ok {
		return err
	}
	// Take the buttons off the answered question.
	clear := func() { b.takeButtons(ctx, r) }
	// stale answers a button of a step the dialog has left (or a car or time
	// no longer offered): its buttons go, and the current question is asked.
	stale := func() error {
		b.answer(ctx, r, text.T(r.lang, text.OutOfDate), false)
		clear()
		return b.newOrderAsk(ctx, r, &d)
	}
	if newOrderArgStep[r.data.Arg] != d.Step {
		return stale()
	}
	switch r.data.Arg {
	case "car":
		if r.data.ID == 0 {
			d.Step = "model"
			break
		}
		cars, err := b.crm.Vehicles(ctx, d.ClientID)
		if err != nil {
			return fmt.Errorf("list cars: %w", err)
		}
		found := false
		for _, v := range cars {
			if v.ID == r.data.ID { // only this client's car, whatever the button said
				d.VehicleID, d.Model, d.Plate, found = v.ID, strings.TrimSpace(v.Make+" "+v.Model), v.Plate, true
			}
		}
		if !found {
			return stale()
		}
		d.Step = "problem"
	case "slot", "noslot":
		d.Slot = 0
		if r.data.Arg == "slot" {
			now := b.cfg.Now()
			taken, err := b.crm.BookedSlots(ctx, now, now.AddDate(0, 0, slotDays+1))
			if err != nil {
				return fmt.Errorf("list booked slots: %w", err)
			}
			ok := false
			for _, sl := range b.cfg.Hours.Slots(now, b.cfg.Location, slotDays, taken, time.Hour, 1000) {
				ok = ok || sl.Unix() == r.data.ID
			}
			if !ok {
				return stale()
			}
			d.Slot = r.data.ID
		}
		d.Step = "confirm"
	case "no":
		b.answer(ctx, r, "", false)
		clear()
		if err := b.dropWorkDialog(ctx, r); err != nil {
			return err
		}
		return b.say(ctx, r.chatID, text.T(r.lang, text.WorkCancelled), nil)
	case "ok":
		return b.createManagerOrder(ctx, r, s, &d)
	}
	b.answer(ctx, r, "", false)
	clear()
	if err := b.saveWorkDialog(ctx, r, &d); err != nil {
		return err
	}
	return b.newOrderAsk(ctx, r, &d)
}

func (b *Bot) createManagerOrder(ctx context.Context, r *request, s crm.Staff, d *workDialog) error {
	req := crm.ManagerOrderRequest{Phone: d.Phone, ClientName: d.Name, VehicleID: d.VehicleID, Problem: d.Problem}
	if d.VehicleID == 0 {
		mk, model, _ := strings.Cut(strings.TrimSpace(d.Model), " ")
		req.NewVehicle = crm.NewVehicle{Make: mk, Model: strings.TrimSpace(model), Plate: d.Plate}
	}
	if d.Slot != 0 {
		req.Slot = time.Unix(d.Slot, 0)
	}
	card, err := b.crm.CreateOrder(ctx, actorOf(s), req)
	if errors.Is(err, crm.ErrSlotTaken) {
		// A client booked that time since it was picked: pick another.
		b.answer(ctx, r, text.T(r.lang, text.SlotTaken), true)
		d.Step, d.Slot = "slot", 0
		if err := b.saveWorkDialog(ctx, r, d); err != nil {
			return err
		}
		return b.newOrderAsk(ctx, r, d)
	}
	if err != nil {
		return fmt.Errorf("create order: %w", err)
	}
	b.answer(ctx, r, text.T(r.lang, text.Done), false)
	b.wakeSender()
	if err := b.dropWorkDialog(ctx, r); err != nil {
		return err
	}
	html := text.T(r.lang, text.NewCreated, card.Order.Number) + "\n\n" + b.staffCard(r.lang, card)
	return b.editPressed(ctx, r, html, b.keyboardFor(r, s, card))
}

// linkKnownClient links a client the shop created without Telegram (a manager's order, an
// import) to the user who just gave the same phone at the first step of booking: they see their
// orders at once and get notices from now on. linked is false when there is no such client.
func (b *Bot) linkKnownClient(ctx context.Context, r *request, phone string) (linked bool, err error) {
	if r.conv.Known {
		return false, nil
	}
	c, err := b.crm.LinkClientByPhone(ctx, r.userID, r.chatID, phone, string(r.lang))
	if errors.Is(err, crm.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("link client by phone: %w", err)
	}
	orders, err := b.crm.ClientOrders(ctx, c.ID, myOrdersShown)
	if err != nil {
		return false, fmt.Errorf("list client orders: %w", err)
	}
	r.conv = conversation{Nonce: newNonce(), Step: stepMenu, Seq: 1, LeadSource: r.conv.LeadSource, Known: true, Phone: c.Phone, PhoneVerified: true, Name: c.Name}
	if err := b.saveConversation(ctx, r); err != nil {
		return false, err
	}
	// A client the shop imported may have no orders yet: they are greeted as known, not told of
	// orders there are none of.
	greeting := text.LinkedGreeting
	if len(orders) == 0 {
		greeting = text.LinkedNoOrders
	}
	lines := []string{text.T(r.lang, greeting)}
	for _, o := range orders {
		lines = append(lines, b.orderLine(r.lang, o))
	}
	html := strings.Join(lines, "\n") + "\n\n" + text.T(r.lang, text.GreetingKnown, esc(c.Name))
	// Take the contact keyboard away with the answer, then offer the menu.
	if err := b.say(ctx, r.chatID, html, tgbotapi.NewRemoveKeyboard(false)); err != nil {
		return false, err
	}
	return true, b.say(ctx, r.chatID, text.T(r.lang, text.MenuPrompt), b.menuKeyboard(r))
}
