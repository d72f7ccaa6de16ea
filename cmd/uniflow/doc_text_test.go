package main

import (
	"bytes"
	"testing"

	"github.com/uniflow-crm/uniflow/tgemu"
)

// An order whose name, car and problem hold emoji, a ZWJ family, Chinese and Hebrew still gets
// its papers on /doc, rather than "something went wrong".
func TestDocOfOrderWithEmoji(t *testing.T) {
	t.Parallel()
	s := newWorkShop(t, nil)
	h := s.h
	client := h.emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"})
	h.book(client, langs[0], "+79120000101", "Иван 🙂 王", "Kia Rio 🚗", "Тормоза скрипят 🛑 👨\u200d👩\u200d👧 שלום")
	h.next(s.manager.Chat(), 0, "Новая заявка")
	wo := s.say(s.manager, "/doc 1001", "Заказ №1001: заказ-наряд")
	if data, ok := h.emu.FileData(wo.FileID); !ok || !bytes.HasPrefix(data, []byte("%PDF-1.")) {
		t.Errorf("/doc sent no PDF")
	}
	h.noRejections()
}
