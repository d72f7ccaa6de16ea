package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// Each kind of secret is redacted wherever it sits in a line: the message, a string, an error.
func TestLogHandlerRedacts(t *testing.T) {
	const token = "123456:AAE-secretBotToken_xyz"
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		leak string // must not appear
		keep string // must still appear
	}{
		{"token in a message", func(l *slog.Logger) { l.Info("calling /bot" + token + "/sendMessage") }, "secretBotToken", "sendMessage"},
		{"token secret alone", func(l *slog.Logger) { l.Info("x", "v", "AAE-secretBotToken_xyz") }, "secretBotToken", `"v"`},
		{"configured secret", func(l *slog.Logger) { l.Warn("x", "err", errors.New("hook hunter2-webhook-secret refused")) }, "hunter2-webhook", "refused"},
		{"url password", func(l *slog.Logger) {
			l.Error("x", "err", fmt.Errorf("dial postgres://app:Sup3rPass@db:5432/x: refused"))
		}, "Sup3rPass", "postgres://app:"},
		{"redis url password", func(l *slog.Logger) { l.Info("x", "url", "redis://:R3disPass@cache:6379/0") }, "R3disPass", "cache:6379"},
		{"key-value password", func(l *slog.Logger) { l.Info("x", "dsn", "host=db user=app password=KvPass99 dbname=x") }, "KvPass99", "dbname=x"},
		{"e164 phone", func(l *slog.Logger) { l.Info("client +79123456789 linked") }, "9123456789", "+*********89"},
		{"spaced phone", func(l *slog.Logger) { l.Info("x", "v", "call +7 (912) 345-67-89 now") }, "345-67", "now"},
		{"phone without plus", func(l *slog.Logger) { l.Info("x", "v", "typed 89123456789.") }, "9123456789", "typed"},
		{"phone attribute", func(l *slog.Logger) { l.Info("x", "phone", "+44 7911 123456") }, "7911 1234", "56"},
		{"quoted input in an error", func(l *slog.Logger) {
			l.Info("update refused", "err", fmt.Errorf("parse amount %q: %w", "моя тайна", errors.New("not a number")))
		}, "моя тайна", "not a number"},
		{"quoted input in an error string", func(l *slog.Logger) { l.Info("x", "error", `search "тайный запрос": timeout`) }, "тайный", "timeout"},
		{"text attribute", func(l *slog.Logger) { l.Debug("got", "text", "привет, это секрет") }, "секрет", `"text"`},
		{"inside a group", func(l *slog.Logger) { l.Info("x", slog.Group("req", "phone", "+79123456789")) }, "9123456789", "req"},
		{"with attrs", func(l *slog.Logger) { l.With("dsn", "postgres://u:WithPass1@h/x").Info("x") }, "WithPass1", "postgres://u:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			cfg := Config{TelegramToken: token, LogLevel: slog.LevelDebug, DatabaseURL: "postgres://u:Sup3rPass@h/x"}
			cfg.Webhook.Secret = "hunter2-webhook-secret"
			l := newLogger(&buf, cfg)
			tt.log(l)
			out := buf.String()
			if strings.Contains(out, tt.leak) {
				t.Errorf("%q leaked: %s", tt.leak, out)
			}
			if !strings.Contains(out, tt.keep) {
				t.Errorf("%q lost: %s", tt.keep, out)
			}
		})
	}
}

// Telegram ids and other numbers are no phones: logs stay useful.
func TestLogHandlerKeepsIDs(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(newLogHandler(&buf, slog.LevelDebug))
	l.Info("x", "user_id", int64(7929724734), "chat", "-1001234567890", "note", "staff 4295967313 update 100000002 at 1764820000123")
	for _, s := range []string{"7929724734", "-1001234567890", "4295967313", "100000002", "1764820000123"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("%s was masked: %s", s, buf.String())
		}
	}
}
