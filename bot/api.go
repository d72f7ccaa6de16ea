package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/crm"
)

// Every Bot API call goes through call: messages wait for the rate limiter (chatID is the chat
// that receives a NEW message; 0 for edits, callback answers and other calls, which Telegram does
// not count as messages), each call is bounded by Config.SendTimeout, and an error says whether
// Telegram got the request (see transportError).

// laneKey carries the lane a send belongs to; direct replies are interactive.
type laneKey struct{}

// withLane marks the sends made under ctx as belonging to lane (crm.LaneInteractive or
// crm.LaneBulk).
func withLane(ctx context.Context, lane string) context.Context {
	return context.WithValue(ctx, laneKey{}, lane)
}

func laneOf(ctx context.Context) string {
	if l, ok := ctx.Value(laneKey{}).(string); ok {
		return l
	}
	return crm.LaneInteractive
}

// maxReplyFloodWait is the longest 429 wait a direct reply sits out before trying once more;
// a longer one fails the reply (the user can ask again), while outbox messages always wait.
const maxReplyFloodWait = 5 * time.Second

// send posts a message-returning call and gives the sent message's id, all that callers need:
// decoding the rest of Telegram's echo (keyboard, entities) was a third of a reply's cost.
// chatID is the chat that receives a NEW message (0 for edits, which Telegram does not count
// against the message limits).
func (b *Bot) send(ctx context.Context, chatID int64, c tgbotapi.Chattable) (messageID int, err error) {
	resp, err := b.replyCall(ctx, chatID, c)
	if err != nil {
		return 0, err
	}
	var m struct {
		MessageID int `json:"message_id"`
	}
	if err := json.Unmarshal(resp.Result, &m); err != nil {
		// Telegram did the call: only its answer is unreadable.
		return 0, &transportError{status: http.StatusOK, err: fmt.Errorf("decode the sent message: %w", err)}
	}
	return m.MessageID, nil
}

// request posts a call whose result is not a message (answerCallbackQuery, setMyCommands, ...):
// the library's Send would fail to decode its "true".
func (b *Bot) request(ctx context.Context, chatID int64, c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	return b.replyCall(ctx, chatID, c)
}

// replyCall is call for direct replies: a short flood wait is sat out once, and a group that
// became a supergroup is recorded so that later notices go to the new chat. A reply to an
// update being handled that failed on the way (5xx, a dropped connection, a timeout) is tried
// again twice after a short pause, before or after the flood wait: a retry after a timeout may
// show a message twice, without it the user would see none. (The outbox sender has retries of
// its own.)
func (b *Bot) replyCall(ctx context.Context, chatID int64, c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	resp, g, err := b.call(ctx, chatID, c)
	retries := stateWritesFrom(ctx) != nil // set in every update's context: state_writes.go
	flooded, pause := false, replyRetryPause
	for err != nil {
		var tgErr *tgbotapi.Error
		if errors.As(err, &tgErr) && tgErr.RetryAfter > 0 {
			wait := time.Duration(tgErr.RetryAfter) * time.Second
			b.limit.pause(ctx, chatID, wait, g.fresh)
			if flooded || wait > maxReplyFloodWait || !sleepCtx(ctx, wait) {
				break
			}
			flooded = true
		} else if out := classify(err); !retries || out != outTransient && out != outLost ||
			pause > 3*replyRetryPause || !sleepCtx(ctx, pause) {
			break
		} else {
			pause *= 3
		}
		resp, g, err = b.call(ctx, chatID, c)
	}
	var tgErr *tgbotapi.Error
	if errors.As(err, &tgErr) && tgErr.MigrateToChatID != 0 && chatID != 0 {
		if mErr := b.crm.MigrateChat(ctx, chatID, tgErr.MigrateToChatID); mErr != nil {
			b.log.Warn("record chat migration", "chat_id", chatID, "to_chat_id", tgErr.MigrateToChatID, "err", mErr)
		}
	}
	return resp, err
}

// replyRetryPause is the pause before a direct reply's first retry; the second waits three times
// as long.
const replyRetryPause = 300 * time.Millisecond

// call makes one Bot API call. For a new message (chatID != 0) it first takes the message's
// rate budget in the lane of ctx, waiting as long as needed.
func (b *Bot) call(ctx context.Context, chatID int64, c tgbotapi.Chattable) (*tgbotapi.APIResponse, grant, error) {
	var g grant
	if chatID != 0 {
		lane, start := laneOf(ctx), time.Now()
		var err error
		g, err = b.limit.wait(ctx, lane, chatID, time.Hour)
		b.cfg.Metrics.LimiterWait(lane, time.Since(start))
		if err != nil {
			return nil, g, err
		}
	}
	resp, err := b.post(ctx, c)
	return resp, g, err
}

