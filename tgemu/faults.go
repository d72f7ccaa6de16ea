package tgemu

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind says what an injected fault does.
type FaultKind int

const (
	// FaultError answers with Code, Description and optional RetryAfter / MigrateTo in Telegram's
	// JSON envelope, without running the method.
	FaultError FaultKind = iota
	// FaultHTML answers with Code and an nginx-style HTML body (502/504 from a proxy); the Go
	// library then returns a *json.SyntaxError, not a *tgbotapi.Error.
	FaultHTML
	// FaultTruncated runs the method for real, then sends only half of its JSON answer: the
	// message WAS sent although the client cannot know it.
	FaultTruncated
	// FaultLatency waits Delay, then answers normally (runs the method after the wait, or before
	// it with Action.AfterCall).
	FaultLatency
	// FaultHang never answers; the request ends when the client gives up or the server closes.
	// The method does not run, unless Action.AfterCall.
	FaultHang
	// FaultDrop closes the TCP connection without an answer. The method does not run, unless
	// Action.AfterCall.
	FaultDrop
	// FaultReorder hands out a getUpdates batch (or dispatches webhook deliveries) with chats in
	// reverse order; each chat's own updates stay in order.
	FaultReorder
	// FaultDuplicate delivers matching updates twice with the same update_id.
	FaultDuplicate
	// FaultWrongSecret sends webhook deliveries with a wrong X-Telegram-Bot-Api-Secret-Token.
	FaultWrongSecret
	// FaultNoSecret sends webhook deliveries without the secret header.
	FaultNoSecret
)

// Match selects the calls (or, for delivery faults, the updates) a fault applies to.
type Match struct {
	Method      string  // Bot API method, any case; "" or "*" matches every method
	ChatID      int64   // only calls (updates) of this chat; 0 matches all
	Contains    string  // only calls with a parameter value containing this text
	Nth         int     // start firing at the Nth matching call (1-based; 0 = the first)
	Times       int     // fire at most this many times; 0 = every time
	Probability float64 // chance to fire per matching call; 0 = always
}

// Action is what a fault does; build it with the helpers below or by hand.
type Action struct {
	Kind        FaultKind
	Code        int
	Description string
	RetryAfter  int
	MigrateTo   int64
	Delay       time.Duration
	// AfterCall runs the method for real first (the message is in the chat, the edit is made),
	// then answers as Kind says: FaultDrop closes the connection, FaultHang holds it until the
	// client gives up, FaultLatency answers after Delay, FaultError and FaultHTML replace the
	// real answer. It is the answer lost after Telegram did the call, which a client cannot
	// tell from one lost before. The call is recorded with its real status and the fault
	// "<kind>_after_call". FaultTruncated always runs the method; delivery faults ignore it.
	AfterCall bool
}

// FaultRule is an injected fault; keep it to count or remove it.
type FaultRule struct {
	s      *Server
	match  Match
	action Action
	seen   int
	fired  int
	// q is set only on the firing matchCallFault hands out for an AfterCall action: the request
	// to run before the fault answers.
	q *request
}

// faultSet holds the rules; guarded by s.mu.
type faultSet struct {
	rules []*FaultRule
	rng   *rand.Rand // seeded, so that probabilistic runs repeat
}

// InjectFault adds a fault rule. Rules are checked in order; the first that fires wins.
func (s *Server) InjectFault(m Match, a Action) *FaultRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := &FaultRule{s: s, match: m, action: a}
	s.faults.rules = append(s.faults.rules, r)
	return r
}

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.rules = nil
}

// Remove deletes the rule.
func (r *FaultRule) Remove() {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	rules := r.s.faults.rules
	for i, x := range rules {
		if x == r {
			r.s.faults.rules = append(rules[:i:i], rules[i+1:]...)
			return
		}
	}
}

// Fired is how many times the rule has fired.
func (r *FaultRule) Fired() int {
	r.s.mu.Lock()
	defer r.s.mu.Unlock()
	return r.fired
}

// Action presets with Telegram's exact wording.

// TooManyRequests is a 429 with retry_after (and the Retry-After header).
func TooManyRequests(retryAfter int) Action {
	e := errTooMany(retryAfter)
	return Action{Kind: FaultError, Code: 429, Description: e.Desc, RetryAfter: e.RetryAfter}
}

// ErrorAction answers code with description (give the full "Bad Request: ..." text).
func ErrorAction(code int, description string) Action {
	return Action{Kind: FaultError, Code: code, Description: description}
}

// Blocked is 403 "Forbidden: bot was blocked by the user".
func Blocked() Action { return ErrorAction(403, descBlocked) }

// Deactivated is 403 "Forbidden: user is deactivated".
func Deactivated() Action { return ErrorAction(403, descDeactivated) }

// CantInitiate is 403 "Forbidden: bot can't initiate conversation with a user".
func CantInitiate() Action { return ErrorAction(403, descCantInitiate) }

