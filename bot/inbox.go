package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The inbox holds the updates this deployment polled and has not handled yet, update id → the
// update as Telegram sent it. getUpdates' offset confirms everything below it, and a handler
// may take a while, so confirming only past handled updates would have every poll hand out
// again all still in flight; instead a batch goes into the inbox (in the pipeline that counts
// its arrivals anyway) before the next poll confirms it, and leaves it in the done marks'
// batch once handled (intake.go). A poller that starts, or takes over from one that died,
// first handles what the inbox holds: the updates a crash cut short. Losing Redis and the
// process at the same moment loses what was in flight, the one gap left.

// inboxKey is the inbox of one bot.
func inboxKey(prefix string, botID int64) string {
	return prefix + "inbox:" + strconv.FormatInt(botID, 10)
}

// takePolled puts a polled batch into the inbox and counts it against its senders' flood
// limits, in one round trip. An error means the batch is not safe to confirm: the caller asks
// for it again.
func (b *Bot) takePolled(ctx context.Context, updates []tgbotapi.Update, raws []json.RawMessage) ([]int64, error) {
	pipe := b.rdb.Pipeline()
	cmds := b.queueArrivalCounts(ctx, pipe, updates) // flood.go
	key := inboxKey(b.cfg.KeyPrefix, b.api.Self.ID)
	fields := make([]any, 0, 2*len(updates))
	for i, u := range updates {
		fields = append(fields, strconv.Itoa(u.UpdateID), []byte(raws[i]))
	}
	pipe.HSet(ctx, key, fields...)
	pipe.Expire(ctx, key, updateTTL) // Telegram would not deliver them later either
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("put %d polled updates into the inbox: %w", len(updates), err)
	}
	return arrivalCounts(cmds), nil
}

// replayInbox queues what the inbox holds, oldest first, before anything newly polled: the
// updates of a poller that died before handling them (or of this process's previous life).
// Ones another live process still handles wait for it in begin, and are then skipped.
func (b *Bot) replayInbox(ctx context.Context, d *dispatcher) error {
	all, err := b.rdb.HGetAll(ctx, inboxKey(b.cfg.KeyPrefix, b.api.Self.ID)).Result()
	if err != nil {
		return fmt.Errorf("read the inbox: %w", err)
	}
	updates := make([]tgbotapi.Update, 0, len(all))
	for id, raw := range all {
		var u tgbotapi.Update
		if err := json.Unmarshal([]byte(raw), &u); err != nil || strconv.Itoa(u.UpdateID) != id {
			b.log.Warn("inbox: unreadable update dropped", "update_id", id)
			d.marks.add(doneMarkEntry{updateID: atoiOr0(id), inbox: true})
			continue
		}
		updates = append(updates, u)
	}
	if len(updates) == 0 {
		return nil
	}
	slices.SortFunc(updates, func(a, b tgbotapi.Update) int { return a.UpdateID - b.UpdateID })
	b.log.Info("inbox: handling the updates a previous poller left", "updates", len(updates))
	d.submitPolled(ctx, updates, make([]int64, len(updates)))
	return nil
}

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// decodePolled decodes a getUpdates answer, keeping each update's JSON for the inbox.
func decodePolled(resp *tgbotapi.APIResponse) ([]tgbotapi.Update, []json.RawMessage, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil {
		return nil, nil, fmt.Errorf("decode updates: %w", err)
	}
	updates := make([]tgbotapi.Update, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &updates[i]); err != nil {
			return nil, nil, fmt.Errorf("decode updates: %w", err)
		}
	}
	return updates, raws, nil
}
