package bot

import (
	"context"
	"crypto/subtle"
	"strconv"
	"strings"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// The tracked link of an offer: https://t.me/<bot>?start=of<offer id, base 36>_<tag>. A client
// who opens it (from the message, or forwarded to themselves elsewhere) lands in the booking with
// the service filled in, as the Book button does, and the offer counts as opened. The tag is the
// callback sealer's (callback_seal.go) over the offer id, so a link cannot be made up for
// another offer; anything that is not a good link of the sender's own offer is an ordinary
// /start. The payload is at most 2+13+1+11 = 27 characters of [A-Za-z0-9_-], within Telegram's
// 64.

const offerLinkPrefix = "of"

func (b *Bot) offerLinkPayload(offerID int64) string {
	id := strconv.FormatInt(offerID, 36)
	return offerLinkPrefix + id + "_" + string(b.sealer.tag(nil, 0, offerLinkPrefix+id))
}

// offerLink is the offer's tracked link, or "" when the bot's username is unknown.
func (b *Bot) offerLink(offerID int64) string {
	if b.api == nil || b.api.Self.UserName == "" {
		return ""
	}
	return "https://t.me/" + b.api.Self.UserName + "?start=" + b.offerLinkPayload(offerID)
}

// offerOfLink is the offer a /start payload names, when it is a link this bot made.
func (b *Bot) offerOfLink(payload string) (int64, bool) {
	rest, ok := strings.CutPrefix(payload, offerLinkPrefix)
	if !ok {
		return 0, false
	}
	id36, tag, ok := strings.Cut(rest, "_")
	id, err := strconv.ParseInt(id36, 36, 64)
	if !ok || err != nil || id <= 0 || strconv.FormatInt(id, 36) != id36 {
		return 0, false
	}
	want := b.sealer.tag(nil, 0, offerLinkPrefix+id36)
	if subtle.ConstantTimeCompare([]byte(tag), want) != 1 {
		return 0, false
	}
	return id, true
}

// isOfferLink reports whether a /start payload is shaped as an offer link, good or not: a bad
// one is no lead source either.
func isOfferLink(payload string) bool {
	rest, ok := strings.CutPrefix(payload, offerLinkPrefix)
	return ok && strings.Contains(rest, "_")
}

// startFromOfferLink opens the booking of the offer the /start payload links to, when it is a
// good link of the sender's own offer; handled is false otherwise, and /start goes on as usual.
func (b *Bot) startFromOfferLink(ctx context.Context, r *request) (handled bool, err error) {
	id, ok := b.offerOfLink(r.msg.CommandArguments())
	if !ok {
		return false, nil
	}
	o, err := b.crm.OfferOf(ctx, id, r.userID)
	if err != nil {
		b.log.Info("offer link of another client or gone", "user_id", r.userID, "offer_id", id, "err", err)
		return false, nil
	}
	return true, b.bookOffer(ctx, r, o)
}

// offerLinkLine is the line under an offer with its link.
func (b *Bot) offerLinkLine(l text.Lang, o crm.Offer) string {
	link := b.offerLink(o.ID)
	if link == "" {
		return ""
	}
	return "\n\n" + text.T(l, text.OfferLinkLine, link)
}
