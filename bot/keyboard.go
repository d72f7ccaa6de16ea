package bot

import (
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/crm"
)

func button(label string, c callback) tgbotapi.InlineKeyboardButton {
	return tgbotapi.NewInlineKeyboardButtonData(label, c.encode())
}

// inline builds a keyboard from rows, dropping empty rows: Telegram refuses
// an inline keyboard with no buttons at all, so nil means "no keyboard".
func inline(rows ...[]tgbotapi.InlineKeyboardButton) *tgbotapi.InlineKeyboardMarkup {
	var kept [][]tgbotapi.InlineKeyboardButton
	for _, row := range rows {
		if len(row) > 0 {
			kept = append(kept, row)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: kept}
}

// chunk lays buttons out n to a row.
func chunk(buttons []tgbotapi.InlineKeyboardButton, n int) [][]tgbotapi.InlineKeyboardButton {
	var rows [][]tgbotapi.InlineKeyboardButton
	for len(buttons) > n {
		rows = append(rows, buttons[:n])
		buttons = buttons[n:]
	}
	if len(buttons) > 0 {
		rows = append(rows, buttons)
	}
	return rows
}

// maxLabel keeps button labels readable on a phone; a longer one is cut.
const maxLabel = 40

// label shortens a button label built from user data.
func label(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxLabel {
		return string(r[:maxLabel-1]) + "…"
	}
	return s
}

// staffLabel names a staff member on a button; Telegram refuses empty labels.
func staffLabel(s crm.Staff) string {
	if strings.TrimSpace(s.Name) == "" {
		return "#" + strconv.FormatInt(s.TelegramUserID, 10)
	}
	return label(s.Name)
}

func formatID(id int64) string { return strconv.FormatInt(id, 36) }

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 36, 64)
	if err != nil || id <= 0 {
		return 0, errBadCallback
	}
	return id, nil
}