// KickedFromGroup is 403 "Forbidden: bot was kicked from the group chat".
func KickedFromGroup() Action { return ErrorAction(403, descKickedGroup) }

// KickedFromSupergroup is 403 "Forbidden: bot was kicked from the supergroup chat".
func KickedFromSupergroup() Action { return ErrorAction(403, descKickedSuper) }

// NotModified is the 400 of an edit that changes nothing.
func NotModified() Action { return ErrorAction(400, descNotModified) }

// QueryTooOld is the 400 of a late or repeated answerCallbackQuery.
func QueryTooOld() Action { return ErrorAction(400, descQueryTooOld) }

// ChatNotFound is 400 "Bad Request: chat not found".
func ChatNotFound() Action { return ErrorAction(400, descChatNotFound) }

// BadHTML is a 400 "can't parse entities" at the given byte offset.
func BadHTML(offset int) Action {
	return ErrorAction(400, fmt.Sprintf(`Bad Request: can't parse entities: Unsupported start tag "x" at byte offset %d`, offset))
}

// Migrated is the 400 of a group upgraded to a supergroup, with migrate_to_chat_id.
func Migrated(to int64) Action {
	return Action{Kind: FaultError, Code: 400, Description: descMigrated, MigrateTo: to}
}

// Conflict is the 409 of a second getUpdates poller.
func Conflict() Action { return ErrorAction(409, descConflictPoll) }

// Unauthorized is 401 "Unauthorized" (a revoked token).
func Unauthorized() Action { return ErrorAction(401, descUnauthorized) }

// InternalError is 500 "Internal Server Error: restart".
func InternalError() Action { return ErrorAction(500, "Internal Server Error: restart") }

// BadGateway is a 502 with an HTML body, as from the proxy in front of the Bot API.
func BadGateway() Action { return Action{Kind: FaultHTML, Code: 502} }

// GatewayTimeout is a 504 with an HTML body.
func GatewayTimeout() Action { return Action{Kind: FaultHTML, Code: 504} }

// TruncatedJSON runs the call and cuts its JSON answer in half.
func TruncatedJSON() Action { return Action{Kind: FaultTruncated} }

// Latency delays the answer by d (real time).
func Latency(d time.Duration) Action { return Action{Kind: FaultLatency, Delay: d} }

// Hang never answers.
func Hang() Action { return Action{Kind: FaultHang} }

// DropConnection closes the connection without an answer.
func DropConnection() Action { return Action{Kind: FaultDrop} }

// DropAfterCall runs the call, then closes the connection without an answer: the message is in
// the chat, the client sees a lost connection.
func DropAfterCall() Action { return Action{Kind: FaultDrop, AfterCall: true} }

// HangAfterCall runs the call, then never answers: the message is in the chat, the client times
// out.
func HangAfterCall() Action { return Action{Kind: FaultHang, AfterCall: true} }

// ReorderChats delivers chats out of order (getUpdates batches, webhook dispatch).
func ReorderChats() Action { return Action{Kind: FaultReorder} }

// DuplicateUpdates delivers matching updates twice with the same update_id.
func DuplicateUpdates() Action { return Action{Kind: FaultDuplicate} }

// WrongSecret sends webhook deliveries with a wrong secret header.
func WrongSecret() Action { return Action{Kind: FaultWrongSecret} }

// MissingSecret sends webhook deliveries without the secret header.
func MissingSecret() Action { return Action{Kind: FaultNoSecret} }

func (k FaultKind) String() string {
	switch k {
	case FaultError:
		return "error"
	case FaultHTML:
		return "html"
	case FaultTruncated:
		return "truncated"
	case FaultLatency:
		return "latency"
	case FaultHang:
		return "hang"
	case FaultDrop:
		return "drop"
	case FaultReorder:
		return "reorder"
	case FaultDuplicate:
		return "duplicate"
	case FaultWrongSecret:
		return "wrong_secret"
	case FaultNoSecret:
		return "no_secret"
	}
	return "fault" + strconv.Itoa(int(k))
}

// isCallFault reports whether the kind answers a Bot API call (the others shape deliveries).
func (k FaultKind) isCallFault() bool {
	switch k {
	case FaultReorder, FaultDuplicate, FaultWrongSecret, FaultNoSecret:
		return false
	}
	return true
}

// fire counts a match and decides whether the rule fires now. Caller holds s.mu.
func (f *faultSet) fire(r *FaultRule) bool {
	r.seen++
	if r.match.Nth > 0 && r.seen < r.match.Nth {
		return false
	}
	if r.match.Times > 0 && r.fired >= r.match.Times {
		return false
	}
	if p := r.match.Probability; p > 0 && p < 1 {
		if f.rng.Float64() >= p {
			return false
		}
	}
	r.fired++
	return true
}

func methodMatches(pattern, method string) bool {
	return pattern == "" || pattern == "*" || strings.EqualFold(pattern, method)
}

