package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/migrations"
)

// doctorTimeout bounds each check: a doctor that hangs on a dead host is no help.
const doctorTimeout = 5 * time.Second

// Clock skew beyond these is worth a warning (reminders and quiet hours drift with it) and a
// failure (Telegram's webhook and invite expiries, the scheduler's catch-up, go wrong).
const (
	skewWarn = 2 * time.Second
	skewFail = time.Minute
)

// verdict is how a check came out.
type verdict string

const (
	vOK   verdict = "ok"
	vWarn verdict = "WARN"
	vFail verdict = "FAIL"
)

// doctor runs the checks one after another and writes one line per check, in plain words with
// what to do about it.
type doctor struct {
	out    io.Writer
	failed int
}

func (d *doctor) report(v verdict, what, format string, args ...any) {
	if v == vFail {
		d.failed++
	}
	fmt.Fprintf(d.out, "%-4s  %-13s %s\n", v, what, fmt.Sprintf(format, args...))
}

// runDoctor checks the configuration, PostgreSQL, the migrations, Redis, Telegram (the token,
// the webhook), the shop's time zone and the clocks, and fails when any check failed.
func runDoctor(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("doctor: unexpected arguments %q\n\n%s", args, usage)
	}
	d := &doctor{out: stdout}
	cfg, err := loadConfig(getenv)
	if err != nil {
		d.report(vFail, "configuration", "%s", err)
		return errors.New("doctor: fix the configuration first; the other checks need it")
	}
	d.report(vOK, "configuration", "every variable is valid")

	now := time.Now()
	hostZone, _ := now.Zone()
	d.report(vOK, "time zone", "the shop's clock reads %s (%s); the host's own zone (%s) is not used",
		now.In(cfg.Location).Format("Mon 02.01.2006 15:04"), cfg.Location, hostZone)

	d.postgres(ctx, cfg)
	d.redis(ctx, cfg)
	d.telegram(ctx, cfg)

	if d.failed > 0 {
		return fmt.Errorf("doctor: %d checks failed", d.failed)
	}
	return nil
}

func (d *doctor) postgres(ctx context.Context, cfg Config) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	pcfg, _ := pgxpool.ParseConfig(cfg.DatabaseURL) // loadConfig parsed it already
	where := fmt.Sprintf("%s:%d, database %q", pcfg.ConnConfig.Host, pcfg.ConnConfig.Port, pcfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err == nil {
		defer pool.Close()
		err = pool.Ping(ctx)
	}
	switch {
	case err != nil && missingDatabase(err):
		d.report(vFail, "PostgreSQL", "the server at %s:%d answers but has no database %q: create it with `createdb -h %s -p %d -U %s %s`, or fix %s",
			pcfg.ConnConfig.Host, pcfg.ConnConfig.Port, pcfg.ConnConfig.Database,
			pcfg.ConnConfig.Host, pcfg.ConnConfig.Port, pcfg.ConnConfig.User, pcfg.ConnConfig.Database, envDatabaseURL)
	case err != nil:
		d.report(vFail, "PostgreSQL", "not reachable at %s: %s (is PostgreSQL running, and does %s name the right host, user and database?)",
			where, leafError(err), envDatabaseURL)
	}
	if err != nil {
		d.report(vFail, "migrations", "not checked without PostgreSQL")
		return
	}
	var server string
	var dbNow time.Time
	sent := time.Now()
	if err := pool.QueryRow(ctx, `SELECT current_setting('server_version'), now()`).Scan(&server, &dbNow); err != nil {
		d.report(vFail, "PostgreSQL", "reachable at %s but a query failed: %s", where, leafError(err))
		return
	}
	d.report(vOK, "PostgreSQL", "reachable at %s (server %s)", where, server)
	d.skew("clock/PG", "PostgreSQL", sent, time.Now(), dbNow)

	switch n, err := migrations.Pending(ctx, pool); {
	case err != nil:
		d.report(vFail, "migrations", "cannot tell which are applied (%s): run `uniflow migrate`", leafError(err))
	case n > 0:
		d.report(vFail, "migrations", "%d of this binary's migrations are not applied: run `uniflow migrate` (the service also applies them at start)", n)
	default:
		d.report(vOK, "migrations", "all applied")
	}
}

func (d *doctor) redis(ctx context.Context, cfg Config) {
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	opts := *cfg.Redis
	// One try: the doctor reports, it does not wait for Redis to come back.
	opts.MaxRetries, opts.DialerRetries = -1, 1
	rdb := redis.NewClient(&opts)
	defer rdb.Close()
	sent := time.Now()
	t, err := rdb.Time(ctx).Result()
	if err != nil {
		d.report(vFail, "Redis", "not reachable at %s: %s (is Redis running, and is %s right?)", opts.Addr, leafError(err), envRedisURL)
		return
	}
	d.report(vOK, "Redis", "reachable at %s, key prefix %q", opts.Addr, cfg.RedisPrefix)
	d.skew("clock/Redis", "Redis", sent, time.Now(), t)
}

