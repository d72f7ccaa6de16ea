package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"

	"github.com/uniflow-crm/uniflow/bot"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/metrics"
	"github.com/uniflow-crm/uniflow/migrations"
	"github.com/uniflow-crm/uniflow/sandbox"
	"github.com/uniflow-crm/uniflow/scheduler"
	"github.com/uniflow-crm/uniflow/tgemu"
)

const usage = `usage: uniflow [command]

commands:
  run        run the bot, the scheduler and /healthz, /readyz, /metrics (default)
  migrate    apply database migrations and exit
  emulator   serve the Telegram Bot API emulator [--addr 127.0.0.1:8081]
  demo       play a scripted story against the built-in emulator and print the chats
  catalog    list, set, receive or count catalog items (uniflow catalog for usage)
  branch     list or add branches, move staff to a branch (uniflow branch for usage)
  invite     invite owner: print a one-time link that makes its opener an owner
  import     read clients, vehicles or the catalog from CSV or XLSX; undo an import (uniflow import for usage)
  export     write clients, vehicles, orders, payments or the catalog to CSV or XLSX (uniflow export for usage)
  doctor     check the configuration, PostgreSQL, migrations, Redis, Telegram, the webhook and the clocks
  seed       fill an empty database with a made-up shop for demos and benchmarks (uniflow seed -h)
  version    print the version
  help       print this help

Configuration is read from environment variables; see README.md.
`

const (
	// startTimeout bounds connecting to PostgreSQL and Redis at start: if
	// they are down, say so quickly rather than hang.
	startTimeout = 15 * time.Second
	// httpShutdownTimeout bounds waiting for in-flight /healthz requests.
	httpShutdownTimeout = 5 * time.Second
)

// run is the whole program behind main: it parses the command, and the
// commands read the environment only through getenv and write logs to
// stdout. End-to-end tests call it directly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd, rest := "run", args
	if len(args) > 0 {
		cmd, rest = args[0], args[1:]
	}
	switch cmd {
	case "run":
		if len(rest) > 0 {
			return fmt.Errorf("run: unexpected arguments %q\n\n%s", rest, usage)
		}
		return runServe(ctx, getenv, stdout, nil)
	case "migrate":
		if len(rest) > 0 {
			return fmt.Errorf("migrate: unexpected arguments %q\n\n%s", rest, usage)
		}
		return runMigrate(ctx, getenv, stdout)
	case "emulator":
		return runEmulator(ctx, rest, stdout)
	case "version":
		_, err := fmt.Fprintln(stdout, "uniflow", version())
		return err
	case "demo":
		if len(rest) > 0 {
			return fmt.Errorf("demo: unexpected arguments %q\n\n%s", rest, usage)
		}
		return runDemo(ctx, getenv, stdout)
	case "catalog":
		return runCatalog(ctx, rest, getenv, stdout) // catalog_cli.go
	case "branch":
		return runBranch(ctx, rest, getenv, stdout) // branch_cli.go
	case "invite":
		return runInvite(ctx, rest, getenv, stdout) // invite_cli.go
	case "export":
		return runExport(ctx, rest, getenv, stdout) // export_cli.go
	case "import":
		return runImport(ctx, rest, getenv, stdout) // import_cli.go
	case "doctor":
		return runDoctor(ctx, rest, getenv, stdout) // doctor.go
	case "seed":
		return runSeed(ctx, rest, getenv, stdout) // seed_cli.go
	// Further commands (import, export, invite) go here, each with a
	// line in usage and a runXxx function in its own file.
	case "help", "-h", "-help", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
}

// newLogger writes JSON lines that never hold cfg's secrets, phones or message texts
// (logredact.go).
func newLogger(w io.Writer, cfg Config) *slog.Logger {
	return slog.New(newLogHandler(w, cfg.LogLevel, cfg.secrets()...))
}

// version reports the module version and VCS revision the binary was built
// from, as recorded by the Go toolchain (no -ldflags to keep in sync).
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			v += " " + s.Value
		}
	}
	return v
}

func runMigrate(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stdout, cfg)
	if err := migrations.ApplyLogged(ctx, cfg.DatabaseURL, log); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	log.Info("database schema is up to date")
	return nil
}

func runEmulator(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:8081", "address to listen on")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("emulator: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("emulator: unexpected arguments %q", fs.Args())
	}
	return tgemu.RunStandalone(ctx, *addr, stdout)
}

