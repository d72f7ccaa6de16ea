package bot

import (
	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// A client who used /forget_me keeps their orders but no name and only a placeholder phone
// (+999…, unique): staff views say the data was erased instead of showing an empty name and a
// phone nobody can call. Both return plain text, to be escaped like the fields they stand for.

func clientName(l text.Lang, c crm.Client) string {
	if c.Erased() {
		return text.T(l, text.DataErased)
	}
	return c.Name
}

func clientPhone(l text.Lang, c crm.Client) string {
	if c.Erased() {
		return text.T(l, text.DataErased)
	}
	return c.Phone
}