// skew compares this machine's clock with another's reading taken between sent and got.
func (d *doctor) skew(what, whose string, sent, got, theirs time.Time) {
	mid := sent.Add(got.Sub(sent) / 2)
	off := theirs.Sub(mid)
	abs := max(off, -off)
	fix := "keep the clocks in sync with NTP (timedatectl set-ntp true, or chrony)"
	switch {
	case abs > skewFail:
		d.report(vFail, what, "this machine's clock is %s off %s's: %s", off.Round(time.Second), whose, fix)
	case abs > skewWarn:
		d.report(vWarn, what, "this machine's clock is %s off %s's: %s", off.Round(100*time.Millisecond), whose, fix)
	default:
		d.report(vOK, what, "this machine and %s agree within %s", whose, max(abs, time.Millisecond).Round(time.Millisecond))
	}
}

// botAnswer is the envelope of a Bot API answer.
type botAnswer struct {
	OK          bool            `json:"ok"`
	Description string          `json:"description"`
	Result      json.RawMessage `json:"result"`
}

// telegram asks getMe and getWebhookInfo over plain HTTP: the answer's Date header gives
// Telegram's clock, and a failure is worded without the token.
func (d *doctor) telegram(ctx context.Context, cfg Config) {
	if cfg.TelegramToken == "" {
		d.report(vWarn, "Telegram", "no %s: `uniflow run` talks to its built-in emulator, not to Telegram; get a token from @BotFather to go live", envTelegramToken)
		return
	}
	client := newTelegramHTTPClient()
	call := func(method string, into any) (time.Time, time.Time, http.Header, error) {
		ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.TelegramAPIURL+"/bot"+cfg.TelegramToken+"/"+method, nil)
		if err != nil {
			return time.Time{}, time.Time{}, nil, errors.New(redactSecrets(err.Error(), cfg.TelegramToken))
		}
		sent := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return sent, time.Now(), nil, errors.New(redactSecrets(leafError(err).Error(), cfg.TelegramToken))
		}
		defer resp.Body.Close()
		got := time.Now()
		var a botAnswer
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&a); err != nil {
			return sent, got, resp.Header, fmt.Errorf("HTTP %d and no Bot API answer", resp.StatusCode)
		}
		if !a.OK {
			return sent, got, resp.Header, fmt.Errorf("HTTP %d: %s", resp.StatusCode, a.Description)
		}
		return sent, got, resp.Header, json.Unmarshal(a.Result, into)
	}

	var me struct {
		Username string `json:"username"`
	}
	sent, got, header, err := call("getMe", &me)
	switch {
	case err != nil && strings.HasPrefix(err.Error(), "HTTP 401"), err != nil && strings.HasPrefix(err.Error(), "HTTP 404"):
		d.report(vFail, "Telegram", "%s at %s refused the token (%s): check %s with @BotFather", "the Bot API", cfg.TelegramAPIURL, err, envTelegramToken)
		return
	case err != nil:
		d.report(vFail, "Telegram", "the Bot API at %s did not answer getMe: %s (can this machine reach it? check %s and the network)", cfg.TelegramAPIURL, err, envTelegramAPIURL)
		return
	}
	d.report(vOK, "Telegram", "the bot @%s answers getMe", me.Username)
	if date, err := http.ParseTime(header.Get("Date")); err == nil {
		// Date has whole seconds: up to a second of the skew is rounding.
		d.skew("clock/Telegram", "Telegram", sent.Add(-time.Second), got, date)
	}

	var hook struct {
		URL              string `json:"url"`
		Pending          int    `json:"pending_update_count"`
		LastErrorDate    int64  `json:"last_error_date"`
		LastErrorMessage string `json:"last_error_message"`
	}
	if _, _, _, err := call("getWebhookInfo", &hook); err != nil {
		d.report(vFail, "webhook", "getWebhookInfo failed: %s", err)
		return
	}
	want := cfg.Webhook.URL
	switch {
	case want == "" && hook.URL != "":
		d.report(vWarn, "webhook", "Telegram sends this bot's updates to %s, but %s is empty (polling): `uniflow run` removes that webhook at start; if another deployment uses it, the two will fight", hook.URL, envWebhookURL)
	case want == "":
		d.report(vOK, "webhook", "none set: the service polls (%d updates waiting)", hook.Pending)
	case hook.URL == "":
		d.report(vWarn, "webhook", "%s is set but Telegram has no webhook yet: the service registers it at start", envWebhookURL)
	case hook.URL != want:
		d.report(vWarn, "webhook", "Telegram sends updates to %s, not to %s: the service re-registers it at start", hook.URL, want)
	case hook.LastErrorDate > 0 && time.Since(time.Unix(hook.LastErrorDate, 0)) < time.Hour:
		d.report(vWarn, "webhook", "Telegram failed to deliver to %s %s ago: %q (%d updates waiting): check the TLS proxy and %s",
			hook.URL, time.Since(time.Unix(hook.LastErrorDate, 0)).Round(time.Second), hook.LastErrorMessage, hook.Pending, envWebhookListen)
	default:
		d.report(vOK, "webhook", "Telegram delivers to %s (%d updates waiting)", hook.URL, hook.Pending)
	}
}
