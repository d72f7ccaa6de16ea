package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

const (
	// pollTimeout is the long-poll timeout the bot asks getUpdates for.
	pollTimeout = 30 * time.Second
	// telegramHTTPTimeout must exceed pollTimeout, or every idle long poll
	// would end as a client timeout instead of an empty answer.
	telegramHTTPTimeout = pollTimeout + 15*time.Second
	// getMeTimeout bounds one start-up attempt; retries come after it.
	getMeTimeout = 10 * time.Second
	// The start-up retry backoff doubles from the first to the max delay.
	connectFirstDelay = time.Second
	connectMaxDelay   = 30 * time.Second
)

// newTelegramHTTPClient returns the client for the Bot API. All traffic goes
// to one host, so the idle pool per host is as large as the whole pool: the
// sender runs many requests in parallel and should reuse connections rather
// than pay a TLS handshake each. No proxy is taken from the environment:
// config.go is the only place env is read; use TELEGRAM_API_URL to go
// through a local Bot API server or a reverse proxy.
func newTelegramHTTPClient() *http.Client {
	return &http.Client{
		Timeout: telegramHTTPTimeout,
		Transport: &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
	}
}

// redactingClient is a tgbotapi.HTTPClient whose errors never carry the bot
// token. net/http puts the request URL, /bot<token>/method, into every
// transport error, and such errors end up in logs.
type redactingClient struct {
	client *http.Client
	token  string
	// ctx, when set, bounds every request; used only at start-up, when
	// getMe must stop as soon as the process is asked to stop.
	ctx context.Context
}

func (c redactingClient) Do(req *http.Request) (*http.Response, error) {
	if c.ctx != nil {
		req = req.WithContext(c.ctx)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, redactError(err, c.token)
	}
	return resp, nil
}

// redactedError keeps the chain (errors.Is still finds timeouts and
// cancellations) but prints without the secret.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redactError(err error, token string) error {
	if err == nil {
		return nil
	}
	msg := redactSecrets(err.Error(), token)
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// redactSecrets removes the token, and anything in the /bot<token>/ place
// of a Bot API path even when the token is not known (the library logger).
func redactSecrets(s, token string) string {
	if token != "" {
		s = strings.ReplaceAll(s, token, "<redacted>")
		s = strings.ReplaceAll(s, url.PathEscape(token), "<redacted>")
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "/bot")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+len("/bot")])
		s = s[i+len("/bot"):]
		end := strings.IndexAny(s, "/ \"'")
		if end < 0 {
			end = len(s)
		}
		if end > 0 && s[:end] != "<redacted>" {
			b.WriteString("<redacted>")
			s = s[end:]
		}
	}
}

// connectTelegram builds the Bot API client, retrying getMe with backoff
// until it succeeds or ctx ends: Telegram being briefly unreachable at boot
// should delay the bot, not crash-loop the container. A token the API
// rejects is not retried: waiting will not fix it.
func connectTelegram(ctx context.Context, apiURL, token string, log *slog.Logger) (*tgbotapi.BotAPI, error) {
	client := newTelegramHTTPClient()
	endpoint := apiURL + "/bot%s/%s"
	delay := connectFirstDelay
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, getMeTimeout)
		api, err := tgbotapi.NewBotAPIWithClient(token, endpoint, redactingClient{client: client, token: token, ctx: actx})
		cancel()
		if err == nil {
			// From here on requests must outlive ctx: after a stop the bot
			// still answers the updates it is draining.
			api.Client = redactingClient{client: client, token: token}
			log.Info("telegram bot connected", slog.String("bot_username", api.Self.UserName), slog.Int64("bot_id", api.Self.ID))
			return api, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect to the Bot API: %w", ctx.Err())
		}
		var apiErr *tgbotapi.Error
		if errors.As(err, &apiErr) && (apiErr.Code == http.StatusUnauthorized || apiErr.Code == http.StatusNotFound) {
			return nil, fmt.Errorf("connect to the Bot API: %s rejected (%d %s): check the token from @BotFather",
				envTelegramToken, apiErr.Code, apiErr.Message)
		}
		log.Warn("telegram bot api not reachable, retrying",
			slog.Int("attempt", attempt), slog.String("retry_in", delay.String()), slog.String("error", redactSecrets(err.Error(), token)))
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to the Bot API: %w", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(delay*2, connectMaxDelay)
	}
}
