// Package sandbox is UniFlow in a browser with no Telegram token: a page with every role of the
// shop side by side (clients, a mechanic, a manager, the owner, the staff group) chatting with
// the real bot through the built-in emulator (tgemu). The page drives only the emulator's user
// side (/__sim/) and the sandbox's own controls (/sandbox/: the clock, the demo shop, reset), so
// the bot runs exactly its production code path.
package sandbox

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

//go:embed web
var webFiles embed.FS

// Options wire a sandbox to the running program.
type Options struct {
	Emu       *tgemu.Server
	CRM       *crm.Service  // the service the bot and scheduler use (its clock is the emulator's)
	Pool      *pgxpool.Pool // the sandbox's own database (see Database)
	Redis     *redis.Client
	KeyPrefix string // the program's Redis prefix: Reset removes the keys under it
	// Public: the page is served beyond loopback (SANDBOX_PUBLIC); requests may then name the
	// server by any IP address or this machine's host name, not only a loopback name (hostOK).
	Public   bool
	Location *time.Location
	Region   string
	// StepTo moves the clock to a time through every fire time of the scheduler's jobs on the
	// way, running each job due at each (scheduler.StepTo); nil just moves the clock.
	StepTo func(ctx context.Context, target time.Time, set func(time.Time)) []string
	Log    *slog.Logger
}

// Persona is one person (or the staff group) on the page.
type Persona struct {
	Key    string `json:"key"`  // "owner", "manager", "mechanic", "client1", "group"
	Role   string `json:"role"` // "owner", "manager", "mechanic", "client", "group"
	Name   string `json:"name"`
	UserID int64  `json:"user_id,omitempty"`
	ChatID int64  `json:"chat_id"`
	Phone  string `json:"phone,omitempty"`
	Lang   string `json:"lang,omitempty"`

	user *tgemu.User
	chat *tgemu.Chat
}

// Fixed Telegram ids of the staff personas: the sandbox database outlives the in-memory
// emulator, so the owner of yesterday's run is today's owner again.
const (
	ownerID    = 7_100_000_001
	managerID  = 7_100_000_002
	mechanicID = 7_100_000_003
	clientID   = 7_100_000_101 // the first client; more get the next ids
)

// Sandbox holds the personas and serves the page.
type Sandbox struct {
	opts Options
	log  *slog.Logger

	mu       sync.Mutex
	personas []*Persona
	group    *Persona
	clients  int
	ready    bool   // staff set up
	setupErr string // why the staff could not be set up
	busy     sync.Mutex
	stopped  chan struct{} // closed when Run returns: event streams end so the server can stop
}

// New creates the personas in the emulator: the owner, a manager, a mechanic, one client and
// the staff group. OwnerID and StaffChatID tell the program which of them are whom.
func New(opts Options) *Sandbox {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	sb := &Sandbox{opts: opts, log: opts.Log.With(slog.String("component", "sandbox")), stopped: make(chan struct{})}
	emu := opts.Emu
	add := func(key, role, name, phone string, id int64) {
		u := emu.NewUser(tgemu.UserOptions{ID: id, FirstName: name, LanguageCode: "ru", Phone: phone})
		sb.personas = append(sb.personas, &Persona{Key: key, Role: role, Name: name, UserID: u.ID(), ChatID: u.Chat().ID(), Phone: phone, Lang: "ru", user: u, chat: u.Chat()})
	}
	add("owner", "owner", "Ольга", "+79000000001", ownerID)
	add("manager", "manager", "Мария", "+79000000002", managerID)
	add("mechanic", "mechanic", "Пётр", "+79000000003", mechanicID)
	g := emu.NewGroup("Сервис: сотрудники", true)
	sb.group = &Persona{Key: "group", Role: "group", Name: "Сервис: сотрудники", ChatID: g.ID(), chat: g}
	sb.personas = append(sb.personas, sb.group)
	sb.addClient()
	return sb
}

// Attach gives the sandbox the program's service, database, Redis and the scheduler's stepping,
// once they exist (the program needs OwnerID and StaffChatID to make them). Call it before
// Handler and Run.
func (sb *Sandbox) Attach(svc *crm.Service, pool *pgxpool.Pool, rdb *redis.Client, stepTo func(context.Context, time.Time, func(time.Time)) []string) {
	sb.opts.CRM, sb.opts.Pool, sb.opts.Redis, sb.opts.StepTo = svc, pool, rdb, stepTo
}

// OwnerID is the owner persona's Telegram id (for OWNER_TELEGRAM_IDS).
func (sb *Sandbox) OwnerID() int64 { return ownerID }

