package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/crm"
)

// The outbox sender. Each lane (interactive, bulk) has a claimer and its own workers: the
// claimer takes due rows with FOR UPDATE SKIP LOCKED (so workers of several replicas never share
// a row, and a chat's rows go one at a time, in order), the workers render each row in its
// recipient's language, send it through the shared rate limiter and record the outcome. Every
// error has its own rule (deliver).

// DeliveryConfig tunes the outbox sender; zero values get the defaults in brackets.
type DeliveryConfig struct {
	InteractiveWorkers int // rows of the interactive lane sent at once [16]
	BulkWorkers        int // rows of the bulk lane sent at once [16]
	// SendTimeout bounds one Bot API call [10 s]. A send that times out may have reached the
	// chat: bulk rows are then not sent again.
	SendTimeout time.Duration
	// Retries of 5xx, timeouts and lost connections back off exponentially from RetryBase [1 s]
	// to RetryMax [5 min], with jitter; a row still failing RetryDeadline [1 h] after it fell
	// due is failed and the managers are told.
	RetryBase, RetryMax, RetryDeadline time.Duration
	// MaxHold is the longest wait for a chat's own budget a worker sits out [1 s]; a row that
	// would wait longer is put back until then.
	MaxHold time.Duration
	// PrivateBurst is the burst of a private chat [3]; GroupPerMinute [20] and GroupBurst [10]
	// limit a group. Config.SendRate and ChatRate set the global and the private rate.
	PrivateBurst   int
	GroupPerMinute float64
	GroupBurst     int
}

func (c *DeliveryConfig) defaults() {
	if c.InteractiveWorkers <= 0 {
		c.InteractiveWorkers = 16
	}
	if c.BulkWorkers <= 0 {
		c.BulkWorkers = 16
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 10 * time.Second
	}
	if c.RetryBase <= 0 {
		c.RetryBase = time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = 5 * time.Minute
	}
	if c.RetryDeadline <= 0 {
		c.RetryDeadline = time.Hour
	}
	if c.MaxHold <= 0 {
		c.MaxHold = time.Second
	}
	if c.PrivateBurst <= 0 {
		c.PrivateBurst = 3
	}
	if c.GroupPerMinute <= 0 {
		c.GroupPerMinute = 20
	}
	if c.GroupBurst <= 0 {
		c.GroupBurst = 10
	}
}

// limits are the limiter's settings from the configuration.
func (c *Config) limits() limits {
	return limits{
		global:         c.SendRate,
		private:        c.ChatRate,
		privateBurst:   c.Delivery.PrivateBurst,
		groupPerMinute: c.Delivery.GroupPerMinute,
		groupBurst:     c.Delivery.GroupBurst,
	}
}

// runSender delivers outbox rows until stop ends: woken by writes of this process and, for rows
// written elsewhere (scheduler, other replicas), by a timer. Rows are sent under work, which
// outlives stop, so rows already being sent are finished and recorded rather than left
// half-sent at shutdown; rows claimed but not yet started are given back.
func (b *Bot) runSender(stop, work context.Context) {
	lanes := []*senderLane{
		newSenderLane(crm.LaneInteractive, b.cfg.Delivery.InteractiveWorkers),
		newSenderLane(crm.LaneBulk, b.cfg.Delivery.BulkWorkers),
	}
	var wg sync.WaitGroup
	for _, ln := range lanes {
		wg.Go(func() { b.runLane(stop, work, ln) })
	}
	// One poke from the bot wakes both lanes.
	wg.Go(func() {
		for {
			select {
			case <-stop.Done():
				return
			case <-b.poke:
				for _, ln := range lanes {
					ln.wake()
				}
			}
		}
	})
	wg.Wait()
}

// senderLane is the claimer and the workers of one lane.
type senderLane struct {
	name    string
	workers int
	queue   chan crm.OutboxMessage // claimed rows waiting for a worker
	poke    chan struct{}          // wakes the claimer
}