// matchCallFault finds the call fault that fires for q, if any. For an AfterCall action it
// returns a copy of the rule that carries q, for faultBefore to run.
func (s *Server) matchCallFault(q *request) *FaultRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.faults.rules {
		if !r.action.Kind.isCallFault() || !methodMatches(r.match.Method, q.method) {
			continue
		}
		if r.match.ChatID != 0 && q.str("chat_id") != strconv.FormatInt(r.match.ChatID, 10) {
			continue
		}
		if r.match.Contains != "" && !paramsContain(q, r.match.Contains) {
			continue
		}
		if s.faults.fire(r) {
			if r.action.AfterCall && r.action.Kind != FaultTruncated {
				return &FaultRule{s: s, match: r.match, action: r.action, q: q}
			}
			return r
		}
	}
	return nil
}

func paramsContain(q *request, sub string) bool {
	for _, v := range q.vals {
		if strings.Contains(v, sub) {
			return true
		}
	}
	return false
}

// deliveryFault finds a delivery fault of kind for an update of chatID. Delivery faults match
// Method only for reordering ("getUpdates" or "webhook"); for the others it is ignored.
// Caller holds s.mu.
func (s *Server) deliveryFault(kind FaultKind, method string, chatID int64) bool {
	for _, r := range s.faults.rules {
		if r.action.Kind != kind || (method != "" && !methodMatches(r.match.Method, method)) {
			continue
		}
		if r.match.ChatID != 0 && r.match.ChatID != chatID {
			continue
		}
		if s.faults.fire(r) {
			return true
		}
	}
	return false
}

// reorderNext reports whether the next getUpdates batch is reordered. Caller holds s.mu.
func (f *faultSet) reorderNext(s *Server) bool {
	return s.deliveryFault(FaultReorder, "getUpdates", 0)
}

// faultBefore applies the parts of a fault that come before (or instead of) running the
// method. It returns true when the request is fully answered.
func (s *Server) faultBefore(w http.ResponseWriter, r *http.Request, rule *FaultRule, call *Call) bool {
	a := rule.action
	if rule.q != nil {
		s.faultAfterCall(w, r, rule, call)
		return true
	}
	call.Fault = a.Kind.String()
	switch a.Kind {
	case FaultError:
		e := &apiError{Code: a.Code, Desc: a.Description, RetryAfter: a.RetryAfter, MigrateTo: a.MigrateTo}
		call.Status, call.Description = e.Code, e.Desc
		s.record(*call)
		writeError(w, e)
		return true
	case FaultHTML:
		call.Status, call.Description = a.Code, http.StatusText(a.Code)
		s.record(*call)
		writeHTMLError(w, a.Code)
		return true
	case FaultLatency:
		if !s.sleep(r.Context(), a.Delay) {
			call.Status, call.Description = 0, "client gone during injected latency"
			s.record(*call)
			return true
		}
		return false
	case FaultHang:
		call.Status, call.Description = 0, "hung (injected)"
		s.record(*call)
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		hijackClose(w)
		return true
	case FaultDrop:
		call.Status, call.Description = 0, "connection dropped (injected)"
		s.record(*call)
		hijackClose(w)
		return true
	}
	return false
}

// faultAfterCall runs the method of an AfterCall fault for real, records it, and then answers as
// the fault's kind says instead of with the method's answer.
func (s *Server) faultAfterCall(w http.ResponseWriter, r *http.Request, rule *FaultRule, call *Call) {
	a := rule.action
	entry := s.methods[strings.ToLower(rule.q.method)]
	env, aerr := s.run(r.Context(), entry, rule.q, call)
	call.Fault = a.Kind.String() + "_after_call"
	s.record(*call)
	switch a.Kind {
	case FaultError:
		writeError(w, &apiError{Code: a.Code, Desc: a.Description, RetryAfter: a.RetryAfter, MigrateTo: a.MigrateTo})
	case FaultHTML:
		writeHTMLError(w, a.Code)
	case FaultLatency:
		if s.sleep(r.Context(), a.Delay) {
			writeEnvelope(w, env, aerr)
		}
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		hijackClose(w)
	default: // FaultDrop
		hijackClose(w)
	}
}

// sleep waits d of real time unless ctx ends or the server closes; false if interrupted.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closed:
		return false
	}
}

func hijackClose(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Without hijacking (HTTP/2, a recorder), panicking with ErrAbortHandler is net/http's
	// documented way to abort a response.
	panic(http.ErrAbortHandler)
}

func writeHTMLError(w http.ResponseWriter, code int) {
	text := fmt.Sprintf("%d %s", code, http.StatusText(code))
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(code)
	fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n", text, text)
}

// writeTruncated sends the first half of a JSON answer with a 200, as a cut connection does.
// writeTruncated sends the first half of the answer with its real status: a refusal cut short
// is still a 4xx, and only a 200 cut short means the call was done.
func writeTruncated(w http.ResponseWriter, env []byte, e *apiError) {
	status := http.StatusOK
	if e != nil {
		status = e.Code
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(env[:len(env)/2])
}