// post makes one Bot API call, without rate limiting, bounded by Config.SendTimeout.
func (b *Bot) post(ctx context.Context, c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Delivery.SendTimeout)
	defer cancel()
	// A copy of the client whose request lives in ctx and tells us its HTTP status: whether an
	// error came with an answer from Telegram decides whether a message may be in the chat.
	probe := &callProbe{ctx: ctx, next: b.api.Client}
	api := *b.api
	api.Client = probe
	resp, err := api.Request(b.sealed(c))
	if err == nil {
		b.cfg.Metrics.TelegramCall("ok")
		return resp, nil
	}
	var tgErr *tgbotapi.Error
	if errors.As(err, &tgErr) {
		if tgErr.Code == 0 && probe.status != 0 {
			// The library's upload path forgets the code.
			tgErr.Code = probe.status
		}
		b.cfg.Metrics.TelegramCall(callResult(tgErr))
		return resp, tgErr
	}
	tErr := &transportError{status: probe.status, err: redactErr(err, b.api.Token)}
	b.cfg.Metrics.TelegramCall(callResult(tErr))
	return resp, tErr
}

// callProbe binds a call to ctx and records the HTTP status of its answer.
type callProbe struct {
	ctx    context.Context
	next   tgbotapi.HTTPClient
	status int
}

func (p *callProbe) Do(r *http.Request) (*http.Response, error) {
	resp, err := p.next.Do(r.WithContext(p.ctx))
	if err == nil {
		p.status = resp.StatusCode
	}
	return resp, err
}

// transportError is a call that got no usable Bot API answer: no answer at all (status 0), an
// answer cut short, or a proxy's HTML error page.
type transportError struct {
	status int // HTTP status of the answer; 0 when none came
	err    error
}

func (e *transportError) Error() string {
	if e.status == 0 {
		return "no answer from the Bot API: " + e.err.Error()
	}
	return "unreadable answer from the Bot API (HTTP " + strconv.Itoa(e.status) + "): " + e.err.Error()
}

func (e *transportError) Unwrap() error { return e.err }

// outcome is what a Bot API error means for the message that caused it.
type outcome int

const (
	outSent        outcome = iota // delivered
	outSentNoID                   // delivered, but the answer with its id was lost
	outFlood                      // 429: wait retry_after, then resend
	outMigrated                   // the group became a supergroup: resend there
	outBlocked                    // 403: the user blocked us, is deactivated, or never started us
	outNotModified                // an edit that changed nothing: success
	outRejected                   // 400 and the like: Telegram will never take it
	outTransient                  // not delivered (5xx, no connection): try again later
	outLost                       // sent, but no answer came: it may or may not be in the chat
)

func (o outcome) String() string {
	return [...]string{"sent", "sent without id", "flood", "migrated", "blocked", "not modified",
		"rejected", "transient", "lost"}[o]
}

// classify reads the error of a call. Telegram's errors are classified by code and, because the
// library's upload path loses the code, by their words too.
func classify(err error) outcome {
	if err == nil {
		return outSent
	}
	var tgErr *tgbotapi.Error
	if errors.As(err, &tgErr) {
		switch {
		case tgErr.RetryAfter > 0:
			return outFlood
		case tgErr.MigrateToChatID != 0:
			return outMigrated
		case tgErr.Code == http.StatusForbidden || strings.HasPrefix(tgErr.Message, "Forbidden:"):
			return outBlocked
		case strings.Contains(tgErr.Message, "message is not modified"):
			return outNotModified
		case tgErr.Code >= 500, tgErr.Code == http.StatusUnauthorized:
			// Telegram's own 5xx come before the message is taken; a revoked token may be put
			// right by the operator within the retry deadline.
			return outTransient
		default:
			return outRejected
		}
	}
	var tErr *transportError
	if !errors.As(err, &tErr) {
		// Our own side gave up before sending (the rate limiter's wait was cancelled).
		return outTransient
	}
	switch {
	case tErr.status >= 200 && tErr.status < 300:
		return outSentNoID
	case tErr.status == http.StatusBadGateway || tErr.status == http.StatusServiceUnavailable:
		// The proxy in front of the Bot API did not reach it.
		return outTransient
	case tErr.status == http.StatusGatewayTimeout:
		// The proxy gave up waiting: the Bot API may have sent it.
		return outLost
	case tErr.status != 0:
		return outTransient
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return outTransient // never connected: nothing was sent
	}
	return outLost // timed out or cut off after the request went out
}

// redactErr hides the bot token, which transport errors carry in the URL.
func redactErr(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return redacted{err: err, token: token}
}

type redacted struct {
	err   error
	token string
}

func (r redacted) Error() string { return strings.ReplaceAll(r.err.Error(), r.token, "<token>") }
func (r redacted) Unwrap() error { return r.err }

func itoa(n int) string { return strconv.Itoa(n) }

// isNotModified tells an edit that changed nothing: the card already shows
// what we wanted, which is success.
func isNotModified(err error) bool {
	return classify(err) == outNotModified
}
