package bot

import (
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Cards show user text shortened; the CRM keeps it whole.
const cardProblemLen = 500

func (b *Bot) vehicleText(v crm.Vehicle) string {
	return esc(vehicleLabel(v))
}

func (b *Bot) slotOf(l text.Lang, o crm.Order) string {
	if o.Slot == nil {
		return text.T(l, text.NoTime)
	}
	return slotLabel(l, o.Slot.In(b.cfg.Location))
}

func (b *Bot) problemText(l text.Lang, o crm.Order) string {
	s := short(o.Problem, cardProblemLen)
	if o.PhotoFileID != "" {
		s += text.T(l, text.PhotoAttached)
	}
	return s
}

// clientCard is the order as its client sees it.
func (b *Bot) clientCard(l text.Lang, c crm.OrderCard) string {
	s := text.T(l, text.ClientCard, c.Order.Number, text.StatusName(l, string(c.Order.Status)),
		b.vehicleText(c.Vehicle), b.problemText(l, c.Order), b.slotOf(l, c.Order))
	if c.Order.Status == crm.StatusNew {
		s += text.T(l, text.ClientCardPending)
	}
	return s
}

// staffCard is the order as staff see it.
func (b *Bot) staffCard(l text.Lang, c crm.OrderCard) string {
	s := text.T(l, text.StaffCard, c.Order.Number, text.StatusName(l, string(c.Order.Status)),
		esc(clientName(l, c.Client)), esc(clientPhone(l, c.Client)), b.vehicleText(c.Vehicle), b.problemText(l, c.Order),
		b.slotOf(l, c.Order), esc(c.Order.LeadSource))
	mech := text.T(l, text.NoMechanic)
	if c.Mechanic != nil {
		mech = esc(staffLabel(*c.Mechanic))
	}
	return s + text.T(l, text.StaffCardMechanic, mech) + b.unreachableNote(l, c.Client)
}

// staffKeyboard offers only what the state machine allows from here. Every
// button carries the order id and version; the server checks both again.
func staffKeyboard(l text.Lang, c crm.OrderCard, manager bool) *tgbotapi.InlineKeyboardMarkup {
	o := c.Order
	ver := int64(o.Version)
	at := func(a action, arg string) callback { return callback{Action: a, ID: o.ID, Version: ver, Arg: arg} }
	var moves []tgbotapi.InlineKeyboardButton
	var top []tgbotapi.InlineKeyboardButton
	if o.Status == crm.StatusNew {
		top = append(top, button(text.T(l, text.Take), at(actTake, "")))
	}
	if manager && !o.Status.Terminal() && o.Status != crm.StatusDelivered {
		top = append(top, button(text.T(l, text.Assign), at(actAssignMenu, "")))
	}
	if o.Status != crm.StatusNew {
		for _, s := range crm.NextStatuses(o.Status) {
			if !manager && s == crm.StatusCancelled {
				continue // mechanics do not cancel a client's order
			}
			if s == crm.StatusEstimate {
				continue // estimates are priced by managers in their own flow
			}
			moves = append(moves, button(text.StatusAction(l, string(s)), at(actStatus, string(s))))
		}
	} else if manager {
		moves = append(moves, button(text.StatusAction(l, "cancelled"), at(actStatus, "cancelled")))
	}
	rows := [][]tgbotapi.InlineKeyboardButton{top}
	rows = append(rows, chunk(moves, 2)...)
	if o.Status != crm.StatusNew && o.Status != crm.StatusCancelled {
		// Lines, estimate, payments and papers: order_lines.go.
		rows = append(rows, []tgbotapi.InlineKeyboardButton{button(text.T(l, text.WorkButton), at(actWork, ""))})
	}
	return inline(rows...)
}

// orderLine is one order in a list.
func (b *Bot) orderLine(l text.Lang, c crm.OrderCard) string {
	return text.T(l, text.OrderLine, c.Order.Number, text.StatusName(l, string(c.Order.Status)),
		b.vehicleText(c.Vehicle), b.slotOf(l, c.Order))
}

func dateText(t time.Time) string { return t.Format("02.01.2006") }

func numbers(l text.Lang, ns []int64) string {
	sign := "№"
	if l == text.EN {
		sign = "No. "
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = sign + strconv.FormatInt(n, 10)
	}
	return strings.Join(parts, ", ")
}