// runServe is the service: migrations, connections, then the bot, the
// scheduler and the HTTP server side by side until ctx is cancelled. On
// cancel the bot drains its in-flight updates, the cron waits for running
// jobs, the HTTP server finishes its requests; only then are the pools
// closed (deferred), and the emulator last of all. tuneBot, when not nil,
// adjusts the bot's configuration before it starts: a seam for benchmarks
// (bench_test.go lifts the send rate limits); run always passes nil.
func runServe(ctx context.Context, getenv func(string) string, stdout io.Writer, tuneBot func(*bot.Config)) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(stdout, cfg)
	log.Info("starting", slog.String("version", version()), slog.String("time_zone", cfg.Location.String()))

	apiURL, token := cfg.TelegramAPIURL, cfg.TelegramToken
	// now is the clock of the whole program: the real one, or in the sandbox the emulator's
	// virtual clock, which the page moves forward (sandbox.go).
	now := time.Now
	var sb *sandbox.Sandbox
	if token == "" {
		emu := tgemu.NewServer(tgemu.Options{})
		defer emu.Close()
		apiURL, token = emu.URL(), emu.Token()
		log.Info("no TELEGRAM_BOT_TOKEN: running against the built-in emulator", slog.String("emulator_url", emu.URL()))
		now = emu.Clock().Now
		dsn, err := sandbox.Database(ctx, cfg.DatabaseURL)
		if errors.Is(err, sandbox.ErrUnreachable) {
			return fmt.Errorf("start: PostgreSQL at %s is not reachable (is it running? `make run` starts it): %w", envDatabaseURL, err)
		}
		if err != nil {
			return fmt.Errorf("start: %w", err)
		}
		name, _ := sandbox.DatabaseName(cfg.DatabaseURL)
		cfg.DatabaseURL = dsn
		cfg.RedisPrefix += sandboxRedisPrefix
		sb = sandbox.New(sandbox.Options{Emu: emu, Location: cfg.Location, Region: cfg.Region, KeyPrefix: cfg.RedisPrefix, Public: cfg.SandboxPublic, Log: log})
		cfg.OwnerIDs = append(cfg.OwnerIDs, sb.OwnerID())
		cfg.StaffChatID = sb.StaffChatID()
		log.Info("sandbox: its own database and staff", slog.String("database", name), slog.String("redis_prefix", cfg.RedisPrefix),
			slog.Int64("staff_chat_id", cfg.StaffChatID))
	}

	// Connect first: "PostgreSQL is not reachable" is a clearer first error
	// than the same failure reported from inside the migrations.
	pool, err := connectPostgres(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()

	rdb, err := connectRedis(ctx, cfg.Redis)
	if err != nil {
		return err
	}
	defer rdb.Close()

	if err := migrations.ApplyLogged(ctx, cfg.DatabaseURL, log); err != nil {
		return fmt.Errorf("start: %w", err)
	}

	svc := crm.New(pool, crm.Options{
		Now:         now,
		Location:    cfg.Location,
		Region:      cfg.Region,
		StaffChatID: cfg.StaffChatID,
		// Order work (issue 4).
		AllowNegativeStock: cfg.AllowNegativeStock,
		CompanyPaymentDays: cfg.CompanyPaymentDays,
		// Offers and campaigns (issue 7).
		OfferGapDays: cfg.OfferGapDays,
		// Owner reports (issue 9).
		MarginFloor: cfg.MarginFloor,
		Pilot:       cfg.Pilot,
		// Clients' messages to the shop (issue 7).
		UnansweredAfter: cfg.UnansweredAfter,
	})
	if err := svc.EnsureOwners(ctx, cfg.OwnerIDs); err != nil {
		return fmt.Errorf("start: register owners from %s: %w", envOwnerIDs, err)
	}
	if err := checkPilotBranches(ctx, svc, cfg.Pilot.Branches); err != nil {
		return fmt.Errorf("start: %w", err)
	}

	// One registry for the process: /metrics serves it, the bot and the scheduler count into it.
	m := metrics.New()
	for _, c := range []prometheus.Collector{
		metrics.PostgresPool(pool), metrics.RedisPool(rdb), metrics.Outbox(svc.OutboxDepths, log),
	} {
		if err := m.Register(c); err != nil {
			return fmt.Errorf("start: register metrics: %w", err)
		}
	}

	schedCfg := cfg.Scheduler
	schedCfg.Metrics = m
	schedCfg.Now = now
	sched, err := scheduler.New(svc, schedCfg, log)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if sb != nil {
		sb.Attach(svc, pool, rdb, sched.StepTo)
	}

	// Listen before connecting to Telegram: the probes answer (/readyz: not ready) even while
	// the Bot API is still being retried.
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("start: listen on %s=%s: %w", envHTTPAddr, cfg.HTTPAddr, err)
	}
	mux := http.NewServeMux()
	ready := newReadiness(pool, rdb, log)
	mux.Handle("GET /healthz", aliveHandler())
	mux.Handle("GET /readyz", ready)
	mux.Handle("GET /metrics", m.Handler())
	if sb != nil && sandboxPageAllowed(ln.Addr().String(), cfg.SandboxPublic, log) {
		mux.Handle("/", sb.Handler())
		log.Info("sandbox page: every role of UniFlow in a browser", slog.String("url", pageURL(ln.Addr().String())))
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Start-up (migrations, templates, connections) leaves garbage that the heap would keep
	// mapped for minutes: give it back now, so that a shop's small server sees the size the
	// process really needs while it waits for messages.
	debug.FreeOSMemory()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		log.Info("http server listening", slog.String("addr", ln.Addr().String()))
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(gctx), httpShutdownTimeout)
		defer cancel()
		return srv.Shutdown(sctx)
	})

	g.Go(func() error {
		api, err := connectTelegram(gctx, apiURL, token, log)
		if err != nil {
			if gctx.Err() != nil {
				return nil // stopped while still connecting
			}
			return err
		}
		ready.connected(api)
		bcfg := bot.Config{
			Now:         now,
			KeyPrefix:   cfg.RedisPrefix,
			OwnerIDs:    cfg.OwnerIDs,
			StaffChatID: cfg.StaffChatID,
			Location:    cfg.Location,
			Region:      cfg.Region,
			Hours:       cfg.ShopHours,
			Shop:        cfg.Shop, // requisites on the order's papers
			// The same constant sizes the HTTP client's timeout, which
			// must outlast every long poll.
			PollTimeout: pollTimeout,
			SendRate:    cfg.SendRate,
			Jobs:        sched,           // /jobs
			ConsentText: cfg.ConsentText, // issue 6
			// Webhook mode and flood control (issue 6).
			Webhook: cfg.Webhook,
			Flood:   cfg.Flood,
			// Security (issue 6): the key of the buttons' data; never logged.
			CallbackSecret: cfg.CallbackSecret,
			Metrics:        m, // issue 11
			// Import (issue 8): files sent to the bot come from the same Bot API server.
			FileEndpoint: apiURL + "/file/bot%s/%s",
		}
		if q := cfg.Scheduler.Quiet; q != nil { // issue 7: campaigns keep quiet hours too
			bcfg.QuietAt = func(due time.Time, key int64) time.Time { return q.At(due, cfg.Location, key) }
		}
		if tuneBot != nil {
			tuneBot(&bcfg)
		}
		b := bot.New(api, svc, rdb, log, bcfg)
		if err := b.Run(gctx); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("bot: %w", err)
		}
		return nil
	})
	if sb != nil {
		g.Go(func() error { return sb.Run(gctx) })
	}
	g.Go(func() error {
		if err := sched.Run(gctx); err != nil {
			return fmt.Errorf("scheduler: %w", err)
		}
		return nil
	})

	err = g.Wait()
	if err != nil {
		log.Error("stopped with an error", slog.String("error", err.Error()))
		return err
	}
	log.Info("stopped")
	return nil
}

