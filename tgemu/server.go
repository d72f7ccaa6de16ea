// Package tgemu is a Telegram Bot API emulator for tests, benchmarks and offline demos. It
// serves /bot<token>/<method> over real HTTP, keeps chats, messages, keyboards and files, and
// drives fake users from Go (or over HTTP under /__sim/). It is deliberately as strict as
// Telegram: an emulator more lenient than Telegram hides bugs that then reach users.
package tgemu

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server. The zero value is a strict emulator with rate limits on.
type Options struct {
	Token          string        // default: a random token in Telegram's format "<digits>:<35 chars>"
	BotUsername    string        // default "uniflow_test_bot"
	BotFirstName   string        // default "UniFlow Test Bot"
	NoRateLimits   bool          // rate limits are ON by default (1 msg/s per private chat with a burst, 20/min per group, 30/s global)
	GlobalRate     float64       // messages per second to all chats together, also the burst; default 30 (Telegram's). Benchmarks scale it
	CallbackWindow time.Duration // how long a callback query may be answered; default 15s (virtual clock)
	LongPollMax    time.Duration // cap of getUpdates timeout; default 50s
	// AllowBareAmpersand accepts a '&' that starts no HTML entity, exactly like tdlib. By default
	// it is refused (see parseHTML) to catch unescaped user text early.
	AllowBareAmpersand bool
	// LenientParams only records unknown parameters and wrong types (Call.Problems) instead of
	// answering 400; real Telegram silently ignores unknown parameters.
	LenientParams bool
}

// Server is a running emulator. Create it with NewServer or Listen; stop it with Close.
type Server struct {
	opts    Options
	token   string
	botID   int64
	clock   *Clock
	ln      net.Listener
	hs      *http.Server
	url     string
	handler http.Handler
	methods map[string]methodEntry
	sim     *http.ServeMux
	spec    *apiSpec

	closed    chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup // background goroutines (webhook delivery)

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change (see notify)

	users      map[int64]*User
	chats      map[int64]*Chat
	nextUserID int64
	nextGroup  int64
	nextSuper  int64

	updates      []*pendingUpdate
	nextUpdateID int
	allowed      map[string]bool
	poll         *poller
	lastPoll     pollMemo
	dupDelivery  bool

	markups     map[markupKey]*markup // parsed reply_markup values, see parseMarkupCached
	callbacks   map[string]*callbackQuery
	nextCBID    int64
	files       map[string]*storedFile
	filePaths   map[string]*storedFile
	nextFileNo  int
	commands    map[string][]wBotCommand
	calls       []Call
	limits      *rateLimiter
	hook        *webhookState
	lastHookSet time.Time
	deliveries  []Delivery
	specDrift   []string
	faults      *faultSet
}

type methodEntry struct {
	name string
	fn   func(ctx context.Context, q *request) (any, *apiError)
}

// Call is one Bot API call the bot made, with the emulator's answer.
type Call struct {
	Method      string            `json:"method"`             // canonical spelling, e.g. "sendMessage"
	Params      map[string]string `json:"params"`             // as received; uploaded files appear as "<file name, N bytes>"
	Status      int               `json:"status"`             // HTTP status answered (200 on success, 0 if none)
	Description string            `json:"description"`        // error description (or setWebhook's description)
	At          time.Time         `json:"at"`                 // virtual time of the call
	Result      string            `json:"result,omitempty"`   // the JSON result on success
	Problems    []string          `json:"problems,omitempty"` // spec findings (unknown parameters, wrong types)
	Fault       string            `json:"fault,omitempty"`    // the injected fault that shaped the answer, or "webhook_reply"
}

// NewServer starts an emulator on 127.0.0.1 with a random port, like httptest.NewServer. It
// panics if it cannot listen, which in a test is the right failure.
func NewServer(opts Options) *Server {
	s, err := Listen("127.0.0.1:0", opts)
	if err != nil {
		panic(fmt.Sprintf("tgemu: %v", err))
	}
	return s
}