func newSenderLane(name string, workers int) *senderLane {
	return &senderLane{
		name:    name,
		workers: workers,
		// Claim ahead: workers find the next row waiting when they finish one.
		queue: make(chan crm.OutboxMessage, 2*workers),
		poke:  make(chan struct{}, 1),
	}
}

func (ln *senderLane) wake() {
	select {
	case ln.poke <- struct{}{}:
	default:
	}
}

func (b *Bot) runLane(stop, work context.Context, ln *senderLane) {
	ctx := withLane(work, ln.name)
	// Waits for the rate limits end DrainTimeout after stop (a long flood-control pause must
	// not hold up shutdown); sends and their records go on under work.
	waits, cancelWaits := context.WithCancel(ctx)
	defer cancelWaits()
	var workers sync.WaitGroup
	for range ln.workers {
		workers.Go(func() {
			for m := range ln.queue {
				b.deliver(ctx, waits, m)
				// The chat's next row may be claimable now.
				ln.wake()
			}
		})
	}
	t := time.NewTicker(b.cfg.OutboxInterval)
	defer t.Stop()
	for stop.Err() == nil {
		// Claim when the queue is at most half full: fewer, larger claims.
		if free := cap(ln.queue) - len(ln.queue); free >= max(1, ln.workers) {
			rows, err := b.crm.ClaimOutbox(work, ln.name, free)
			if err != nil && work.Err() == nil {
				b.log.Error("claim outbox", "lane", ln.name, "err", err)
			}
			rows = b.skipUnreachable(ctx, ln.name, rows)
			for _, m := range rows {
				ln.queue <- m // never blocks: there were free slots and we are the only producer
			}
			if len(rows) == free {
				continue // there may be more at once
			}
		}
		select {
		case <-stop.Done():
		case <-t.C:
		case <-ln.poke:
		}
	}
	// Give back what no worker started, then let the workers finish what they hold.
	var left []int64
drain:
	for {
		select {
		case m := <-ln.queue:
			left = append(left, m.ID)
		default:
			break drain
		}
	}
	close(ln.queue)
	if err := b.crm.ReleaseOutbox(work, left); err != nil {
		b.log.Warn("release unsent outbox rows", "lane", ln.name, "err", err)
	}
	grace := time.AfterFunc(b.cfg.DrainTimeout, cancelWaits)
	defer grace.Stop()
	workers.Wait()
}

// skipUnreachable settles bulk rows addressed to clients marked unreachable (they blocked the
// bot): jobs skip such clients, and asking Telegram again would only earn another 403.
func (b *Bot) skipUnreachable(ctx context.Context, lane string, rows []crm.OutboxMessage) []crm.OutboxMessage {
	if lane != crm.LaneBulk || len(rows) == 0 {
		return rows
	}
	chats := make([]int64, len(rows))
	for i, m := range rows {
		chats[i] = m.ChatID
	}
	unreachable, err := b.crm.UnreachableChats(ctx, chats)
	if err != nil || len(unreachable) == 0 {
		if err != nil {
			b.log.Warn("look up unreachable clients", "err", err)
		}
		return rows
	}
	kept := rows[:0]
	for _, m := range rows {
		if !unreachable[m.ChatID] {
			kept = append(kept, m)
			continue
		}
		b.record(ctx, m, "skip unreachable", b.crm.MarkBlocked(ctx, m.ID, "not sent: the client is marked unreachable"))
	}
	return kept
}

// maxMigrations bounds how often one delivery follows a group to its supergroup.
const maxMigrations = 2

