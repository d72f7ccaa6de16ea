package text

// CommandDescription is the text of a command in Telegram's command menu.
func CommandDescription(l Lang, command string) string {
	d, ok := commandDescriptions[command]
	if !ok {
		d, ok = staffCommandDescriptions[command] // staff.go
	}
	if !ok {
		d, ok = offerCommandDescriptions[command] // offers.go
	}
	if !ok {
		d, ok = reportCommandDescriptions[command] // report.go
	}
	if !ok {
		d, ok = importCommandDescriptions[command] // import.go
	}
	if !ok {
		return command
	}
	if l == EN {
		return d.en
	}
	return d.ru
}

var commandDescriptions = map[string]forms{
	"start":  {"Записаться на ремонт", "Book a repair"},
	"my":     {"Мои заказы", "My orders"},
	"cancel": {"Прервать текущий шаг", "Leave the current step"},
	"help":   {"Что умеет бот", "What the bot can do"},
}
