package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// The scripted story that `uniflow demo` plays and the end-to-end tests
// check: a client books in the chat, the manager assigns a mechanic, the
// mechanic works the order, the client is told at every step.

// storyWait bounds each wait for the bot; a healthy run answers in
// milliseconds.
const storyWait = 15 * time.Second

// cast are the people of the story.
type cast struct {
	owner, mechanic, manager, client *tgemu.User
	group                            *tgemu.Chat
}

func newCast(emu *tgemu.Server) cast {
	return cast{
		owner:    emu.NewUser(tgemu.UserOptions{FirstName: "Ольга", Username: "olga_owner", LanguageCode: "ru"}),
		mechanic: emu.NewUser(tgemu.UserOptions{FirstName: "Пётр", LanguageCode: "ru"}),
		manager:  emu.NewUser(tgemu.UserOptions{FirstName: "Мария", LanguageCode: "ru"}),
		client:   emu.NewUser(tgemu.UserOptions{FirstName: "Иван", LanguageCode: "ru"}),
		group:    emu.NewGroup("Staff", true),
	}
}

// env is what the program needs to know of the cast.
func (c cast) env() map[string]string {
	return map[string]string{
		"OWNER_TELEGRAM_IDS": strconv.FormatInt(c.owner.ID(), 10),
		"STAFF_CHAT_ID":      strconv.FormatInt(c.group.ID(), 10),
	}
}

func (c cast) chats() []*tgemu.Chat {
	return []*tgemu.Chat{c.client.Chat(), c.group, c.manager.Chat(), c.mechanic.Chat(), c.owner.Chat()}
}

// script drives the cast against the emulator. The first failure sticks:
// later steps do nothing, so the story reads as a list of steps, and the
// error says which step failed.
type script struct {
	emu *tgemu.Server
	err error
}

func (s *script) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf(format, args...)
	}
}

// next waits for a bot message in c newer than after that holds substr.
func (s *script) next(c *tgemu.Chat, after int, substr string) tgemu.Message {
	if s.err != nil {
		return tgemu.Message{}
	}
	m, err := c.Await(storyWait, func(m tgemu.Message) bool {
		return m.ID > after && strings.Contains(m.Text+m.Caption, substr)
	})
	if err != nil {
		s.fail("waiting for %q in chat %d: %w", substr, c.ID(), err)
	}
	return m
}

// card waits until message id in c reads substr, after an edit.
func (s *script) card(c *tgemu.Chat, id int, substr string) tgemu.Message {
	if s.err != nil {
		return tgemu.Message{}
	}
	m, err := c.Await(storyWait, func(m tgemu.Message) bool {
		return m.ID == id && strings.Contains(m.Text, substr)
	})
	if err != nil {
		s.fail("waiting for message %d in chat %d to read %q: %w", id, c.ID(), substr, err)
	}
	return m
}

func (s *script) press(u *tgemu.User, m tgemu.Message, label string) string {
	if s.err != nil {
		return ""
	}
	id, err := u.Press(m, label)
	if err != nil {
		s.fail("press %q: %w", label, err)
	}
	return id
}

func (s *script) pressData(u *tgemu.User, m tgemu.Message, data string) tgemu.CallbackAnswer {
	if s.err != nil {
		return tgemu.CallbackAnswer{}
	}
	id, err := u.PressData(m, data)
	if err != nil {
		s.fail("press %q: %w", data, err)
		return tgemu.CallbackAnswer{}
	}
	a, err := s.emu.AwaitAnswer(storyWait, id)
	if err != nil {
		s.fail("answer to %q: %w", data, err)
	}
	return a
}

func (s *script) step(do func() error) {
	if s.err == nil {
		if err := do(); err != nil {
			s.fail("%w", err)
		}
	}
}

// lastID is the id of the newest message in c, to wait for newer ones.
func lastID(c *tgemu.Chat) int {
	ms := c.Messages()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].ID
}

func dataOf(m tgemu.Message, label string) string {
	for _, row := range m.Inline {
		for _, b := range row {
			if strings.Contains(b.Text, label) {
				return b.CallbackData
			}
		}
	}
	return ""
}

// storyResult is what the story saw that a test wants to check.
type storyResult struct {
	summary, booked     tgemu.Message
	doubleTap           tgemu.CallbackAnswer
	ownerSummary        tgemu.Message
	clientCardAfterDone tgemu.Message
	groupCardAfterDone  tgemu.Message
}

