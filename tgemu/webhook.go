package tgemu

import (
	"context"
	"encoding/json"
)

// webhookState is the bot's webhook registration.
type webhookState struct {
	url            string
	secret         string
	maxConnections int
	allowed        []string
	lastErrorDate  int64
	lastErrorMsg   string
}

func (s *Server) setWebhook(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	url := q.str("url")
	if url == "" {
		s.hook = nil
		return true, nil
	}
	h := &webhookState{url: url, secret: q.str("secret_token"), maxConnections: 40}
	if raw := q.str("allowed_updates"); raw != "" {
		_ = json.Unmarshal([]byte(raw), &h.allowed)
	}
	s.hook = h
	if s.poll != nil {
		close(s.poll.abort)
		s.poll = nil
	}
	s.notify()
	return true, nil
}

func (s *Server) deleteWebhook(_ context.Context, q *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = nil
	if q.boolParam("drop_pending_updates") {
		s.updates = nil
	}
	s.notify()
	return true, nil
}

func (s *Server) getWebhookInfo(context.Context, *request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := wWebhookInfo{PendingUpdateCount: len(s.updates)}
	if s.hook != nil {
		info.URL = s.hook.url
		info.MaxConnections = s.hook.maxConnections
		info.AllowedUpdates = s.hook.allowed
		info.LastErrorDate, info.LastErrorMessage = s.hook.lastErrorDate, s.hook.lastErrorMsg
	}
	return info, nil
}
