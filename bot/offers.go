package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// Offers and feedback (issue 7, items 2 and 5): the messages the scheduler enqueues, and their
// buttons. Every press is checked against the CRM: the offer or order must be the presser's own.

// Actions of offers, feedback and the digest. Two letters, apart from the one-letter codes of
// the other flows.
const (
	actOfferBook  action = "ob" // ID: offer: book the offered service
	actOfferUnsub action = "ou" // ID: offer: clear the marketing consent
	actRate       action = "fr" // ID: order, Arg: rating 1..5
	actDigestOpen action = "dx" // ID: order (Arg "o") or catalog item (Arg "i") from the digest
	actCampaign   action = "cg" // Version: the dialog's nonce, Arg: the step (campaign.go)
	actSubscribe  action = "os" // the client agrees to offers (under a rating)
)

// renderOffers renders the kinds of this file; ok is false for other kinds.
func (b *Bot) renderOffers(ctx context.Context, l text.Lang, m crm.OutboxMessage) (rendered, bool, error) {
	switch m.Kind {
	case crm.KindOffer:
		var d crm.OfferData
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return rendered{}, true, fmt.Errorf("decode offer: %w", err)
		}
		o, err := b.crm.Offer(ctx, d.OfferID)
		if err != nil {
			return rendered{}, true, fmt.Errorf("load offer: %w", err)
		}
		// Checked again at send time: the message may have waited out quiet hours.
		if !o.ClientConsent || (o.ClientOpenOrder && o.Kind != crm.OfferCampaign) {
			return rendered{}, true, fmt.Errorf("offer %d: client unsubscribed or has an open order: %w", o.ID, errObsolete)
		}
		return rendered{parts: textParts(offerText(l, o)+b.offerLinkLine(l, o), offerKeyboard(l, o.ID))}, true, nil
	case crm.KindFeedbackAsk:
		card, err := b.orderOf(ctx, m)
		if err != nil {
			return rendered{}, true, err
		}
		if _, err := b.crm.OrderRating(ctx, card.Order.ID); err == nil {
			return rendered{}, true, fmt.Errorf("order %d is rated: %w", card.Order.Number, errObsolete)
		}
		return rendered{parts: textParts(text.T(l, text.FeedbackAsk, card.Order.Number), ratingKeyboard(card.Order.ID))}, true, nil
	case crm.KindFeedbackAlert:
		var d crm.FeedbackAlertData
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return rendered{}, true, fmt.Errorf("decode feedback alert: %w", err)
		}
		var kb any
		if m.OrderID != nil {
			kb = inline([]tgbotapi.InlineKeyboardButton{button(text.T(l, text.DigestOrderBtn, d.Number),
				callback{Action: actDigestOpen, ID: *m.OrderID, Arg: "o"})})
		}
		return rendered{parts: textParts(text.T(l, text.FeedbackAlert, d.Number, d.Rating), kb)}, true, nil
	}
	return rendered{}, false, nil
}

// offerText is what an offer says: why it is due, for which car.
func offerText(l text.Lang, o crm.Offer) string {
	var html string
	switch {
	case o.Kind == crm.OfferCampaign:
		html = text.T(l, text.OfferCampaign, esc(o.CampaignMessage))
	case o.Kind == crm.OfferDeferred:
		html = text.T(l, text.OfferDeferred, esc(o.Title))
	case o.DueBy == "km" && o.SinceKM != nil:
		html = text.T(l, text.OfferRepeatKM, esc(o.Title), kmText(*o.SinceKM))
	default:
		days := 0
		if o.SinceDays != nil {
			days = *o.SinceDays
		}
		html = text.T(l, text.OfferRepeatDays, esc(o.Title), text.SinceDays(l, days))
	}
	if o.Kind != crm.OfferCampaign && o.VehicleLabel != "" {
		html += text.T(l, text.OfferCar, esc(o.VehicleLabel))
	}
	return html
}

// kmText groups thousands with a thin space: 10 000.
func kmText(km int) string {
	s := strconv.Itoa(km)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "\u202f" + s[i:]
	}
	return s
}

func offerKeyboard(l text.Lang, offerID int64) *tgbotapi.InlineKeyboardMarkup {
	return inline(
		[]tgbotapi.InlineKeyboardButton{button(text.T(l, text.OfferBookButton), callback{Action: actOfferBook, ID: offerID})},
		[]tgbotapi.InlineKeyboardButton{button(text.T(l, text.OfferUnsubButton), callback{Action: actOfferUnsub, ID: offerID})},
	)
}

func ratingKeyboard(orderID int64) *tgbotapi.InlineKeyboardMarkup {
	row := make([]tgbotapi.InlineKeyboardButton, 0, 5)
	for r := 1; r <= 5; r++ {
		row = append(row, button(strconv.Itoa(r), callback{Action: actRate, ID: orderID, Arg: strconv.Itoa(r)}))
	}
	return inline(row)
}