// deliver renders one claimed row in its recipient's language, sends its parts from the first
// one not yet in the chat, and records the outcome. The rules, one per kind of answer:
//   - sent: recorded with the Telegram message id, part by part for long messages;
//   - 429: the chat gets nothing for retry_after, and neither does the bulk lane when the chat
//     had sent nothing lately (the limit hit was the bot's global one, see limiter.pause); the
//     row waits as long, then is resent; it is never dropped;
//   - 5xx, timeouts, lost connections: resent after an exponential backoff with jitter, until
//     RetryDeadline after the row fell due; then failed, and the managers are told;
//   - a lost answer (timeout, dropped connection, 504) on a bulk row: uncertain, not resent (at
//     most once); an answer cut short after Telegram said 200: sent;
//   - 403 (blocked, deactivated, never started): blocked, the client is marked unreachable, no
//     retry;
//   - 400 chat not found and every other refusal: failed at once, managers told;
//   - a group upgraded to a supergroup: the chat id is rewritten everywhere and the row resent.
//
// Waits for the rate limits run under waits, which ends before ctx at shutdown: the row is then
// put back as it is.
func (b *Bot) deliver(ctx, waits context.Context, m crm.OutboxMessage) {
	bulk := m.Lane == crm.LaneBulk
	if m.AttemptedAt != nil && bulk {
		// A sender died with this row on the wire: it may be in the chat.
		b.record(ctx, m, "uncertain", b.crm.MarkUncertain(ctx, m.ID, "the sender stopped while sending; not sent again"))
		return
	}
	out, err := b.renderOutbox(ctx, m)
	if errors.Is(err, errObsolete) {
		// A scheduled notice whose reason went away (paid, cancelled): settled, not sent.
		b.log.Info("outbox row no longer relevant: cancelled", "outbox_id", m.ID, "kind", m.Kind, "err", err)
		b.record(ctx, m, "cancelled", b.crm.CancelOutbox(ctx, m.ID, err.Error()))
		return
	}
	if err != nil {
		b.log.Error("render outbox row", "outbox_id", m.ID, "kind", m.Kind, "err", err)
		b.record(ctx, m, "failed", b.crm.MarkFailed(ctx, m.ID, err.Error()))
		return
	}
	lastID, migrations := 0, 0
	for part := m.PartsSent; part < len(out.parts); part++ {
		g, err := b.limit.wait(waits, m.Lane, m.ChatID, b.cfg.Delivery.MaxHold)
		if err != nil {
			b.record(ctx, m, "deferred", b.crm.Defer(ctx, m.ID, b.cfg.Now()))
			return
		}
		if !g.ok {
			// The chat is busy for a while: put the row aside rather than hold a worker.
			b.record(ctx, m, "deferred", b.crm.Defer(ctx, m.ID, b.cfg.Now().Add(g.chatWait)))
			return
		}
		if bulk {
			if err := b.crm.MarkAttempt(ctx, m.ID); err != nil {
				b.log.Error("record send attempt", "outbox_id", m.ID, "err", err)
				b.record(ctx, m, "deferred", b.crm.Defer(ctx, m.ID, b.cfg.Now().Add(b.cfg.Delivery.RetryBase)))
				return
			}
		}
		resp, err := b.post(ctx, out.parts[part](m.ChatID))
		switch o := classify(err); o {
		case outSent, outSentNoID, outNotModified:
			lastID = messageIDOf(resp)
			if part+1 < len(out.parts) {
				if err := b.crm.MarkPartSent(ctx, m.ID, part+1, lastID); err != nil {
					b.log.Error("record sent part", "outbox_id", m.ID, "part", part+1, "err", err)
				}
			}
			continue
		case outFlood:
			var tgErr *tgbotapi.Error
			errors.As(err, &tgErr)
			wait := time.Duration(tgErr.RetryAfter) * time.Second
			b.limit.pause(ctx, m.ChatID, wait, g.fresh)
			b.log.Info("flood control: waiting as told", "outbox_id", m.ID, "chat_id", m.ChatID, "retry_after", wait.String(), "global", g.fresh)
			b.record(ctx, m, "retry", b.crm.MarkRetry(ctx, m.ID, err.Error(), b.cfg.Now().Add(wait)))
			return
		case outMigrated:
			var tgErr *tgbotapi.Error
			errors.As(err, &tgErr)
			if migrations++; migrations > maxMigrations {
				b.record(ctx, m, "failed", b.crm.MarkFailed(ctx, m.ID, err.Error()))
				return
			}
			if err := b.crm.MigrateChat(ctx, m.ChatID, tgErr.MigrateToChatID); err != nil {
				b.log.Error("record chat migration", "chat_id", m.ChatID, "err", err)
				b.retryOrFail(ctx, m, err)
				return
			}
			b.log.Info("group upgraded to a supergroup: resending there", "outbox_id", m.ID, "chat_id", m.ChatID, "to_chat_id", tgErr.MigrateToChatID)
			m.ChatID = tgErr.MigrateToChatID
			part-- // the same part, to the new chat
			continue
		case outBlocked:
			b.log.Info("recipient unreachable", "outbox_id", m.ID, "chat_id", m.ChatID, "err", err)
			b.record(ctx, m, "blocked", b.crm.MarkBlocked(ctx, m.ID, err.Error()))
			return
		case outRejected:
			b.log.Warn("telegram refused the message", "outbox_id", m.ID, "kind", m.Kind, "err", err)
			b.record(ctx, m, "failed", b.crm.MarkFailed(ctx, m.ID, err.Error()))
			return
		case outLost:
			if bulk {
				b.log.Warn("answer lost: not sending the bulk message again", "outbox_id", m.ID, "err", err)
				b.record(ctx, m, "uncertain", b.crm.MarkUncertain(ctx, m.ID, err.Error()))
				return
			}
			b.retryOrFail(ctx, m, err)
			return
		default:
			b.retryOrFail(ctx, m, err)
			return
		}
	}
	b.record(ctx, m, "sent", b.crm.MarkSent(ctx, m.ID, len(out.parts), lastID))
	if out.after != nil {
		out.after(ctx, m.ChatID)
	}
}