// minPoolConns is the least number of PostgreSQL connections: pgx's default
// (four on two cores) makes the bot's 16 update workers queue for a
// connection in a burst of bookings. A pool_max_conns in DATABASE_URL wins.
const minPoolConns = 20

func connectPostgres(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("start: %s: %w", envDatabaseURL, err)
	}
	if !strings.Contains(dsn, "pool_max_conns") && pcfg.MaxConns < minPoolConns {
		pcfg.MaxConns = minPoolConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("start: %s: %w", envDatabaseURL, err)
	}
	pctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		if missingDatabase(err) { // the server answered: it is reachable, the database is not there
			db := pcfg.ConnConfig.Database
			return nil, fmt.Errorf("start: the database %q named in %s does not exist on the PostgreSQL server at %s:%d; "+
				"create it with `createdb -h %s -p %d -U %s %s` (or CREATE DATABASE %q;), "+
				"or run `make run`, which creates it for a DATABASE_URL on 127.0.0.1:5432: %w",
				db, envDatabaseURL, pcfg.ConnConfig.Host, pcfg.ConnConfig.Port,
				pcfg.ConnConfig.Host, pcfg.ConnConfig.Port, pcfg.ConnConfig.User, db, db, err)
		}
		return nil, fmt.Errorf("start: PostgreSQL at %s is not reachable (is it running? `make run` starts it): %w", envDatabaseURL, err)
	}
	return pool, nil
}

// missingDatabase tells the server's "database does not exist" (SQLSTATE 3D000) from a server
// that could not be reached: the fixes differ.
func missingDatabase(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "3D000"
}

func connectRedis(ctx context.Context, opts *redis.Options) (*redis.Client, error) {
	rdb := redis.NewClient(opts)
	pctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		_ = rdb.Close() // the ping error is the one worth reporting
		return nil, fmt.Errorf("start: Redis at %s (%s) is not reachable (is it running? `make run` starts it): %w", envRedisURL, opts.Addr, err)
	}
	return rdb, nil
}