// onOfferBook opens the booking dialog for the offered service: the client's car and the
// service as the problem already filled in, so the next question is the time; the order it
// makes carries the offer as its lead source (conversion, RecordOfferConversion).
func (b *Bot) onOfferBook(ctx context.Context, r *request) error {
	o, ok, err := b.ownOffer(ctx, r)
	if !ok {
		return err
	}
	return b.bookOffer(ctx, r, o)
}

// bookOffer opens the booking of the client's own offer o: from its Book button or its tracked
// link (offer_link.go).
func (b *Bot) bookOffer(ctx context.Context, r *request, o crm.Offer) error {
	if err := b.crm.MarkOfferOpened(ctx, o.ID); err != nil { // the report's "opened"
		return err
	}
	if o.ConvertedOrderID != nil {
		// One offer, one booking: a second one would be counted as the offer's too. Another
		// visit is booked the usual way, from /start.
		card, err := b.crm.OrderCard(ctx, *o.ConvertedOrderID)
		if err != nil {
			return fmt.Errorf("load order %d the offer converted to: %w", *o.ConvertedOrderID, err)
		}
		if r.cb == nil { // the link: no button to answer
			return b.say(ctx, r.chatID, text.OfferAlreadyBooked(r.lang, card.Order.Number), nil)
		}
		b.answer(ctx, r, text.OfferAlreadyBooked(r.lang, card.Order.Number), true)
		return nil
	}
	client, err := b.crm.ClientByTelegramID(ctx, r.userID)
	if err != nil {
		return fmt.Errorf("look up client: %w", err)
	}
	b.answer(ctx, r, "", false)
	r.conv = conversation{Nonce: newNonce(), Step: stepCarPick, LeadSource: crm.OfferLeadSource(o.ID),
		Known: true, Phone: client.Phone, PhoneVerified: true, Name: client.Name, Problem: o.Title}
	if o.VehicleID != nil {
		cars, err := b.crm.Vehicles(ctx, client.ID)
		if err != nil {
			return fmt.Errorf("list cars: %w", err)
		}
		for _, v := range cars {
			if v.ID == *o.VehicleID {
				r.conv.VehicleID, r.conv.VehicleLabel = v.ID, vehicleLabel(v)
				r.conv.Step = stepProblem
			}
		}
	}
	if r.conv.Step == stepProblem && r.conv.Problem != "" {
		r.conv.Step = stepSlot
	}
	note := ""
	if o.Title != "" {
		note = text.T(r.lang, text.OfferBookingFor, esc(o.Title))
	}
	return b.reask(ctx, r, note)
}

// onOfferUnsub clears the marketing consent of the offer's client.
func (b *Bot) onOfferUnsub(ctx context.Context, r *request) error {
	if _, ok, err := b.ownOffer(ctx, r); !ok {
		return err
	}
	changed, err := b.crm.Unsubscribe(ctx, r.data.ID, r.userID)
	if err != nil {
		return err
	}
	b.answer(ctx, r, "", false)
	msg := text.T(r.lang, text.Unsubscribed)
	if !changed {
		msg = text.T(r.lang, text.UnsubscribedAlready)
	}
	return b.say(ctx, r.chatID, msg, nil)
}

// ownOffer loads the pressed offer if it is the presser's own; ok is false (the press answered)
// otherwise.
func (b *Bot) ownOffer(ctx context.Context, r *request) (crm.Offer, bool, error) {
	o, err := b.crm.OfferOf(ctx, r.data.ID, r.userID)
	if errors.Is(err, crm.ErrForbidden) || errors.Is(err, crm.ErrNotFound) {
		b.log.Warn("offer button of another client", "user_id", r.userID, "offer_id", r.data.ID)
		b.answer(ctx, r, text.T(r.lang, text.OfferGone), true)
		return crm.Offer{}, false, nil
	}
	if err != nil {
		return crm.Offer{}, false, err
	}
	return o, true, nil
}