// Listen starts an emulator on addr (standalone use).
func Listen(addr string, opts Options) (*Server, error) {
	s, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.hs = &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

func newServer(opts Options) (*Server, error) {
	if opts.BotUsername == "" {
		opts.BotUsername = "uniflow_test_bot"
	}
	if opts.BotFirstName == "" {
		opts.BotFirstName = "UniFlow Test Bot"
	}
	if opts.CallbackWindow <= 0 {
		opts.CallbackWindow = 15 * time.Second
	}
	if opts.LongPollMax <= 0 {
		opts.LongPollMax = 50 * time.Second
	}
	if opts.GlobalRate <= 0 {
		opts.GlobalRate = globalRate
	}
	if opts.Token == "" {
		opts.Token = randomToken()
	}
	spec, err := loadSpec()
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:         opts,
		token:        opts.Token,
		botID:        botIDFromToken(opts.Token),
		clock:        &Clock{},
		spec:         spec,
		closed:       make(chan struct{}),
		changed:      make(chan struct{}),
		users:        map[int64]*User{},
		chats:        map[int64]*Chat{},
		nextUserID:   1<<32 + 1_000_000, // test ids above 2^32 catch int32 truncation
		nextGroup:    4_000_000_000,
		nextSuper:    1_002_000_000_000,
		nextUpdateID: 100_000_001,
		callbacks:    map[string]*callbackQuery{},
		markups:      map[markupKey]*markup{},
		files:        map[string]*storedFile{},
		filePaths:    map[string]*storedFile{},
		commands:     map[string][]wBotCommand{},
		limits:       newRateLimiter(opts.GlobalRate),
		faults:       &faultSet{rng: mrand.New(mrand.NewPCG(1, 2))},
	}
	s.clock.onAdvance = func() {
		s.mu.Lock()
		s.notify()
		s.mu.Unlock()
	}
	s.methods = s.methodTable()
	s.sim = s.simMux()
	s.handler = s.routes()
	return s, nil
}

// URL is the base URL, e.g. "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.url }

// Token is the bot token the emulator accepts.
func (s *Server) Token() string { return s.token }

// Endpoint is the API endpoint format for tgbotapi.NewBotAPIWithClient.
func (s *Server) Endpoint() string { return s.url + "/bot%s/%s" }

// FileEndpoint is the file download format, like tgbotapi.FileEndpoint.
func (s *Server) FileEndpoint() string { return s.url + "/file/bot%s/%s" }

// Handler serves the whole emulator (Bot API, file downloads, /__sim/).
func (s *Server) Handler() http.Handler { return s.handler }

// Clock is the virtual clock; Advance it to expire callbacks, updates and rate-limit windows.
func (s *Server) Clock() *Clock { return s.clock }

// Advance moves the virtual clock forward by d.
func (s *Server) Advance(d time.Duration) { s.clock.Advance(d) }

// BotID is the bot's user id (the digits of the token).
func (s *Server) BotID() int64 { return s.botID }

// Close stops the server. Held long polls end at once; webhook deliveries stop.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.mu.Lock()
		s.notify()
		s.mu.Unlock()
		if s.hs != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			// Shutdown waits for handlers, which all watch s.closed; Close then cuts what is left.
			_ = s.hs.Shutdown(ctx)
			_ = s.hs.Close()
		}
		s.wg.Wait()
	})
}

func (s *Server) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// notify wakes every waiter (long polls, Await, webhook workers). Caller holds s.mu.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) botWire() wUser {
	return wUser{ID: s.botID, IsBot: true, FirstName: s.opts.BotFirstName, Username: s.opts.BotUsername}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/__sim/", s.serveSim)
	mux.HandleFunc("/file/", s.serveFile)
	mux.HandleFunc("/", s.serveAPI)
	return mux
}

// serveAPI answers /bot<token>/<method>.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, "/bot")
	if !ok {
		writeEnvelope(w, errorEnvelope(errDesc(404, "Not Found")), errDesc(404, "Not Found"))
		return
	}
	token, method, _ := strings.Cut(rest, "/")
	method = strings.TrimSuffix(method, "/")
	if token != s.token {
		e := errDesc(401, descUnauthorized)
		writeEnvelope(w, errorEnvelope(e), e)
		return
	}
	entry, ok := s.methods[strings.ToLower(method)]
	if !ok {
		e := errDesc(404, descNotFound)
		s.record(Call{Method: method, Status: e.Code, Description: e.Desc})
		writeEnvelope(w, errorEnvelope(e), e)
		return
	}
	q, err := readRequest(r)
	if err != nil {
		e := errBadRequest(err.Error())
		if strings.Contains(err.Error(), "request body too large") {
			e = errDesc(413, "Request Entity Too Large")
		}
		s.record(Call{Method: entry.name, Status: e.Code, Description: e.Desc})
		writeEnvelope(w, errorEnvelope(e), e)
		return
	}
	q.method = entry.name
	call := Call{Method: entry.name, Params: q.logParams()}
	rule := s.matchCallFault(q)
	if rule != nil && s.faultBefore(w, r, rule, &call) {
		return
	}
	env, aerr := s.run(r.Context(), entry, q, &call)
	s.record(call)
	if rule != nil && rule.action.Kind == FaultTruncated {
		writeTruncated(w, env, aerr)
		return
	}
	writeEnvelope(w, env, aerr)
}

// described is a successful result that also carries a description, as setWebhook's
// "Webhook was set".
type described struct {
	v    any
	desc string
}