// playStory plays the whole story; between runs between steps (a restart
// in the tests, nothing in the demo). enqueueSummary stands in for the
// 20:00 cron, which a story cannot wait for.
func playStory(emu *tgemu.Server, c cast, between func() error, enqueueSummary func() error) (storyResult, error) {
	s := &script{emu: emu}
	var res storyResult
	pause := func() { s.step(between) }

	// The owner invites staff; each opens the bot by the link.
	hire := func(who *tgemu.User, role string) {
		oc := c.owner.Chat()
		after := lastID(oc)
		s.step(func() error { c.owner.Send("/invite " + role); return nil })
		token := inviteTokenIn(s.next(oc, after, "start="+crm.InvitePrefix).Text)
		wafter := lastID(who.Chat())
		s.step(func() error { who.Start(crm.InvitePrefix + token); return nil })
		s.next(who.Chat(), wafter, "/queue")
	}
	hire(c.mechanic, "mechanic")
	hire(c.manager, "manager")
	s.step(func() error { c.mechanic.Send("/help"); return nil })
	s.next(c.mechanic.Chat(), lastID(c.mechanic.Chat()), "/queue")
	s.step(func() error { c.manager.Send("/help"); return nil })
	s.next(c.manager.Chat(), lastID(c.manager.Chat()), "/queue")
	pause()

	// The client books, tripping over a bad phone on the way.
	cc := c.client.Chat()
	say := func(text, expect string) {
		after := lastID(cc)
		s.step(func() error { c.client.Send(text); return nil })
		s.next(cc, after, expect)
	}
	s.step(func() error { c.client.Start("src_avito"); return nil })
	s.next(cc, 0, "Поделитесь номером")
	pause()
	say("12", "Не получилось разобрать номер")
	s.step(func() error {
		after := lastID(cc)
		if _, err := c.client.ShareContact("8 912 345-67-89"); err != nil {
			return fmt.Errorf("share contact: %w", err)
		}
		s.next(cc, after, "Как к вам обращаться")
		return nil
	})
	pause()
	say("<b>Иван</b> & Co <3", "Марка и модель")
	say("Kia Rio", "Год выпуска")
	pause()
	say("2017", "Госномер")
	say("а123вс 77", "Опишите, что случилось")
	after := lastID(cc)
	s.step(func() error { c.client.Send("Стучит подвеска спереди справа"); return nil })
	slots := s.next(cc, after, "Выберите удобное время")
	pause()
	if s.err == nil && (len(slots.Inline) == 0 || len(slots.Inline[0]) == 0) {
		s.fail("no slot buttons offered")
	}
	if s.err == nil {
		s.press(c.client, slots, slots.Inline[0][0].Text)
	}
	res.summary = s.next(cc, slots.ID, "Проверьте заявку")
	pause()
	s.press(c.client, res.summary, "Подтвердить")
	res.booked = s.card(cc, res.summary.ID, "№1001")
	pause()

	// The staff group gets the request; the manager assigns the mechanic.
	req := s.next(c.group, 0, "Новая заявка")
	s.press(c.manager, req, "Назначить")
	menu := s.card(c.group, req.ID, "Кому назначить")
	mechLast := lastID(c.mechanic.Chat())
	s.press(c.manager, menu, "Пётр")
	s.card(c.group, req.ID, "Механик: Пётр")
	assigned := s.next(c.mechanic.Chat(), mechLast, "Вам назначен заказ")
	s.next(cc, res.booked.ID, "Заказ №1001: принят")
	pause()

	// The mechanic works the order from the assigned card.
	s.press(c.mechanic, assigned, "Диагностика")
	card := s.card(c.mechanic.Chat(), assigned.ID, "диагностика")
	s.next(cc, res.booked.ID, "Заказ №1001: диагностика")
	pause()

	// A double tap on "Start work" moves the order once.
	data := dataOf(card, "В работу")
	s.pressData(c.mechanic, card, data)
	res.doubleTap = s.pressData(c.mechanic, card, data)
	card = s.card(c.mechanic.Chat(), assigned.ID, "в работе")
	s.next(cc, res.booked.ID, "Заказ №1001: в работе")
	pause()

	s.press(c.mechanic, card, "Готов")
	s.card(c.mechanic.Chat(), assigned.ID, "готов к выдаче")
	s.next(cc, res.booked.ID, "Заказ №1001: готов к выдаче")
	// The client's live card was redrawn in place.
	res.clientCardAfterDone = s.card(cc, res.booked.ID, "готов к выдаче")
	// So was the staff group's card, with the buttons of the new status.
	res.groupCardAfterDone = s.card(c.group, req.ID, "готов к выдаче")
	pause()

	// The manager hands the car over from the list of open orders.
	mgrLast := lastID(c.manager.Chat())
	s.step(func() error { c.manager.Send("/orders"); return nil })
	open := s.next(c.manager.Chat(), mgrLast, "№1001")
	s.press(c.manager, open, "Выдан")
	s.card(c.manager.Chat(), open.ID, "выдан")
	s.next(cc, res.booked.ID, "Заказ №1001: выдан")
	// A move made from another chat's card redraws the group's and the mechanic's cards.
	s.card(c.group, req.ID, "выдан")
	s.card(c.mechanic.Chat(), assigned.ID, "выдан")
	say("/my", "№1001 · выдан")
	pause()

	// The owner's summary for the day goes out through the outbox.
	ownerLast := lastID(c.owner.Chat())
	s.step(enqueueSummary)
	res.ownerSummary = s.next(c.owner.Chat(), ownerLast, "Итоги дня")
	return res, s.err
}

// inviteTokenIn finds the invite token in the bot's /invite answer (the link's start payload).
func inviteTokenIn(text string) string {
	_, after, ok := strings.Cut(text, "start="+crm.InvitePrefix)
	if !ok {
		return ""
	}
	end := strings.IndexFunc(after, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	})
	if end < 0 {
		end = len(after)
	}
	return after[:end]
}
