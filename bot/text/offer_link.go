package text

// The tracked link under an offer or a campaign message (bot/offer_link.go). Apart from
// offers.go so that flows added side by side do not edit one list; T looks keys up here too.

// Keys of the offer link.
const OfferLinkLine Key = "offer_link_line"

var offerLinkCatalog = map[Key]forms{
	// %s: the link (a URL of [A-Za-z0-9_:/.?=-]).
	OfferLinkLine: {`Или по ссылке: <a href="%[1]s">записаться</a>`, `Or by link: <a href="%[1]s">book</a>`},
}
