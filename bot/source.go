package bot

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ctxClient binds the library's context-free requests to a context, so a
// held long poll ends the moment we shut down.
type ctxClient struct {
	ctx  context.Context
	next tgbotapi.HTTPClient
}

func (c ctxClient) Do(r *http.Request) (*http.Response, error) {
	return c.next.Do(r.WithContext(c.ctx))
}

// allowedUpdates are the update kinds we act on; asking only for them spares
// Telegram and us the rest.
const allowedUpdates = `["message","edited_message","callback_query","my_chat_member"]`

// poll is our long-poll loop. The library's GetUpdatesChan has no context,
// sleeps a fixed 3 s on every error (ignoring retry_after) and logs URLs that
// hold the token, so we drive getUpdates ourselves.
func (b *Bot) poll(ctx context.Context, d *dispatcher) error {
	// A copy of the client whose requests die with ctx; replies keep using
	// the original so that in-flight work can finish during shutdown.
	pollAPI := *b.api
	pollAPI.Client = ctxClient{ctx: ctx, next: b.api.Client}

	lease := b.newPollLease() // poll_lease.go
	leaseCtx, stopLease := context.WithCancel(ctx)
	leaseDone := make(chan struct{})
	go func() { defer close(leaseDone); lease.keep(leaseCtx) }()
	defer func() { stopLease(); <-leaseDone }() // a clean stop hands the lease over at once

	offset := 0
	backoff := time.Second
	replay := true // what a previous poller left in the inbox comes first (inbox.go)
	for {
		if !lease.holding() {
			replay = true // whoever held the lease may have died with updates in flight
		}
		if !lease.wait(ctx) || ctx.Err() != nil {
			return nil
		}
		if replay {
			if err := b.replayInbox(ctx, d); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				wait := retryWait(err, &backoff)
				b.log.Warn("poll", "err", err, "retry_in", wait.String())
				if !sleepCtx(ctx, wait) {
					return nil
				}
				continue
			}
			replay = false
		}
		resp, err := pollAPI.MakeRequest("getUpdates", tgbotapi.Params{
			"offset":          itoa(offset),
			"timeout":         itoa(int(b.cfg.PollTimeout / time.Second)),
			"allowed_updates": allowedUpdates,
		})
		var updates []tgbotapi.Update
		var raws []json.RawMessage
		if err == nil {
			updates, raws, err = decodePolled(resp) // inbox.go
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if b.dropStaleWebhook(ctx, err) { // webhook.go
				continue
			}
			if pollConflict(err) {
				// Someone polls this bot without sharing our lease (another deployment, or a
				// replica on another Redis): stand by rather than take turns stealing polls.
				b.log.Warn("another process polls this bot outside this deployment's lease: standing by",
					"retry_in", pollConflictStandby.String())
				if !sleepCtx(ctx, pollConflictStandby) {
					return nil
				}
				continue
			}
			wait := retryWait(err, &backoff)
			b.log.Warn("get updates", "err", redactErr(err, b.api.Token), "retry_in", wait.String())
			if !sleepCtx(ctx, wait) {
				return nil
			}
			continue
		}
		fresh, freshRaws := updates[:0], raws[:0]
		for i, u := range updates {
			if u.UpdateID < offset { // delivered again before our confirmation reached Telegram
				b.cfg.Metrics.UpdateReceived(updateType(u))
				b.cfg.Metrics.UpdateDuplicate(updateType(u))
				continue
			}
			fresh, freshRaws = append(fresh, u), append(freshRaws, raws[i])
		}
		if len(fresh) == 0 {
			backoff = time.Second
			continue
		}
		// Into the inbox before the next poll's offset confirms them; when Redis cannot take
		// them, they are not confirmed and come again.
		counts, err := b.takePolled(ctx, fresh, freshRaws)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			wait := retryWait(err, &backoff)
			b.log.Warn("poll", "err", err, "retry_in", wait.String())
			if !sleepCtx(ctx, wait) {
				return nil
			}
			continue
		}
		backoff = time.Second
		for _, u := range fresh {
			offset = max(offset, u.UpdateID+1) // a batch may come with chats out of order
		}
		if d.submitPolled(ctx, fresh, counts) < len(fresh) {
			return nil // the rest stay in the inbox
		}
	}
}

// retryWait is how long to wait before calling the Bot API again after err: the wait flood
// control asked for, or else the current backoff, which then doubles, up to 30 s. A success
// resets the backoff (the caller's job); a flood-control wait leaves it as it was.
func retryWait(err error, backoff *time.Duration) time.Duration {
	var tgErr *tgbotapi.Error
	if errors.As(err, &tgErr) && tgErr.RetryAfter > 0 {
		return time.Duration(tgErr.RetryAfter) * time.Second
	}
	wait := *backoff
	*backoff = min(*backoff*2, 30*time.Second)
	return wait
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
