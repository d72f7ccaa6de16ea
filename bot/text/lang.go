// Package text holds every user-visible bot string in Russian and English,
// the plural rules, and the choice of language from Telegram's language_code.
package text

import "strings"

// Lang is a catalog language.
type Lang string

const (
	RU Lang = "ru"
	EN Lang = "en"
)

// FromCode picks the catalog for a Telegram language_code. Russian is the
// default: the shops we serve are Russian-speaking and most clients' phones
// report "ru", while an absent code says nothing about the user.
func FromCode(code string) Lang {
	if strings.HasPrefix(strings.ToLower(code), "en") {
		return EN
	}
	return RU
}

// Parse turns a stored language back into a Lang, defaulting to Russian.
func Parse(s string) Lang {
	if s == string(EN) {
		return EN
	}
	return RU
}
