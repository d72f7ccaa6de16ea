// Package bot is UniFlow's Telegram front end: it takes updates, routes them
// to the flows of clients, mechanics and managers, and delivers the outbox.
package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/metrics"
)

// Config is what the bot needs beyond its collaborators.
type Config struct {
	KeyPrefix   string         // prefix of every Redis key
	OwnerIDs    []int64        // Telegram user ids of the owners
	StaffChatID int64          // staff group for new requests; 0 sends them to managers
	Location    *time.Location // the shop's time zone
	Region      string         // reads phones written without a country code; default RU
	Hours       ShopHours      // when slots can be booked
	Shop        ShopDetails    // requisites printed on the order's papers (documents.go)
	Workers     int            // updates processed in parallel; default 16
	PollTimeout time.Duration  // long-poll timeout; default 30 s
	Now         func() time.Time
	// DrainTimeout bounds how long shutdown waits for in-flight updates.
	DrainTimeout time.Duration
	// SendRate is the global message rate; per-chat limits are Telegram's.
	// Default 30/s.
	SendRate float64
	// ChatRate is the message rate per private chat, with a burst of 3;
	// default 1/s, Telegram's limit. Benchmarks raise it to measure the
	// bot rather than the pacing.
	ChatRate float64
	// OutboxInterval is how often the sender looks for due rows when
	// nothing pokes it; default 500 ms.
	OutboxInterval time.Duration
	// Delivery tunes the outbox sender and the other limits (sender.go).
	Delivery DeliveryConfig
	// Jobs is the scheduler, for /jobs (jobs_command.go); nil when it does not run here.
	Jobs JobControl
	// ConsentText replaces the built-in personal-data consent line of the booking summary
	// (CONSENT_TEXT; plain text, one for all languages): consent.go.
	ConsentText string
	// Webhook, when its URL is set, replaces polling (webhook.go).
	Webhook WebhookConfig
	// Flood bounds the updates one user may send (flood.go).
	Flood FloodConfig
	// QuietAt is when a client message due at due may go out (quiet hours, spread by key), for
	// campaigns sent at night; nil sends at once.
	QuietAt func(due time.Time, key int64) time.Time
	// CallbackSecret authenticates callback data (callback_seal.go); empty derives one from
	// the bot token. Never logged.
	CallbackSecret []byte
	// Metrics counts updates, routes, errors, Bot API calls and rate-limit waits (metrics.go);
	// nil counts nothing.
	Metrics *metrics.Metrics
	// FileEndpoint is where files sent to the bot are downloaded, with the token and the
	// file's path for the two %s (tgbotapi.FileEndpoint's form): the Bot API server's
	// /file/bot%s/%s. Default Telegram's.
	FileEndpoint string
}

func (c *Config) defaults() {
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = 30 * time.Second
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Region == "" {
		c.Region = "RU"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Hours.SlotLength == 0 {
		c.Hours, _ = ParseShopHours(DefaultShopHours)
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 10 * time.Second
	}
	if c.SendRate <= 0 {
		c.SendRate = 30
	}
	if c.ChatRate <= 0 {
		c.ChatRate = 1
	}
	if c.OutboxInterval <= 0 {
		c.OutboxInterval = 500 * time.Millisecond
	}
	if c.FileEndpoint == "" {
		c.FileEndpoint = tgbotapi.FileEndpoint
	}
	c.Delivery.defaults()
	c.Flood.defaults()
}

// Bot is the running Telegram front end.
type Bot struct {
	api    *tgbotapi.BotAPI
	crm    *crm.Service
	rdb    *redis.Client
	log    *slog.Logger
	cfg    Config
	routes routes
	sealer *sealer // authenticates callback data: callback_seal.go
	limit  *limiter
	poke   chan struct{} // wakes the outbox sender
	// imports are the file imports running in this process (import_flow.go).
	imports importRuns
	// instance names this process in the claims of the updates it handles (intake.go).
	instance string
}

// New builds a bot; Run starts it.
func New(api *tgbotapi.BotAPI, svc *crm.Service, rdb *redis.Client, log *slog.Logger, cfg Config) *Bot {
	cfg.defaults()
	b := &Bot{
		api:   api,
		crm:   svc,
		rdb:   rdb,
		log:   log,
		cfg:   cfg,
		limit: newLimiter(rdb, cfg.KeyPrefix, log, cfg.limits()),
		poke:  make(chan struct{}, 1),

		instance: newInstanceID(),
	}
	b.routes = b.routeTable()
	secret := cfg.CallbackSecret
	if len(secret) == 0 && api != nil { // tests of rendering alone have no API
		secret = deriveCallbackSecret(api.Token)
	}
	b.sealer = newSealer(secret)
	return b
}

// Run takes updates and delivers the outbox until ctx is cancelled, then
// finishes the updates it already took and returns.
func (b *Bot) Run(ctx context.Context) error {
	b.setCommands(ctx)
	b.refreshStaffMenus(ctx) // command_menus.go

	// In-flight work outlives ctx by up to DrainTimeout, so a shutdown
	// finishes the step a user is in the middle of instead of dropping it.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	// This process's liveness key and the done marks outlive the drain: claims of updates in
	// flight stay valid while they finish, and their marks are written after.
	aliveCtx, stopAlive := context.WithCancel(context.WithoutCancel(ctx))
	aliveDone := make(chan struct{})
	go func() { defer close(aliveDone); b.keepAlive(aliveCtx) }()
	defer func() { stopAlive(); <-aliveDone }()

	d := newDispatcher(b, b.cfg.Workers)
	marksStop, marksDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(marksDone); d.marks.run(context.WithoutCancel(ctx), marksStop) }()
	var wg sync.WaitGroup
	d.start(workCtx, &wg)

	senderStop, stopSender := context.WithCancel(workCtx)
	senderDone := make(chan struct{})
	go func() {
		defer close(senderDone)
		b.runSender(senderStop, workCtx)
	}()

	var err error
	if b.cfg.Webhook.URL != "" {
		err = b.serveWebhook(ctx, d) // webhook.go
	} else {
		err = b.poll(ctx, d)
	}

	d.close()
	drained := make(chan struct{})
	go func() { wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(b.cfg.DrainTimeout):
		b.log.Warn("shutdown: in-flight updates did not finish in time", "timeout", b.cfg.DrainTimeout.String())
		cancelWork()
		<-drained
	}
	close(marksStop)
	<-marksDone
	stopSender()
	<-senderDone
	return err
}

// wakeSender tells the outbox sender that rows were just written.
func (b *Bot) wakeSender() {
	select {
	case b.poke <- struct{}{}:
	default:
	}
}

// setCommands publishes the command menu. A failure only costs the menu.
func (b *Bot) setCommands(ctx context.Context) {
	for _, lang := range []string{"", "en"} {
		l := text.FromCode(lang)
		var commands []tgbotapi.BotCommand
		for _, c := range clientCommands { // command_menus.go
			commands = append(commands, tgbotapi.BotCommand{Command: c, Description: text.CommandDescription(l, c)})
		}
		cfg := tgbotapi.NewSetMyCommands(commands...)
		cfg.LanguageCode = lang
		if _, err := b.request(ctx, 0, cfg); err != nil {
			b.log.Warn("set commands", "err", err, "language", lang)
		}
	}
}
