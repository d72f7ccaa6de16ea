package main

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/uniflow-crm/uniflow/bot"
)

// loadWebhookAndFlood reads webhook mode and flood control; bad reports a variable's problem.
// With a webhook URL and no secret, a random secret is made: the webhook is registered again at
// every start, so one process needs no fixed secret. Replicas behind one URL must share one.
func loadWebhookAndFlood(get func(string) string, bad func(name, format string, args ...any)) (bot.WebhookConfig, bot.FloodConfig) {
	var hook bot.WebhookConfig
	if raw := get(envWebhookURL); raw != "" {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			// http is for a local Bot API server or the emulator; Telegram's cloud wants https.
			bad(envWebhookURL, "want an https URL such as https://crm.example.com/telegram/webhook")
		} else {
			hook.URL = raw
		}
		hook.Listen = get(envWebhookListen)
		if _, _, err := net.SplitHostPort(hook.Listen); err != nil {
			bad(envWebhookListen, "want host:port such as 0.0.0.0:8443, got %q", hook.Listen)
		}
		hook.Secret = get(envWebhookSecret)
		if hook.Secret == "" {
			hook.Secret = randomSecret()
		} else if !validWebhookSecret(hook.Secret) {
			bad(envWebhookSecret, "want 1 to 256 characters of A-Z a-z 0-9 _ - (value not shown)")
		}
	}

	var flood bot.FloodConfig
	if n, err := strconv.Atoi(get(envFloodMax)); err != nil || n < 1 {
		bad(envFloodMax, "want a number of updates of at least 1, got %q", get(envFloodMax))
	} else {
		flood.Max = n
	}
	for _, v := range []struct {
		name string
		into *time.Duration
	}{{envFloodWindow, &flood.Window}, {envFloodCooldown, &flood.Cooldown}} {
		if d, err := time.ParseDuration(get(v.name)); err != nil || d < 100*time.Millisecond || d > 24*time.Hour {
			bad(v.name, "want a duration from 100ms to 24h such as 10s or 1m, got %q", get(v.name))
		} else {
			*v.into = d
		}
	}
	return hook, flood
}

func validWebhookSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// randomSecret is 256 bits in base64url, whose alphabet is exactly what Telegram allows.
func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