// retryOrFail backs off a row that failed for a passing reason, or fails it past its deadline.
func (b *Bot) retryOrFail(ctx context.Context, m crm.OutboxMessage, cause error) {
	now := b.cfg.Now()
	if now.Sub(m.NotBefore) >= b.cfg.Delivery.RetryDeadline {
		b.log.Warn("outbox row failed: retry deadline passed", "outbox_id", m.ID, "kind", m.Kind, "attempts", m.Attempts+1, "err", cause)
		b.record(ctx, m, "failed", b.crm.MarkFailed(ctx, m.ID, cause.Error()))
		return
	}
	wait := backoff(b.cfg.Delivery.RetryBase, b.cfg.Delivery.RetryMax, m.Attempts)
	b.log.Info("outbox row will be retried", "outbox_id", m.ID, "kind", m.Kind, "err", cause, "retry_in", wait.String())
	b.record(ctx, m, "retry", b.crm.MarkRetry(ctx, m.ID, cause.Error(), now.Add(wait)))
}

// backoff is base doubled per earlier failure, capped at most, with "equal jitter": a random
// point in the upper half, so retries of rows that failed together spread out but never come
// sooner than half the nominal wait. The doubling stops at the cap, so a large base or many
// failures never overflow into a negative wait.
func backoff(base, most time.Duration, failures int) time.Duration {
	d := min(max(base, 0), max(most, 0))
	for i := 0; i < failures && d < most; i++ {
		if d > most/2 {
			d = most
			break
		}
		d *= 2
	}
	return d/2 + rand.N(d/2+1)
}

// record logs a failure to record an outcome: the row stays claimed and is retried after the
// stuck timeout.
func (b *Bot) record(ctx context.Context, m crm.OutboxMessage, what string, err error) {
	if err != nil && ctx.Err() == nil {
		b.log.Error("record outbox outcome", "outbox_id", m.ID, "outcome", what, "err", err)
	}
}

func messageIDOf(resp *tgbotapi.APIResponse) int {
	if resp == nil || len(resp.Result) == 0 {
		return 0
	}
	var m struct {
		MessageID int `json:"message_id"`
	}
	if err := json.Unmarshal(resp.Result, &m); err != nil {
		return 0
	}
	return m.MessageID
}

var errUnknownKind = errors.New("unknown outbox kind")

// errNoOrder is a row whose kind needs an order but has none.
func errNoOrder(m crm.OutboxMessage) error {
	return fmt.Errorf("outbox row %d of kind %s has no order: %w", m.ID, m.Kind, crm.ErrInvalidInput)
}