// run checks q against the spec and executes the method. It fills call and returns the JSON
// envelope to send.
func (s *Server) run(ctx context.Context, entry methodEntry, q *request, call *Call) ([]byte, *apiError) {
	problems, aerr := s.spec.check(q, s.opts.LenientParams)
	call.Problems = problems
	var result any
	if aerr == nil {
		result, aerr = entry.fn(ctx, q)
		if d := s.spec.drift(q); len(d) > 0 {
			s.mu.Lock()
			s.specDrift = append(s.specDrift, d...)
			s.mu.Unlock()
		}
	}
	if aerr != nil {
		call.Status, call.Description = aerr.Code, aerr.Desc
		return errorEnvelope(aerr), aerr
	}
	desc := ""
	if d, ok := result.(described); ok {
		result, desc = d.v, d.desc
	}
	body, err := json.Marshal(result)
	if err != nil {
		aerr = errDesc(500, "Internal Server Error: "+err.Error())
		call.Status, call.Description = aerr.Code, aerr.Desc
		return errorEnvelope(aerr), aerr
	}
	call.Status, call.Result, call.Description = 200, string(body), desc
	// The envelope is put together by hand: marshalling body again as a json.RawMessage would
	// compact and check what json.Marshal has just written, the biggest cost of a large answer.
	raw := make([]byte, 0, len(body)+64)
	raw = append(raw, `{"ok":true,"result":`...)
	raw = append(raw, body...)
	if desc != "" {
		d, _ := json.Marshal(desc)
		raw = append(append(raw, `,"description":`...), d...)
	}
	return append(raw, '}'), nil
}

// record appends a call to the log and wakes waiters.
func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.At.IsZero() {
		c.At = s.clock.Now()
	}
	s.calls = append(s.calls, c)
	s.notify()
}

// errorEnvelope renders Telegram's error object.
func errorEnvelope(e *apiError) []byte {
	body := map[string]any{"ok": false, "error_code": e.Code, "description": e.Desc}
	params := map[string]any{}
	if e.RetryAfter > 0 {
		params["retry_after"] = e.RetryAfter
	}
	if e.MigrateTo != 0 {
		params["migrate_to_chat_id"] = e.MigrateTo
	}
	if len(params) > 0 {
		body["parameters"] = params
	}
	raw, _ := json.Marshal(body)
	return raw
}

// writeEnvelope sends a JSON envelope; on errors the HTTP status is the error code and a 429
// carries the Retry-After header, as the reference server does.
func writeEnvelope(w http.ResponseWriter, env []byte, e *apiError) {
	w.Header().Set("Content-Type", "application/json")
	status := http.StatusOK
	if e != nil {
		status = e.Code
		if e.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write(env)
}

func writeError(w http.ResponseWriter, e *apiError) { writeEnvelope(w, errorEnvelope(e), e) }

// Calls returns every Bot API call so far, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Rejected returns the calls answered with ok=false.
func (s *Server) Rejected() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Status != 200 {
			out = append(out, c)
		}
	}
	return out
}

// AwaitCall blocks until a call matching pred has been made (including ones already made).
func (s *Server) AwaitCall(timeout time.Duration, pred func(Call) bool) (Call, error) {
	var found Call
	n := 0
	err := s.await(timeout, func() bool {
		calls := s.Calls()
		n = len(calls)
		for _, c := range calls {
			if pred(c) {
				found = c
				return true
			}
		}
		return false
	})
	if err != nil {
		return Call{}, fmt.Errorf("tgemu: no matching call (%d calls made): %w", n, err)
	}
	return found, nil
}

// await re-runs check after every change of the emulator until it reports true, the timeout
// passes or the server closes; it never polls on a timer. check runs without s.mu held, so it
// may call any exported method (and test predicates may too).
func (s *Server) await(timeout time.Duration, check func() bool) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		// Take the channel before checking: a change between the check and the wait closes it.
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if check() {
			return nil
		}
		select {
		case <-ch:
		case <-timer.C:
			return fmt.Errorf("timed out after %v", timeout)
		case <-s.closed:
			return errors.New("server closed")
		}
	}
}

func randomToken() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	id := 7_000_000_000 + randInt(999_999_999)
	var b strings.Builder
	fmt.Fprintf(&b, "%d:", id)
	for range 35 {
		b.WriteByte(alphabet[randInt(int64(len(alphabet)))])
	}
	return b.String()
}

func randInt(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		// crypto/rand does not fail on supported platforms; a fixed value keeps ids valid.
		return n / 2
	}
	return v.Int64()
}

func botIDFromToken(token string) int64 {
	digits, _, _ := strings.Cut(token, ":")
	id, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || id <= 0 {
		return 1
	}
	return id
}

// SpecDrift lists "method.param" for every parameter a handler read although the spec does not
// define it for that method. It stays empty unless the emulator itself has a bug; a test
// asserts that after exercising every method.
func (s *Server) SpecDrift() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.specDrift...)
}
