package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/bot"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/scheduler"
)

// The environment variables UniFlow reads. This file is the only place that
// reads the environment; everything else gets a Config.
const (
	envTelegramToken  = "TELEGRAM_BOT_TOKEN"
	envTelegramAPIURL = "TELEGRAM_API_URL"
	envDatabaseURL    = "DATABASE_URL"
	envRedisURL       = "REDIS_URL"
	envRedisPrefix    = "REDIS_PREFIX"
	envShopTimezone   = "SHOP_TIMEZONE"
	envShopHours      = "SHOP_HOURS"
	envShopRegion     = "SHOP_REGION"
	envOwnerIDs       = "OWNER_TELEGRAM_IDS"
	envStaffChatID    = "STAFF_CHAT_ID"
	envHTTPAddr       = "HTTP_ADDR"
	envSandboxPublic  = "SANDBOX_PUBLIC"
	envLogLevel       = "LOG_LEVEL"
	envSendRate       = "TELEGRAM_SEND_RATE"

	// Order work (issue 4): the shop's requisites on its papers, stock and payment terms.
	envShopName       = "SHOP_NAME"
	envShopAddress    = "SHOP_ADDRESS"
	envShopINN        = "SHOP_INN"
	envShopOGRN       = "SHOP_OGRN"
	envShopPhone      = "SHOP_PHONE"
	envShopVAT        = "SHOP_VAT"
	envStockNegative  = "STOCK_ALLOW_NEGATIVE"
	envCompanyPayDays = "COMPANY_PAYMENT_DAYS"

	// Scheduler (issue 7): quiet hours and the payment reminder ladder.
	envQuietHours      = "QUIET_HOURS"
	envPaymentReminder = "PAYMENT_REMINDER_DAYS"
	// Personal data (issue 6).
	envConsentText = "CONSENT_TEXT"
	// Webhook mode and flood control (issue 6).
	envWebhookURL    = "TELEGRAM_WEBHOOK_URL"
	envWebhookSecret = "TELEGRAM_WEBHOOK_SECRET"
	envWebhookListen = "WEBHOOK_LISTEN"
	envFloodMax      = "FLOOD_MAX_UPDATES"
	envFloodWindow   = "FLOOD_WINDOW"
	envFloodCooldown = "FLOOD_COOLDOWN"
	// Security (issue 6): the key of the buttons' callback data.
	envCallbackSecret = "CALLBACK_SECRET"
)

// Offers and campaigns (issue 7).
const envOfferGapDays = "OFFER_GAP_DAYS"

// Owner reports (issue 9): the parts margin under which /report flags an item.
const envMarginFloor = "REPORT_MARGIN_FLOOR"

// Pilot mode (issue 9): the branches and staff who alone get new requests and notices.
const (
	envPilotBranches = "PILOT_BRANCHES"
	envPilotStaff    = "PILOT_STAFF"
)

// Export (issue 8): the shop's Excel decides the separator once.
const envCSVSeparator = "CSV_SEPARATOR"

// Clients' messages to the shop (issue 7): when the digest lists one as unanswered.
const envUnansweredMinutes = "UNANSWERED_MINUTES"

// minCallbackSecret is the shortest CALLBACK_SECRET accepted: 32 characters of random text carry
// far more than the 64 bits a tag needs.
const minCallbackSecret = 32

// envVar documents one variable. The README's configuration table is
// checked against this list (config_test.go), so the two cannot drift.
type envVar struct {
	Name    string
	Default string
	Help    string
}

