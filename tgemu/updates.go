package tgemu

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Update lifetimes of the reference server (notes 2.1): messages live 24 h in the queue,
// callback queries 150 s.
const (
	updateTTL   = 24 * time.Hour
	callbackTTL = 150 * time.Second
	// antiSpinWindow: the same offset again within 3 s with timeout < 3 gets a 3 s timeout.
	antiSpinWindow = 3 * time.Second
)

// pendingUpdate is an update waiting in the bot's queue until confirmed by an offset (or
// delivered by the webhook).
type pendingUpdate struct {
	id        int
	kind      string // "message", "edited_message", "callback_query", "my_chat_member"
	chatID    int64
	upd       wUpdate
	created   time.Time
	expires   time.Time
	delivered int // times handed out by getUpdates
	ackSkips  int // confirmations still to ignore (duplicate delivery fault)
	// webhook delivery state
	attempts  int
	notBefore time.Time
	inFlight  bool
}

// poller is a held getUpdates call; a newer call aborts it with 409.
type poller struct {
	abort chan struct{}
}

// pollMemo remembers the previous getUpdates for the anti-spin rule.
type pollMemo struct {
	offset int64
	at     time.Time
	valid  bool
}

// defaultAllowed reports whether kind is delivered when allowed_updates is empty or unset:
// everything except chat_member and message reactions (notes 5.2).
func defaultAllowed(kind string) bool {
	switch kind {
	case "chat_member", "message_reaction", "message_reaction_count":
		return false
	}
	return true
}

// enqueue adds an update for the bot. Caller holds s.mu. Updates of kinds the bot did not ask
// for are not stored at all, as on Telegram.
func (s *Server) enqueue(kind string, chatID int64, fill func(*wUpdate)) {
	if s.allowed != nil {
		if !s.allowed[kind] {
			return
		}
	} else if !defaultAllowed(kind) {
		return
	}
	now := s.clock.Now()
	ttl := updateTTL
	if kind == "callback_query" {
		ttl = callbackTTL
	}
	p := &pendingUpdate{id: s.nextUpdateID, kind: kind, chatID: chatID, created: now, expires: now.Add(ttl)}
	s.nextUpdateID++
	p.upd.UpdateID = p.id
	fill(&p.upd)
	if s.dupDelivery || s.deliveryFault(FaultDuplicate, "", chatID) {
		p.ackSkips = 1
	}
	s.updates = append(s.updates, p)
	s.notify()
}

// dropExpired removes updates past their lifetime. Caller holds s.mu.
func (s *Server) dropExpired() {
	now := s.clock.Now()
	kept := s.updates[:0]
	for _, u := range s.updates {
		if now.Before(u.expires) {
			kept = append(kept, u)
		}
	}
	clear(s.updates[len(kept):])
	s.updates = kept
}

// confirm applies a getUpdates offset: updates below a positive offset are forgotten, a
// negative offset keeps only the last -offset updates. Caller holds s.mu.
func (s *Server) confirm(offset int64) {
	switch {
	case offset > 0:
		kept := s.updates[:0]
		for _, u := range s.updates {
			if int64(u.id) >= offset {
				kept = append(kept, u)
				continue
			}
			if u.delivered > 0 && u.ackSkips > 0 {
				// Duplicate delivery: this confirmation is "lost" once, so the same update_id
				// comes back in the next batch, as after a crash between handling and acking.
				u.ackSkips--
				kept = append(kept, u)
			}
		}
		clear(s.updates[len(kept):])
		s.updates = kept
	case offset < 0:
		if n := int(-offset); n < len(s.updates) {
			s.updates = append(s.updates[:0], s.updates[len(s.updates)-n:]...)
		}
	}
}

