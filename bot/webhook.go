package bot

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// WebhookConfig turns webhook mode on when URL is set; polling is the default.
type WebhookConfig struct {
	URL    string // public HTTPS URL Telegram posts to; its path is the one served
	Listen string // address our HTTP server listens on (a proxy in front terminates TLS)
	// Secret is sent back by Telegram in every delivery's X-Telegram-Bot-Api-Secret-Token:
	// 1-256 characters of A-Z a-z 0-9 _ -. Whoever finds the URL does not have it.
	Secret string
}

const (
	// webhookMaxBody is far above any real update (a message holds at most 4096 characters plus
	// entities) and far below what would hurt us to read.
	webhookMaxBody = 1 << 20
	secretHeader   = "X-Telegram-Bot-Api-Secret-Token"
	// webhookShutdown bounds waiting for deliveries being answered when we stop: each waits for
	// its update's handler, a few ms, seldom more than a reply's rate-limit wait.
	webhookShutdown = 5 * time.Second
	// webhookHandledWait bounds how long a delivery waits for its update's handler before it is
	// answered anyway: well inside the time Telegram waits for an answer before it delivers the
	// update again (to any replica).
	webhookHandledWait = 20 * time.Second
)

// serveWebhook is poll's counterpart in webhook mode: it listens, registers the webhook with
// its secret, and hands every authentic update to the dispatcher, the same one polling feeds, so
// dedupe (begin) and per-chat order are the same. Telegram sends a chat's next update only after
// our 200 for the previous one, and we answer once the update was handled, not when it was
// queued: behind a load balancer the next update may reach another replica, which must not
// handle it while this one is still on the previous (replicas share no queue). On ctx end it
// stops accepting and waits for the deliveries in progress; Run then drains the queues.
func (b *Bot) serveWebhook(ctx context.Context, d *dispatcher) error {
	hook := b.cfg.Webhook
	u, err := url.Parse(hook.URL)
	if err != nil {
		return fmt.Errorf("webhook url: %w", err)
	}
	path := u.Path
	if path == "" {
		path = "/"
	}
	ln, err := net.Listen("tcp", hook.Listen)
	if err != nil {
		return fmt.Errorf("webhook: listen on %s: %w", hook.Listen, err)
	}
	mux := http.NewServeMux()
	mux.Handle(path, b.webhookHandler(ctx, d))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	b.log.Info("webhook server listening", "addr", ln.Addr().String(), "path", path)

	// Listening first: Telegram starts delivering the moment it accepts the registration.
	if err := b.registerWebhook(ctx); err != nil {
		_ = srv.Close()
		<-served
		return err
	}

	select {
	case err := <-served:
		return fmt.Errorf("webhook server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), webhookShutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		b.log.Warn("webhook server: shutdown", "err", err)
		_ = srv.Close()
	}
	<-served
	return nil
}

// registerWebhook calls setWebhook with secret_token, retrying until Telegram takes it or ctx
// ends. The library predates secret_token (notes 3.5), so the call is made raw.
func (b *Bot) registerWebhook(ctx context.Context) error {
	api := *b.api
	api.Client = ctxClient{ctx: ctx, next: b.api.Client}
	backoff := time.Second
	for {
		_, err := api.MakeRequest("setWebhook", tgbotapi.Params{
			"url":             b.cfg.Webhook.URL,
			"secret_token":    b.cfg.Webhook.Secret,
			"allowed_updates": allowedUpdates,
		})
		if err == nil {
			b.log.Info("webhook registered")
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		wait := retryWait(err, &backoff) // source.go
		b.log.Warn("set webhook", "err", redactErr(err, b.api.Token), "retry_in", wait.String())
		if !sleepCtx(ctx, wait) {
			return nil
		}
	}
}

// webhookHandler checks one delivery and queues its update. Every refusal is logged with why and
// from where, never with what was presented as the secret.
func (b *Bot) webhookHandler(ctx context.Context, d *dispatcher) http.Handler {
	secret := []byte(b.cfg.Webhook.Secret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		refuse := func(status int, reason string, args ...any) {
			b.log.Warn("webhook delivery refused", append([]any{"status", status, "reason", reason,
				"remote", r.RemoteAddr}, args...)...)
			http.Error(w, http.StatusText(status), status)
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			refuse(http.StatusMethodNotAllowed, "method not allowed", "method", r.Method)
			return
		}
		// The secret comes first: a caller without it learns nothing about what we accept.
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(secretHeader)), secret) != 1 {
			refuse(http.StatusUnauthorized, "missing or wrong secret token")
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			refuse(http.StatusUnsupportedMediaType, "content type is not application/json")
			return
		}
		if r.ContentLength > webhookMaxBody {
			refuse(http.StatusRequestEntityTooLarge, "body too large", "bytes", r.ContentLength)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhookMaxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				refuse(http.StatusRequestEntityTooLarge, "body too large")
				return
			}
			refuse(http.StatusBadRequest, "body unreadable", "err", err)
			return
		}
		var u tgbotapi.Update
		if err := json.Unmarshal(body, &u); err != nil || u.UpdateID <= 0 {
			// The decode error may quote the body, which is the user's text: not logged.
			refuse(http.StatusBadRequest, "not an update")
			return
		}
		// The queue of the chat is full only when we are far behind; Telegram retries later.
		qctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		var handled <-chan bool
		if ctx.Err() == nil {
			handled = d.submitOne(qctx, u)
		}
		if handled == nil {
			w.Header().Set("Retry-After", "1")
			refuse(http.StatusServiceUnavailable, "busy or stopping", "update_id", u.UpdateID)
			return
		}
		select {
		case finished := <-handled:
			if !finished { // shutdown cut it short: Telegram delivers it again, maybe elsewhere
				w.Header().Set("Retry-After", "1")
				refuse(http.StatusServiceUnavailable, "stopping", "update_id", u.UpdateID)
				return
			}
		case <-r.Context().Done(): // Telegram gave up on this delivery; it will try again
			return
		case <-time.After(webhookHandledWait):
			// Answered anyway so that Telegram does not deliver it again; its chat's next update
			// may now overtake it on another replica, which the log says.
			b.log.Warn("webhook: update still being handled; answered before it finished", "update_id", u.UpdateID)
		}
		w.WriteHeader(http.StatusOK)
	})
}

// dropStaleWebhook handles the 409 Telegram answers getUpdates while a webhook is set: left from
// a run in webhook mode, it would stop polling for good. This process is configured to poll, so
// the webhook goes (its pending updates stay for getUpdates); true when it went.
func (b *Bot) dropStaleWebhook(ctx context.Context, err error) bool {
	var tgErr *tgbotapi.Error
	if !errors.As(err, &tgErr) || tgErr.Code != http.StatusConflict || !strings.Contains(tgErr.Message, "webhook is active") {
		return false
	}
	api := *b.api
	api.Client = ctxClient{ctx: ctx, next: b.api.Client}
	if _, derr := api.MakeRequest("deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}); derr != nil {
		b.log.Warn("delete the webhook left from webhook mode", "err", redactErr(derr, b.api.Token))
		return false
	}
	b.log.Warn("a webhook was set while this process polls (TELEGRAM_WEBHOOK_URL is empty): deleted it")
	return true
}