func configVars() []envVar {
	return []envVar{
		{envTelegramToken, "", "Bot token from @BotFather. Empty: run against the built-in Telegram emulator."},
		{envTelegramAPIURL, "https://api.telegram.org", "Bot API base URL (a local Bot API server or a standalone emulator)."},
		{envDatabaseURL, "postgres://postgres@127.0.0.1:5432/uniflow?sslmode=disable", "PostgreSQL connection URL."},
		{envRedisURL, "redis://127.0.0.1:6379/0", "Redis connection URL."},
		{envRedisPrefix, "uniflow:", "Prefix of every Redis key, so several instances can share one Redis."},
		{envShopTimezone, "Europe/Moscow", "IANA time zone of the shop: decides what \"today\" and \"20:00\" mean."},
		{envShopHours, bot.DefaultShopHours, "Opening hours, e.g. \"mon-fri 09:00-19:00; sat 10:00-16:00; slot=60m\"."},
		{envShopRegion, "RU", "Two-letter region used to read phone numbers written without a country code."},
		{envOwnerIDs, "", "Comma-separated Telegram user ids of the owners (get daily summaries, can invite staff)."},
		{envStaffChatID, "", "Telegram chat id of the staff group that receives new requests (usually negative)."},
		{envHTTPAddr, "127.0.0.1:8080", "Address of the HTTP server with /healthz, /readyz and /metrics (use 0.0.0.0:8080 in a container)."},
		{envSandboxPublic, "false", "true serves the sandbox page (no TELEGRAM_BOT_TOKEN) on a non-loopback HTTP_ADDR too; it has no login."},
		{envLogLevel, "info", "debug, info, warn or error."},
		{envSendRate, "30", "Messages per second to all chats together, shared by every replica through Redis: Telegram's broadcast limit is about 30."},
		{envShopName, "Автосервис", "The shop's legal name on work orders and invoices."},
		{envShopAddress, "", "The shop's address on its papers."},
		{envShopINN, "", "ИНН: 10 digits (a company) or 12 (an individual entrepreneur)."},
		{envShopOGRN, "", "ОГРН (13 digits) or ОГРНИП (15 digits)."},
		{envShopPhone, "", "The shop's phone on its papers."},
		{envShopVAT, "Без НДС", "The VAT line of the papers: \"Без НДС\" (simplified tax system) or the rate's words."},
		{envStockNegative, "false", "true lets parts go below zero stock (receipts recorded late); false refuses."},
		{envCompanyPayDays, "10", "Days after delivery that clients marked as companies have to pay (others pay on delivery)."},
		{envQuietHours, "21:00-09:00", "Shop-time window in which no reminder or offer is sent to clients (moved to its end, spread over 10 minutes; staff notices are not held); off for none."},
		{envPaymentReminder, "1,7,14", "Days after an invoice's due date on which the client is reminded; the last becomes a task for the managers."},
		{envConsentText, "", "The personal-data consent line under the booking summary, plain text, up to 1000 characters. Empty: the built-in Russian and English texts."},
		{envOfferGapDays, "30", "Least days between two marketing messages (repeat-sale offers, deferred-work follow-ups, campaigns) to one client."},
		{envMarginFloor, "20", "Parts margin, in percent (1-100), under which /report flags an item (docs/kpi.md)."},
		{envPilotBranches, "", "Pilot mode: comma-separated branch ids (`uniflow branch list`) whose staff alone get new requests and notices; bookings go to the first. Empty with PILOT_STAFF empty: no pilot."},
		{envPilotStaff, "", "Pilot mode: comma-separated Telegram user ids of staff in the pilot besides PILOT_BRANCHES' staff."},
		{envUnansweredMinutes, "30", "Minutes a client's message to the shop may wait for an answer before the owner's digest lists it (1 to 10080)."},
		{envWebhookURL, "", "Public HTTPS URL for Telegram to post updates to; empty: long polling."},
		{envWebhookSecret, "", "Webhook secret token (1-256 of A-Z a-z 0-9 _ -); empty: a random one per start."},
		{envWebhookListen, "127.0.0.1:8443", "Address the webhook server listens on, behind the TLS proxy the URL points to."},
		{envFloodMax, "20", "Updates one user may send within FLOOD_WINDOW; one more earns a warning and the cool-down."},
		{envFloodWindow, "10s", "The window FLOOD_MAX_UPDATES counts in."},
		{envFloodCooldown, "1m", "How long a flooding user's updates are dropped after the warning."},
		{envCallbackSecret, "", "At least 32 random characters that authenticate button data (HMAC); empty derives a stable key from the bot token."},
		{envCSVSeparator, ";", "Field separator of CSV exports: \";\" (Russian Excel), \",\" or \"tab\"."},
	}
}

