package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// "+1 неделя" in the sandbox delivers what falls inside the week, each at its own time: a digest
// every evening, the booking's reminder the evening before its slot (sent then, not found
// obsolete after the slot), and the no-show after it (the tester's finding 3: one digest, no
// reminder, a no-show stamped with the jump's time).
func TestSandboxWeekJumpDeliversEachJobAtItsTime(t *testing.T) {
	getenv := testEnv(t, map[string]string{
		envShopHours: "mon-sun 08:00-20:00", envShopTimezone: "Europe/Moscow", envQuietHours: "off",
	})
	page := strings.TrimSuffix(startSandboxProgram(t, getenv), "/")
	ctx := t.Context()

	st := readSandboxState(t, page)
	chats, users := map[string]int64{}, map[string]int64{}
	for _, p := range st.Personas {
		chats[p.Key], users[p.Key] = p.ChatID, p.UserID
	}
	client := users["client1"]
	simCall(t, "POST", fmt.Sprintf("%s/__sim/users/%d/start", page, client), map[string]string{"payload": ""}, nil)

	conn := connectSandboxDB(t, getenv)
	msk, _ := time.LoadLocation("Europe/Moscow")
	now := time.Unix(st.Now, 0).In(msk)
	slot := time.Date(now.Year(), now.Month(), now.Day()+3, 15, 0, 0, 0, msk)
	var orderID, number int64
	if err := conn.QueryRow(ctx, sqlBooking, "+79005551235", client, slot, "Иван", "ru").Scan(&orderID, &number); err != nil {
		t.Fatal(err)
	}

	simCall(t, "POST", page+"/sandbox/clock", map[string]string{"step": "week"}, nil)

	type message struct {
		Text string    `json:"text"`
		Date time.Time `json:"date"`
	}
	messages := func(chat int64) []message {
		var ms []message
		simCall(t, "GET", fmt.Sprintf("%s/__sim/chats/%d/messages", page, chat), nil, &ms)
		return ms
	}
	var reminder *message
	for _, m := range messages(chats["client1"]) {
		if strings.Contains(m.Text, "Напоминаем о записи") {
			reminder = &m
		}
	}
	eve := time.Date(slot.Year(), slot.Month(), slot.Day()-1, 18, 0, 0, 0, msk)
	if reminder == nil {
		t.Errorf("no reminder in the client's chat")
	} else if reminder.Date.Before(eve) || !reminder.Date.Before(slot) {
		t.Errorf("reminder sent at %v, want the evening before %v", reminder.Date.In(msk), slot)
	}
	digests := 0
	for _, m := range messages(chats["owner"]) {
		if strings.Contains(m.Text, "Сводка за") {
			digests++
		}
	}
	if digests < 7 {
		t.Errorf("%d digests after a week, want one an evening (7)", digests)
	}
	var noShow time.Time
	if err := conn.QueryRow(ctx, `SELECT no_show_at FROM orders WHERE id = $1`, orderID).Scan(&noShow); err != nil {
		t.Fatal(err)
	}
	if noShow.Before(slot) || noShow.After(slot.Add(4*time.Hour)) {
		t.Errorf("no-show recorded at %v, want just after the slot %v", noShow.In(msk), slot)
	}
	told := false
	for _, m := range messages(chats["group"]) {
		told = told || strings.Contains(m.Text, "Клиент не приехал") && strings.Contains(m.Text, fmt.Sprintf("№%d", number))
	}
	if !told {
		t.Errorf("the staff group was not told of the no-show")
	}
}
