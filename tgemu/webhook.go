package tgemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Webhook delivery timing of the reference server (notes 2.1): the first retry after 1 s,
// doubling up to 60 s; a Retry-After from the bot is honoured up to an hour.
const (
	webhookFirstRetry = time.Second
	webhookMaxRetry   = 60 * time.Second
	webhookMaxAfter   = time.Hour
	webhookTimeout    = 30 * time.Second
	secretHeader      = "X-Telegram-Bot-Api-Secret-Token"
)

// webhookState is the bot's webhook registration and its delivery bookkeeping.
type webhookState struct {
	url            string
	secret         string
	maxConnections int
	allowed        []string
	ipAddress      string
	lastErrorDate  int64
	lastErrorMsg   string
	inflight       int
	busy           map[int64]bool // chats with a delivery in flight: one at a time per chat
	cancel         context.CancelFunc
	ctx            context.Context
}

// Delivery is one webhook POST the emulator made.
type Delivery struct {
	UpdateID int       `json:"update_id"`
	ChatID   int64     `json:"chat_id"`
	Attempt  int       `json:"attempt"`          // 1 for the first try
	Status   int       `json:"status"`           // HTTP status the bot answered (0 on a transport error)
	Error    string    `json:"error,omitempty"`  // last_error_message style text, empty on success
	Secret   string    `json:"secret,omitempty"` // the secret header sent ("" if none)
	At       time.Time `json:"at"`
}