// onRate records the client's rating of a delivered order, once; a second press is told the
// first one stands. A low rating alerts the owners (RateOrder enqueues it).
func (b *Bot) onRate(ctx context.Context, r *request) error {
	rating, err := strconv.Atoi(r.data.Arg)
	if err != nil || rating < 1 || rating > 5 {
		b.answer(ctx, r, text.T(r.lang, text.ButtonInvalid), false)
		return nil
	}
	recorded, err := b.crm.RateOrder(ctx, r.userID, r.data.ID, rating)
	if errors.Is(err, crm.ErrForbidden) || errors.Is(err, crm.ErrNotFound) || errors.Is(err, crm.ErrInvalidInput) {
		b.answer(ctx, r, text.T(r.lang, text.ButtonInvalid), true)
		return nil
	}
	if err != nil {
		return err
	}
	number := int64(0)
	if card, err := b.crm.OrderCard(ctx, r.data.ID); err == nil {
		number = card.Order.Number
	}
	if !recorded {
		// Alert only: the message holds the first rating with its thanks or apology, which a
		// repeated tap must not rewrite.
		b.answer(ctx, r, text.T(r.lang, text.FeedbackAlready), true)
		return nil
	}
	thanks := text.T(r.lang, text.FeedbackThanks)
	if rating <= crm.LowRating {
		thanks = text.T(r.lang, text.FeedbackSorry)
		b.wakeSender() // the owners' alert
	}
	b.answer(ctx, r, text.T(r.lang, text.FeedbackThanks), false)
	html := text.T(r.lang, text.FeedbackRecorded, number, rating) + "\n" + thanks
	// The moment a client has just been served is the one to ask whether they want reminders of
	// the next service: offers go only to those who said yes.
	var kb *tgbotapi.InlineKeyboardMarkup
	if consent, err := b.crm.MarketingConsent(ctx, r.userID); err == nil && !consent && rating > crm.LowRating {
		html += "\n\n" + text.T(r.lang, text.ConsentAsk)
		kb = inline([]tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.ConsentButton), callback{Action: actSubscribe})})
	}
	return b.editPressed(ctx, r, html, kb)
}

// subscribedText confirms a yes to offers with the shop's real gap between them (OFFER_GAP_DAYS).
func (b *Bot) subscribedText(l text.Lang) string {
	return text.T(l, text.Subscribed, text.AtMostOnceIn(l, b.crm.OfferGapDays()))
}

// onSubscribe records the client's yes to offers (marketing; booking reminders are service
// messages and need no consent).
func (b *Bot) onSubscribe(ctx context.Context, r *request) error {
	err := b.crm.SetMarketingConsent(ctx, r.userID, true)
	if errors.Is(err, crm.ErrNotFound) {
		b.answer(ctx, r, text.T(r.lang, text.SubscribeFirst), true)
		return nil
	}
	if err != nil {
		return err
	}
	b.answer(ctx, r, "", false)
	b.takeButtons(ctx, r)
	return b.say(ctx, r.chatID, b.subscribedText(r.lang), nil)
}

// cmdSubscribe and cmdUnsubscribe set the client's marketing consent.
func (b *Bot) cmdSubscribe(ctx context.Context, r *request) error { return b.setConsent(ctx, r, true) }
func (b *Bot) cmdUnsubscribe(ctx context.Context, r *request) error {
	return b.setConsent(ctx, r, false)
}

func (b *Bot) setConsent(ctx context.Context, r *request, consent bool) error {
	if !r.private {
		return nil
	}
	err := b.crm.SetMarketingConsent(ctx, r.userID, consent)
	if errors.Is(err, crm.ErrNotFound) {
		return b.sayThenReask(ctx, r, text.T(r.lang, text.SubscribeFirst))
	}
	if err != nil {
		return err
	}
	msg := b.subscribedText(r.lang)
	if !consent {
		msg = text.T(r.lang, text.Unsubscribed)
	}
	return b.sayThenReask(ctx, r, msg)
}

// onDigestOpen opens what a digest line (or a low-rating alert) is about, as a new message so
// the digest stays: the order's work view, or the part's card.
func (b *Bot) onDigestOpen(ctx context.Context, r *request) error {
	s, ok, err := b.staffButton(ctx, r)
	if !ok {
		return err
	}
	switch r.data.Arg {
	case "o":
		if _, err := b.loadWork(ctx, s, r.data.ID); err != nil {
			b.answer(ctx, r, text.T(r.lang, text.DigestGone), false)
			return nil
		}
		b.answer(ctx, r, "", false)
		return b.sayWork(ctx, r, s, r.data.ID, "")
	case "i":
		it, err := b.crm.Item(ctx, r.data.ID)
		if err != nil {
			b.answer(ctx, r, text.T(r.lang, text.DigestGone), false)
			return nil
		}
		b.answer(ctx, r, "", false)
		var kb any
		if may(s, crm.ActStock) && it.Kind == crm.ItemPart {
			kb = inline([]tgbotapi.InlineKeyboardButton{button(text.T(r.lang, text.ReceiveButton), callback{Action: actReceiveItem, ID: it.ID})})
		}
		return b.say(ctx, r.chatID, b.itemCard(r.lang, it), kb)
	}
	b.answer(ctx, r, text.T(r.lang, text.ButtonInvalid), false)
	return nil
}
