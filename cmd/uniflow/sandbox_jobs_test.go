package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/uniflow-crm/uniflow/sandbox"
)

// simCall calls the sandbox page's API (its controls and the emulator's user side) and decodes
// the envelope's result into out.
func simCall(t *testing.T, method, u string, in, out any) {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, u, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var env struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || !env.OK {
		t.Fatalf("%s %s: %d %s (%v)", method, u, resp.StatusCode, env.Description, err)
	}
	if out != nil {
		if err := json.Unmarshal(env.Result, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, u, env.Result, err)
		}
	}
}

// In the sandbox (no token), a clock jump runs the no-show job as the README says: a confirmed
// booking whose slot passed with the car not in is told to the staff group, and the client is
// offered another time, which the offer's button opens.
func TestSandboxClockJumpTellsANoShow(t *testing.T) {
	getenv := testEnv(t, map[string]string{
		envShopHours: "mon-sun 08:00-20:00", envShopTimezone: "Europe/Moscow", envQuietHours: "off",
	})
	page := strings.TrimSuffix(startSandboxProgram(t, getenv), "/")
	ctx := t.Context()

	st := readSandboxState(t, page)
	chats := map[string]int64{}
	var client int64
	for _, p := range st.Personas {
		chats[p.Key] = p.ChatID
		if p.Key == "client1" {
			client = p.UserID
		}
	}
	if client == 0 || chats["group"] == 0 {
		t.Fatalf("no client or staff group among %+v", st.Personas)
	}
	simCall(t, "POST", fmt.Sprintf("%s/__sim/users/%d/start", page, client), map[string]string{"payload": ""}, nil)

	// Иван's confirmed booking three hours before the virtual now, in the sandbox's database.
	conn := connectSandboxDB(t, getenv)
	slot := time.Unix(st.Now, 0).Truncate(time.Hour).Add(-3 * time.Hour)
	var orderID, number int64
	if err := conn.QueryRow(ctx, sqlBooking, "+79005551234", client, slot, "Иван", "ru").Scan(&orderID, &number); err != nil {
		t.Fatal(err)
	}

	var jump struct {
		Jobs []string `json:"jobs"`
	}
	simCall(t, "POST", page+"/sandbox/clock", map[string]string{"step": "hour"}, &jump)
	if !strings.Contains(strings.Join(jump.Jobs, " "), "no_shows") {
		t.Errorf("jobs run by the jump: %v, want no_shows among them", jump.Jobs)
	}
	type message struct {
		ID     int    `json:"id"`
		Text   string `json:"text"`
		Inline [][]struct {
			Text string `json:"text"`
		} `json:"inline"`
	}
	await := func(chat int64, contains string) message {
		t.Helper()
		var m message
		simCall(t, "GET", fmt.Sprintf("%s/__sim/chats/%d/await?contains=%s&timeout_ms=15000", page, chat, url.QueryEscape(contains)), nil, &m)
		return m
	}
	if m := await(chats["group"], "Клиент не приехал"); !strings.Contains(m.Text, fmt.Sprintf("№%d", number)) {
		t.Errorf("staff group's notice: %s", m.Text)
	}
	offer := await(chats["client1"], "мы ждали вас")
	simCall(t, "POST", fmt.Sprintf("%s/__sim/users/%d/press", page, client),
		map[string]any{"chat_id": chats["client1"], "message_id": offer.ID, "label": "Выбрать другое время"}, nil)
	if m := await(chats["client1"], "Выберите новое время"); m.ID != offer.ID || len(m.Inline) == 0 {
		t.Errorf("the offer's button did not turn it into the free slots: %+v", m)
	}
}

// sandboxState is what GET /sandbox/state tells of the sandbox: its clock and personas.
type sandboxState struct {
	Now      int64 `json:"now"`
	Personas []struct {
		Key    string `json:"key"`
		UserID int64  `json:"user_id"`
		ChatID int64  `json:"chat_id"`
	} `json:"personas"`
}

func readSandboxState(t *testing.T, page string) sandboxState {
	t.Helper()
	var st sandboxState
	simCall(t, "GET", page+"/sandbox/state", nil, &st)
	return st
}

// connectSandboxDB connects to the sandbox's own database (DATABASE_URL's name + _sandbox) until
// the test ends.
func connectSandboxDB(t *testing.T, getenv func(string) string) *pgx.Conn {
	t.Helper()
	dsn := getenv(envDatabaseURL)
	name, err := sandbox.DatabaseName(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	conn, err := pgx.Connect(t.Context(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