func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func (s *Server) setWebhook(_ context.Context, q *request) (any, *apiError) {
	raw := strings.TrimSpace(q.str("url"))
	if raw == "" {
		return s.removeWebhook(q.boolParam("drop_pending_updates"))
	}
	u, perr := url.Parse(raw)
	if perr != nil || u.Host == "" {
		return nil, errBadRequest("bad webhook: Failed to resolve host: Name or service not known")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		// Telegram requires HTTPS; like a --local Bot API server, tgemu also allows plain HTTP so
		// that a bot on loopback or in docker compose can be reached without certificates.
		return nil, errBadRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := q.str("secret_token")
	if q.has("secret_token") && !validSecret(secret) {
		return nil, errBadRequest("secret token contains unallowed characters")
	}
	maxConn, hasMax, err := q.intParam("max_connections")
	if err != nil {
		return nil, err
	}
	if !hasMax {
		maxConn = 40
	}
	maxConn = min(max(maxConn, 1), 100)
	var allowed []string
	hasAllowed := false
	if a := q.str("allowed_updates"); a != "" && json.Unmarshal([]byte(a), &allowed) == nil {
		hasAllowed = true
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	h := s.hook
	if h != nil && h.url == raw && h.secret == secret && h.maxConnections == maxConn && (!hasAllowed || equalStrings(h.allowed, allowed)) {
		return described{true, descWebhookIsSet}, nil
	}
	if !s.opts.NoRateLimits && !s.lastHookSet.IsZero() && now.Sub(s.lastHookSet) < time.Second {
		return nil, errTooMany(1)
	}
	s.lastHookSet = now
	if q.boolParam("drop_pending_updates") {
		s.updates = nil
	}
	if hasAllowed {
		s.setAllowed(allowed)
	}
	if h != nil {
		h.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.hook = &webhookState{url: raw, secret: secret, maxConnections: maxConn, allowed: allowed,
		ipAddress: "127.0.0.1", busy: map[int64]bool{}, ctx: ctx, cancel: cancel}
	if s.poll != nil {
		close(s.poll.abort) // the held poll ends with "terminated by setWebhook request"
		s.poll = nil
	}
	s.wg.Add(1)
	go s.dispatchWebhook(s.hook)
	s.notify()
	return described{true, descWebhookSet}, nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (s *Server) deleteWebhook(_ context.Context, q *request) (any, *apiError) {
	return s.removeWebhook(q.boolParam("drop_pending_updates"))
}

func (s *Server) removeWebhook(drop bool) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if drop {
		s.updates = nil
	}
	if s.hook == nil {
		return described{true, descWebhookNotSet}, nil
	}
	s.hook.cancel()
	s.hook = nil
	s.notify()
	return described{true, descWebhookDeleted}, nil
}

func (s *Server) getWebhookInfo(context.Context, *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired()
	info := wWebhookInfo{PendingUpdateCount: len(s.updates)}
	if h := s.hook; h != nil {
		info.URL, info.MaxConnections, info.AllowedUpdates = h.url, h.maxConnections, h.allowed
		info.IPAddress = h.ipAddress
		info.LastErrorDate, info.LastErrorMessage = h.lastErrorDate, h.lastErrorMsg
	}
	return info, nil
}

// dispatchWebhook is the delivery loop of one webhook registration. It hands each chat's
// updates out one at a time and in order, different chats in parallel up to max_connections,
// and waits out retry backoff on the virtual clock.
func (s *Server) dispatchWebhook(h *webhookState) {
	defer s.wg.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if h.ctx.Err() != nil || s.isClosed() {
			return
		}
		s.dropExpired()
		now := s.clock.Now()
		var next time.Time
		blocked := map[int64]bool{}
		var ready []*pendingUpdate
		for _, u := range s.updates {
			if blocked[u.chatID] || u.inFlight || h.busy[u.chatID] {
				blocked[u.chatID] = true
				continue
			}
			if now.Before(u.notBefore) {
				blocked[u.chatID] = true
				if next.IsZero() || u.notBefore.Before(next) {
					next = u.notBefore
				}
				continue
			}
			blocked[u.chatID] = true // later updates of this chat wait for this one
			ready = append(ready, u)
		}
		if len(ready) > 1 && s.deliveryFault(FaultReorder, "webhook", 0) {
			for i, j := 0, len(ready)-1; i < j; i, j = i+1, j-1 {
				ready[i], ready[j] = ready[j], ready[i]
			}
		}
		for _, u := range ready {
			if h.inflight >= h.maxConnections {
				break
			}
			u.inFlight = true
			u.attempts++
			h.busy[u.chatID] = true
			h.inflight++
			s.wg.Add(1)
			go s.deliver(h, u)
		}
		ch := s.changed
		s.mu.Unlock()
		var timer <-chan time.Time
		var t *time.Timer
		if !next.IsZero() {
			t = time.NewTimer(max(s.clock.until(next), time.Millisecond))
			timer = t.C
		}
		select {
		case <-ch:
		case <-timer:
		case <-h.ctx.Done():
		case <-s.closed:
		}
		if t != nil {
			t.Stop()
		}
		s.mu.Lock()
	}
}

// deliver POSTs one update and books the outcome.
func (s *Server) deliver(h *webhookState, u *pendingUpdate) {
	defer s.wg.Done()
	s.mu.Lock()
	body, _ := json.Marshal(u.upd)
	secret, sendSecret := h.secret, h.secret != ""
	switch {
	case s.deliveryFault(FaultWrongSecret, "", u.chatID):
		secret, sendSecret = "wrong-"+h.secret+"x", true
	case s.deliveryFault(FaultNoSecret, "", u.chatID):
		secret, sendSecret = "", false
	}
	attempt := u.attempts
	s.mu.Unlock()

	status, retryAfter, reply, derr := s.post(h, body, secret, sendSecret)

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	d := Delivery{UpdateID: u.id, ChatID: u.chatID, Attempt: attempt, Status: status, At: now}
	if sendSecret {
		d.Secret = secret
	}
	u.inFlight = false
	h.inflight--
	delete(h.busy, u.chatID)
	ok := derr == nil && status >= 200 && status < 300
	if ok {
		if u.ackSkips > 0 {
			// Duplicate delivery: Telegram retries when it never saw the 2xx; same update_id.
			u.ackSkips--
		} else {
			s.removeUpdate(u)
		}
		if len(reply) > 0 {
			s.mu.Unlock()
			s.runWebhookReply(h.ctx, reply)
			s.mu.Lock()
		}
	} else {
		msg := ""
		if derr != nil {
			msg = derr.Error()
		} else {
			msg = fmt.Sprintf("Wrong response from the webhook: %d %s", status, http.StatusText(status))
		}
		d.Error = msg
		h.lastErrorDate, h.lastErrorMsg = now.Unix(), msg
		delay := webhookFirstRetry << min(attempt-1, 6)
		delay = min(delay, webhookMaxRetry)
		if retryAfter > 0 {
			delay = min(time.Duration(retryAfter)*time.Second, webhookMaxAfter)
		}
		u.notBefore = now.Add(delay)
		if u.notBefore.After(u.expires) {
			s.removeUpdate(u) // it would expire before the retry: Telegram drops it
		}
	}
	s.deliveries = append(s.deliveries, d)
	s.notify()
}

// post sends the update; it returns the status, the bot's Retry-After, a reply body that may
// hold a method call, or a transport error worded like getWebhookInfo's last_error_message.
func (s *Server) post(h *webhookState, body []byte, secret string, sendSecret bool) (int, int, []byte, error) {
	ctx, cancel := context.WithTimeout(h.ctx, webhookTimeout)
	defer cancel()
	go func() {
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, nil, fmt.Errorf("Failed to resolve host: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sendSecret {
		req.Header.Set(secretHeader, secret)
	}
	resp, err := s.hookClient().Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, 0, nil, errors.New("Read timeout expired")
		}
		return 0, 0, nil, errors.New("Connection refused")
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	retryAfter, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, retryAfter, nil, nil
	}
	return resp.StatusCode, 0, reply, nil
}

func (s *Server) hookClient() *http.Client {
	// No redirects: Telegram does not follow them for webhooks.
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// runWebhookReply executes a method the bot put in its 2xx webhook answer, as Telegram does for
// everything except get*, setWebhook, deleteWebhook, close and logOut. Its result is not
// observable by the bot, but it appears in the call log.
func (s *Server) runWebhookReply(ctx context.Context, reply []byte) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(reply, &obj) != nil {
		return
	}
	var method string
	if json.Unmarshal(obj["method"], &method) != nil || method == "" {
		return
	}
	entry, ok := s.methods[strings.ToLower(method)]
	lm := strings.ToLower(method)
	if !ok || strings.HasPrefix(lm, "get") || lm == "setwebhook" || lm == "deletewebhook" || lm == "close" || lm == "logout" {
		return
	}
	q := &request{method: entry.name, vals: map[string]string{}, files: map[string]*upload{}}
	for k, v := range obj {
		if k == "method" {
			continue
		}
		var str string
		if json.Unmarshal(v, &str) == nil {
			q.vals[k] = str
		} else {
			q.vals[k] = string(v)
		}
	}
	call := Call{Method: entry.name, Params: q.logParams(), Fault: "webhook_reply"}
	_, _ = s.run(ctx, entry, q, &call)
	s.record(call)
}

// removeUpdate drops u from the queue. Caller holds s.mu.
func (s *Server) removeUpdate(u *pendingUpdate) {
	for i, x := range s.updates {
		if x == u {
			s.updates = append(s.updates[:i], s.updates[i+1:]...)
			return
		}
	}
}

// Deliveries returns every webhook delivery attempt so far.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}

// AwaitDelivery blocks until a webhook delivery matching pred has happened.
func (s *Server) AwaitDelivery(timeout time.Duration, pred func(Delivery) bool) (Delivery, error) {
	var found Delivery
	n := 0
	err := s.await(timeout, func() bool {
		ds := s.Deliveries()
		n = len(ds)
		for _, d := range ds {
			if pred(d) {
				found = d
				return true
			}
		}
		return false
	})
	if err != nil {
		return Delivery{}, fmt.Errorf("tgemu: no matching webhook delivery (%d made): %w", n, err)
	}
	return found, nil
}