// StaffChatID is the staff group's chat id (for STAFF_CHAT_ID).
func (sb *Sandbox) StaffChatID() int64 { return sb.group.ChatID }

// clientNames are the names of the client personas, in the order they are added.
var clientNames = []string{"Иван", "Анна", "Сергей", "Елена", "Дмитрий", "Ольга К.", "Николай", "Татьяна"}

// addClient adds a client persona with a phone of its own.
func (sb *Sandbox) addClient() *Persona {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	n := sb.clients
	sb.clients++
	name := clientNames[n%len(clientNames)]
	if n >= len(clientNames) {
		name += " " + strconv.Itoa(n/len(clientNames)+1)
	}
	phone := fmt.Sprintf("+7912345%04d", 6789+n)
	u := sb.opts.Emu.NewUser(tgemu.UserOptions{ID: clientID + int64(n), FirstName: name, LanguageCode: "ru", Phone: phone})
	p := &Persona{Key: "client" + strconv.Itoa(n+1), Role: "client", Name: name, UserID: u.ID(), ChatID: u.Chat().ID(), Phone: phone, Lang: "ru", user: u, chat: u.Chat()}
	sb.personas = append(sb.personas, p)
	return p
}

// Personas returns the personas in page order.
func (sb *Sandbox) Personas() []Persona {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	out := make([]Persona, 0, len(sb.personas))
	for _, p := range sb.personas {
		out = append(out, *p)
	}
	return out
}

func (sb *Sandbox) persona(key string) (*Persona, bool) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	for _, p := range sb.personas {
		if p.Key == key {
			return p, true
		}
	}
	return nil, false
}

// Handler serves the page, its controls, and the emulator's user side under /__sim/.
func (sb *Sandbox) Handler() http.Handler {
	mux := http.NewServeMux()
	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embed pattern names the folder: it is there
	}
	files := http.FileServerFS(static)
	mux.Handle("GET /{$}", files)
	mux.Handle("GET /static/", http.StripPrefix("/static/", files))
	mux.Handle("/__sim/", sb.opts.Emu.Handler()) // only the user side: /bot<token>/ is not served here
	mux.HandleFunc("GET /sandbox/state", sb.serveState)
	mux.HandleFunc("GET /sandbox/events", sb.serveEvents)
	mux.HandleFunc("POST /sandbox/clients", sb.serveAddClient)
	mux.HandleFunc("POST /sandbox/clock", sb.serveClock)
	mux.HandleFunc("POST /sandbox/demo", sb.serveDemo)
	mux.HandleFunc("POST /sandbox/reset", sb.serveReset)
	return knownHost(sb.opts.Public, sameOrigin(securityHeaders(mux)))
}

// knownHost refuses a request whose Host is not this server by a name an attacker cannot point
// elsewhere (DNS rebinding: a page on evil.example whose name is made to resolve to 127.0.0.1
// is same-origin with itself, so Origin checks pass, but its requests say Host: evil.example).
func knownHost(public bool, next http.Handler) http.Handler {
	self, _ := os.Hostname()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hostOK(r.Host, public, self) {
			http.Error(w, "sandbox: unknown Host refused (open the page by 127.0.0.1 or localhost)", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hostOK reports whether a request's Host (host or host:port) names this server: a loopback
// name or address; with public also any IP address (an address cannot be rebound) and the
// machine's own host name self, with or without its domain.
func hostOK(hostport string, public bool, self string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || public
	}
	if !public || self == "" {
		return false
	}
	self = strings.ToLower(self)
	short, _, _ := strings.Cut(self, ".")
	return host == self || host == short
}

// sameOrigin refuses a state-changing request sent by another site's page: the sandbox has no
// login, and a browser lets any page POST to 127.0.0.1.
func sameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
				http.Error(w, "sandbox: cross-site request refused", http.StatusForbidden)
				return
			}
			if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host && o != "https://"+r.Host {
				http.Error(w, "sandbox: cross-origin request refused", http.StatusForbidden)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders: the page's own scripts only (no inline script, nothing from elsewhere), so
// even markup that slipped into the page could not run.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// busyOr runs fn unless another control (demo, reset) is running: they would trip over each
// other's data.
func (sb *Sandbox) busyOr(w http.ResponseWriter, fn func() (any, error)) {
	if !sb.busy.TryLock() {
		writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "description": "another sandbox action is still running"})
		return
	}
	defer sb.busy.Unlock()
	res, err := fn()
	if err != nil {
		sb.log.Error("sandbox action failed", slog.String("error", err.Error()))
		code := http.StatusInternalServerError
		if errors.Is(err, ErrNotSandbox) {
			code = http.StatusForbidden
		}
		writeJSON(w, code, map[string]any{"ok": false, "description": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": res})
}