// Config is the validated configuration of one process.
type Config struct {
	// TelegramToken is empty when the built-in emulator is to be used.
	TelegramToken  string
	TelegramAPIURL string // without a trailing slash
	DatabaseURL    string
	Redis          *redis.Options
	RedisPrefix    string
	Location       *time.Location
	ShopHours      bot.ShopHours
	Region         string
	OwnerIDs       []int64
	StaffChatID    int64
	HTTPAddr       string
	SandboxPublic  bool // SANDBOX_PUBLIC: serve the sandbox page beyond loopback (sandbox_config.go)
	LogLevel       slog.Level
	SendRate       float64 // messages per second, all chats and replicas together
	// Order work (issue 4).
	Shop               bot.ShopDetails
	AllowNegativeStock bool
	CompanyPaymentDays int
	// Scheduler (issue 7); Location is filled from SHOP_TIMEZONE.
	Scheduler scheduler.Config
	// Personal data (issue 6).
	ConsentText string
	// Offers and campaigns (issue 7).
	OfferGapDays int
	// Owner reports (issue 9): hundredths of a percent.
	MarginFloor int
	// Pilot mode (issue 9).
	Pilot crm.Pilot
	// UnansweredAfter is when the digest lists a client's message as unanswered.
	UnansweredAfter time.Duration
	// Webhook mode and flood control (issue 6).
	Webhook bot.WebhookConfig
	Flood   bot.FloodConfig
	// CallbackSecret authenticates button data; empty: derived from the bot token (bot package).
	CallbackSecret []byte
	// CSVSeparator separates the fields of CSV exports (issue 8).
	CSVSeparator rune
}

