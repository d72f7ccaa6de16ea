package bot

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/uniflow-crm/uniflow/bot/text"
)

// Personal-data consent (152-FZ) rides on the booking summary: "By pressing Confirm you agree…".
// Asking it as a step of its own would cost every first booking a round trip; pressing Confirm
// under the text is the consent, and the booking records it (crm.BookingRequest.ConsentVersion).

// consentText is the consent line shown under the summary, as HTML: CONSENT_TEXT when the shop
// set one (the same for all languages), else the built-in Russian or English text.
func (b *Bot) consentText(l text.Lang) string {
	if b.cfg.ConsentText != "" {
		return esc(b.cfg.ConsentText)
	}
	return text.T(l, text.ConsentNote)
}

// consentVersion names the text the client agreed to: a hash of exactly what they were shown,
// so a changed text is a new version without anyone numbering them.
func (b *Bot) consentVersion(l text.Lang) string {
	h := sha256.Sum256([]byte(b.consentText(l)))
	return string(l) + "-" + hex.EncodeToString(h[:8])
}