// getUpdates is a real long poll: it returns at once when updates are waiting, otherwise it
// holds the request until one arrives, the timeout passes, a newer poll takes over (409), the
// client goes away or the server closes.
func (s *Server) getUpdates(ctx context.Context, q *request) (any, *apiError) {
	offset, _, err := q.int64Param("offset")
	if err != nil {
		return nil, err
	}
	limit, hasLimit, err := q.intParam("limit")
	if err != nil {
		return nil, err
	}
	if !hasLimit || limit > 100 {
		limit = 100
	}
	if limit < 1 {
		limit = 1
	}
	timeoutSec, _, err := q.int64Param("timeout")
	if err != nil {
		return nil, err
	}
	if timeoutSec < 0 {
		timeoutSec = 0
	}
	timeout := time.Duration(timeoutSec) * time.Second
	if timeout > s.opts.LongPollMax {
		timeout = s.opts.LongPollMax
	}

	s.mu.Lock()
	if s.hook != nil && s.hook.url != "" {
		s.mu.Unlock()
		return nil, errDesc(409, descConflictWebhook)
	}
	if raw := q.str("allowed_updates"); q.has("allowed_updates") {
		// An unparsable value (or null) keeps the previous setting, like the reference server.
		var kinds []string
		if json.Unmarshal([]byte(raw), &kinds) == nil {
			s.setAllowed(kinds)
		}
	}
	now := s.clock.Now()
	if s.lastPoll.valid && s.lastPoll.offset == offset && now.Sub(s.lastPoll.at) < antiSpinWindow && timeout < antiSpinWindow {
		timeout = min(antiSpinWindow, s.opts.LongPollMax)
	}
	s.lastPoll = pollMemo{offset: offset, at: now, valid: true}
	s.confirm(offset)
	if s.poll != nil {
		close(s.poll.abort)
	}
	me := &poller{abort: make(chan struct{})}
	s.poll = me
	s.notify()
	deadline := now.Add(timeout)
	defer func() {
		if s.poll == me {
			s.poll = nil
		}
		s.mu.Unlock()
	}()
	for {
		s.dropExpired()
		if len(s.updates) > 0 {
			return s.takeBatch(limit), nil
		}
		left := s.clock.until(deadline)
		if left <= 0 || s.isClosed() {
			return []wUpdate{}, nil
		}
		ch := s.changed
		s.mu.Unlock()
		timer := time.NewTimer(left)
		var aborted bool
		select {
		case <-ch:
		case <-timer.C:
		case <-me.abort:
			aborted = true
		case <-ctx.Done():
		case <-s.closed:
		}
		timer.Stop()
		s.mu.Lock()
		if aborted {
			if s.hook != nil && s.hook.url != "" {
				return nil, errDesc(409, descConflictSetHook)
			}
			return nil, errDesc(409, descConflictPoll)
		}
		if ctx.Err() != nil {
			return []wUpdate{}, nil
		}
	}
}

// takeBatch returns up to limit updates in queue order and counts the delivery. Caller holds s.mu.
func (s *Server) takeBatch(limit int) []wUpdate {
	n := min(limit, len(s.updates))
	out := make([]wUpdate, 0, n)
	for _, u := range s.updates[:n] {
		u.delivered++
		out = append(out, u.upd)
	}
	if s.faults.reorderNext(s) {
		out = reorderAcrossChats(out, s.updates[:n])
	}
	return out
}

// setAllowed stores allowed_updates; an empty list means the default set. Caller holds s.mu.
func (s *Server) setAllowed(kinds []string) {
	if len(kinds) == 0 {
		s.allowed = nil
		return
	}
	s.allowed = map[string]bool{}
	for _, k := range kinds {
		s.allowed[k] = true
	}
}

// SetDuplicateDelivery makes every new update be delivered twice: the first confirmation of
// each update is ignored once (getUpdates), or each webhook delivery is repeated.
func (s *Server) SetDuplicateDelivery(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dupDelivery = on
}

// PendingUpdates is the number of updates waiting in the queue.
func (s *Server) PendingUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired()
	return len(s.updates)
}

// reorderAcrossChats swaps the batch so that chats come out of order while each chat's own
// updates stay in order (the reference server only guarantees per-chat order).
func reorderAcrossChats(batch []wUpdate, src []*pendingUpdate) []wUpdate {
	var order []int64
	byChat := map[int64][]wUpdate{}
	for i, u := range batch {
		c := src[i].chatID
		if _, ok := byChat[c]; !ok {
			order = append(order, c)
		}
		byChat[c] = append(byChat[c], u)
	}
	if len(order) < 2 {
		return batch
	}
	out := make([]wUpdate, 0, len(batch))
	for i := len(order) - 1; i >= 0; i-- {
		out = append(out, byChat[order[i]]...)
	}
	return out
}

// AwaitPolling blocks until the bot holds a long poll (getUpdates waiting for updates), which
// tells a test that the bot under test is up and listening.
func (s *Server) AwaitPolling(timeout time.Duration) error {
	err := s.await(timeout, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.poll != nil
	})
	if err != nil {
		return fmt.Errorf("tgemu: no getUpdates long poll held: %w", err)
	}
	return nil
}