// loadConfig reads and validates every variable. It reports all bad
// variables at once, each error naming its variable and what is expected,
// so an operator fixes the environment in one go. Error messages never
// include secret values (the token, passwords in URLs).
func loadConfig(getenv func(string) string) (Config, error) {
	defaults := make(map[string]string)
	for _, v := range configVars() {
		defaults[v.Name] = v.Default
	}
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return defaults[name]
	}

	var (
		cfg  Config
		errs []error
	)
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}

	cfg.TelegramToken = get(envTelegramToken)
	if cfg.TelegramToken != "" && !validBotToken(cfg.TelegramToken) {
		bad(envTelegramToken, "want the form <bot id>:<secret> as issued by @BotFather (value not shown)")
	}

	cfg.TelegramAPIURL = strings.TrimRight(get(envTelegramAPIURL), "/")
	if u, err := url.Parse(cfg.TelegramAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad(envTelegramAPIURL, "want an http(s) URL such as https://api.telegram.org, got %q", cfg.TelegramAPIURL)
	}

	cfg.DatabaseURL = get(envDatabaseURL)
	if _, err := pgxpool.ParseConfig(cfg.DatabaseURL); err != nil {
		bad(envDatabaseURL, "want a PostgreSQL URL such as postgres://user@host:5432/uniflow?sslmode=disable: %s", leafError(err))
	}

	if opts, err := redis.ParseURL(get(envRedisURL)); err != nil {
		bad(envRedisURL, "want a Redis URL such as redis://host:6379/0: %s", leafError(err))
	} else {
		if opts.Protocol == 0 {
			// RESP2 unless the URL asks for another: UniFlow uses no RESP3 feature (no client-side
			// caching, no push messages), and go-redis checks every RESP3 reply for pending push
			// notifications, a cost on each of the two pipelines an update makes.
			opts.Protocol = 2
		}
		cfg.Redis = opts
	}

	cfg.RedisPrefix = get(envRedisPrefix)
	if strings.ContainsFunc(cfg.RedisPrefix, isSpaceOrControl) {
		bad(envRedisPrefix, "want a key prefix without spaces, such as %q, got %q", "uniflow:", cfg.RedisPrefix)
	}

	// Local is the host's zone: the shop's clock would move with the server. Told by its name,
	// since LoadLocation("Local") is whatever time.Local is (UTC in the tests).
	if tz := get(envShopTimezone); tz == "Local" {
		bad(envShopTimezone, "want an IANA time zone such as Europe/Moscow, not Local (the host's zone)")
	} else if loc, err := time.LoadLocation(tz); err != nil {
		bad(envShopTimezone, "want an IANA time zone such as Europe/Moscow, got %q", tz)
	} else {
		cfg.Location = loc
	}

	if h, err := bot.ParseShopHours(get(envShopHours)); err != nil {
		bad(envShopHours, "want opening hours such as %q: %w", "mon-fri 09:00-19:00; sat 10:00-16:00", err)
	} else {
		cfg.ShopHours = h
	}

	cfg.Region = strings.ToUpper(get(envShopRegion))
	if len(cfg.Region) != 2 || !isASCIIUpper(cfg.Region) {
		bad(envShopRegion, "want a two-letter region code such as RU, got %q", get(envShopRegion))
	}

	if ids, err := parseIDs(get(envOwnerIDs)); err != nil {
		bad(envOwnerIDs, "want comma-separated positive Telegram user ids such as 12345,67890: %w", err)
	} else {
		cfg.OwnerIDs = ids
	}

	if s := get(envStaffChatID); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id == 0 {
			bad(envStaffChatID, "want a non-zero Telegram chat id such as -1001234567890, got %q", s)
		}
		cfg.StaffChatID = id
	}

	cfg.HTTPAddr = get(envHTTPAddr)
	if _, port, err := net.SplitHostPort(cfg.HTTPAddr); err != nil {
		bad(envHTTPAddr, "want host:port such as 127.0.0.1:8080, got %q", cfg.HTTPAddr)
	} else if p, err := strconv.ParseUint(port, 10, 16); err != nil || (p == 0 && port != "0") {
		bad(envHTTPAddr, "want a port number from 0 to 65535, got %q", port)
	}

	if v, err := strconv.ParseBool(get(envSandboxPublic)); err != nil {
		bad(envSandboxPublic, "want true or false, got %q", get(envSandboxPublic))
	} else {
		cfg.SandboxPublic = v
	}

	if err := cfg.LogLevel.UnmarshalText([]byte(get(envLogLevel))); err != nil || !validLogLevel(get(envLogLevel)) {
		bad(envLogLevel, "want one of debug, info, warn, error, got %q", get(envLogLevel))
	}

	cfg.ConsentText = get(envConsentText)
	if n := utf8.RuneCountInString(cfg.ConsentText); n > 1000 {
		bad(envConsentText, "want at most 1000 characters, got %d", n)
	}

	cfg.Shop = bot.ShopDetails{
		Name: get(envShopName), Address: get(envShopAddress), INN: get(envShopINN), OGRN: get(envShopOGRN),
		Phone: get(envShopPhone), VAT: get(envShopVAT),
	}
	if n := len(cfg.Shop.INN); cfg.Shop.INN != "" && (!isDigits(cfg.Shop.INN) || (n != 10 && n != 12)) {
		bad(envShopINN, "want 10 or 12 digits, got %q", cfg.Shop.INN)
	}
	if n := len(cfg.Shop.OGRN); cfg.Shop.OGRN != "" && (!isDigits(cfg.Shop.OGRN) || (n != 13 && n != 15)) {
		bad(envShopOGRN, "want 13 or 15 digits, got %q", cfg.Shop.OGRN)
	}
	if v, err := strconv.ParseBool(get(envStockNegative)); err != nil {
		bad(envStockNegative, "want true or false, got %q", get(envStockNegative))
	} else {
		cfg.AllowNegativeStock = v
	}
	if n, err := strconv.Atoi(get(envCompanyPayDays)); err != nil || n < 0 || n > 365 {
		bad(envCompanyPayDays, "want a number of days from 0 to 365, got %q", get(envCompanyPayDays))
	} else {
		cfg.CompanyPaymentDays = n
	}
	if n, err := strconv.Atoi(get(envOfferGapDays)); err != nil || n < 1 || n > 365 {
		bad(envOfferGapDays, "want a number of days from 1 to 365, got %q", get(envOfferGapDays))
	} else {
		cfg.OfferGapDays = n
	}
	if n, err := strconv.Atoi(get(envMarginFloor)); err != nil || n < 1 || n > 100 {
		bad(envMarginFloor, "want a percent from 1 to 100, got %q", get(envMarginFloor))
	} else {
		cfg.MarginFloor = n * 100
	}
	if ids, err := parseIDs(get(envPilotBranches)); err != nil {
		bad(envPilotBranches, "want comma-separated branch ids such as 1,2: %w", err)
	} else {
		cfg.Pilot.Branches = ids
	}
	if ids, err := parseIDs(get(envPilotStaff)); err != nil {
		bad(envPilotStaff, "want comma-separated Telegram user ids such as 12345,67890: %w", err)
	} else {
		cfg.Pilot.Staff = ids
	}
	if n, err := strconv.Atoi(get(envUnansweredMinutes)); err != nil || n < 1 || n > 7*24*60 {
		bad(envUnansweredMinutes, "want a number of minutes from 1 to 10080, got %q", get(envUnansweredMinutes))
	} else {
		cfg.UnansweredAfter = time.Duration(n) * time.Minute
	}

	if q, err := scheduler.ParseQuietHours(get(envQuietHours)); err != nil {
		bad(envQuietHours, "want HH:MM-HH:MM such as 21:00-09:00, or off: %w", err)
	} else {
		cfg.Scheduler.Quiet = &q
	}
	if days, err := parseDays(get(envPaymentReminder)); err != nil {
		bad(envPaymentReminder, "want comma-separated days after the due date such as 1,7,14: %w", err)
	} else {
		cfg.Scheduler.PaymentLadder = days
	}
	cfg.Scheduler.Location = cfg.Location

	// Up to 1,000 a second: Telegram's paid broadcasts go that far.
	if r, err := strconv.ParseFloat(get(envSendRate), 64); err != nil || !(r > 0 && r <= 1000) {
		bad(envSendRate, "want messages per second, more than 0 and at most 1000, got %q", get(envSendRate))
	} else {
		cfg.SendRate = r
	}

	cfg.Webhook, cfg.Flood = loadWebhookAndFlood(get, bad) // config_webhook.go
	if s := get(envCallbackSecret); s != "" && len(s) < minCallbackSecret {
		bad(envCallbackSecret, "want at least %d characters, got %d (value not shown)", minCallbackSecret, len(s))
	} else if s != "" {
		cfg.CallbackSecret = []byte(s)
	}

	if r, err := parseSeparator(get(envCSVSeparator)); err != nil { // export_cli.go
		bad(envCSVSeparator, "%s", err)
	} else {
		cfg.CSVSeparator = r
	}

	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	return cfg, nil
}

// validBotToken checks the shape Telegram issues, "123456789:AAE...": it
// goes into URL paths, so a stray space or slash must fail here, not as a
// puzzling 404 later.
func validBotToken(tok string) bool {
	id, secret, ok := strings.Cut(tok, ":")
	if !ok || id == "" || secret == "" {
		return false
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return false
	}
	for _, r := range secret {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// parseDays reads a ladder of days, each 1 to 365 and rising.
func parseDays(s string) ([]int, error) {
	var days []int
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 || n > 365 || (len(days) > 0 && n <= days[len(days)-1]) {
			return nil, fmt.Errorf("%q is not a day after the previous one (1-365)", strings.TrimSpace(part))
		}
		days = append(days, n)
	}
	return days, nil
}

func parseIDs(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	var ids []int64
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a user id", part)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// validLogLevel accepts only the four names: slog also parses "info+2",
// which nobody means in an environment variable.
func validLogLevel(s string) bool {
	switch strings.ToLower(s) {
	case "debug", "info", "warn", "error":
		return true
	}
	return false
}

func isASCIIUpper(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// leafError returns the innermost error of a chain. URL parse errors quote
// the whole URL, password included; the innermost error says what is wrong
// without it.
func leafError(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
