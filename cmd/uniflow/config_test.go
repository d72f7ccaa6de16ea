package main

import (
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// env returns a getenv over m, so tests never read the real environment.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(env(nil))
	if err != nil {
		t.Fatalf("loadConfig with an empty environment: %v", err)
	}
	got := map[string]string{
		"token":     cfg.TelegramToken,
		"api_url":   cfg.TelegramAPIURL,
		"db":        cfg.DatabaseURL,
		"redis":     cfg.Redis.Addr,
		"prefix":    cfg.RedisPrefix,
		"tz":        cfg.Location.String(),
		"region":    cfg.Region,
		"http":      cfg.HTTPAddr,
		"log_level": cfg.LogLevel.String(),
		"send_rate": strconv.FormatFloat(cfg.SendRate, 'g', -1, 64),
	}
	want := map[string]string{
		"token":     "",
		"api_url":   "https://api.telegram.org",
		"db":        "postgres://postgres@127.0.0.1:5432/uniflow?sslmode=disable",
		"redis":     "127.0.0.1:6379",
		"prefix":    "uniflow:",
		"tz":        "Europe/Moscow",
		"region":    "RU",
		"http":      "127.0.0.1:8080",
		"log_level": "INFO",
		"send_rate": "30",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if cfg.Redis.DB != 0 || cfg.OwnerIDs != nil || cfg.StaffChatID != 0 {
		t.Errorf("redis db %d, owners %v, staff chat %d; want 0, none, 0", cfg.Redis.DB, cfg.OwnerIDs, cfg.StaffChatID)
	}
}

func TestLoadConfigValues(t *testing.T) {
	cfg, err := loadConfig(env(map[string]string{
		envTelegramToken:  "123456789:AAE_valid-Token",
		envTelegramAPIURL: "http://127.0.0.1:8081/",
		envDatabaseURL:    "postgres://u:secret@db.internal:6432/crm?sslmode=require",
		envRedisURL:       "redis://cache:6380/3",
		envRedisPrefix:    "shop1:",
		envShopTimezone:   "Asia/Yekaterinburg",
		envShopHours:      "mon-fri 08:00-20:00; sat 10:00-16:00",
		envShopRegion:     "kz",
		envOwnerIDs:       " 111, 222 ,333",
		envStaffChatID:    "-1001234567890",
		envHTTPAddr:       "0.0.0.0:9090",
		envLogLevel:       "DEBUG",
		envSendRate:       "12.5",
	}))
	if err != nil {
		t.Fatalf("loadConfig: %v", err)
	}
	if cfg.TelegramAPIURL != "http://127.0.0.1:8081" {
		t.Errorf("api url %q: want the trailing slash trimmed", cfg.TelegramAPIURL)
	}
	if cfg.Redis.Addr != "cache:6380" || cfg.Redis.DB != 3 {
		t.Errorf("redis %s db %d, want cache:6380 db 3", cfg.Redis.Addr, cfg.Redis.DB)
	}
	if cfg.Location.String() != "Asia/Yekaterinburg" || cfg.Region != "KZ" || cfg.RedisPrefix != "shop1:" {
		t.Errorf("zone %s region %s prefix %s", cfg.Location, cfg.Region, cfg.RedisPrefix)
	}
	if diff := cmp.Diff([]int64{111, 222, 333}, cfg.OwnerIDs); diff != "" {
		t.Errorf("owners (-want +got):\n%s", diff)
	}
	if cfg.SendRate != 12.5 {
		t.Errorf("send rate %v, want 12.5", cfg.SendRate)
	}
	if cfg.StaffChatID != -1001234567890 || cfg.HTTPAddr != "0.0.0.0:9090" || cfg.LogLevel != slog.LevelDebug {
		t.Errorf("staff chat %d, http %s, level %s", cfg.StaffChatID, cfg.HTTPAddr, cfg.LogLevel)
	}
}

func TestLoadConfigRejects(t *testing.T) {
	tests := []struct {
		name, key, value string
		want             string // in the error, after the variable's name
		secret           string // must not appear in the error
	}{
		{"token without colon", envTelegramToken, "not-a-token", "want the form <bot id>:<secret>", "not-a-token"},
		{"token with slash", envTelegramToken, "123:abc/def", "want the form <bot id>:<secret>", "abc/def"},
		{"token with letters in the id", envTelegramToken, "12x:abcdef", "want the form <bot id>:<secret>", "12x:abcdef"},
		{"api url without scheme", envTelegramAPIURL, "api.telegram.org", "want an http(s) URL", ""},
		{"api url ftp", envTelegramAPIURL, "ftp://api.telegram.org", "want an http(s) URL", ""},
		{"database url garbage", envDatabaseURL, "postgres://u:hunter2@db:notaport/x", "want a PostgreSQL URL", "hunter2"},
		{"database url bad sslmode", envDatabaseURL, "postgres://u:hunter2@db:5432/x?sslmode=maybe", "want a PostgreSQL URL", "hunter2"},
		{"redis url scheme", envRedisURL, "http://cache:6379", "want a Redis URL", ""},
		{"redis url bad db", envRedisURL, "redis://:hunter2@cache:6379/x", "want a Redis URL", "hunter2"},
		{"redis url bad port", envRedisURL, "redis://:hunter2@cache:port/0", "want a Redis URL", "hunter2"},
		{"redis prefix with space", envRedisPrefix, "my shop:", "want a key prefix without spaces", ""},
		{"unknown time zone", envShopTimezone, "Mars/Olympus", "want an IANA time zone", ""},
		{"time zone Local", envShopTimezone, "Local", "want an IANA time zone such as Europe/Moscow, not Local", ""},
		{"quiet hours of no length", envQuietHours, "09:00-09:00", "want HH:MM-HH:MM such as 21:00-09:00, or off: quiet hours \"09:00-09:00\" start and end at the same time; for no quiet hours write off", ""},
		{"shop hours", envShopHours, "always open", "want opening hours", ""},
		{"shop hours never open", envShopHours, "mon 10:00-09:00", "want opening hours", ""},
		{"region too long", envShopRegion, "RUS", "want a two-letter region code", ""},
		{"region digits", envShopRegion, "R1", "want a two-letter region code", ""},
		{"owner id not a number", envOwnerIDs, "123,abc", "want comma-separated positive Telegram user ids", ""},
		{"owner id negative", envOwnerIDs, "-5", "want comma-separated positive Telegram user ids", ""},
		{"owner ids empty item", envOwnerIDs, "1,,2", "want comma-separated positive Telegram user ids", ""},
		{"staff chat not a number", envStaffChatID, "staff", "want a non-zero Telegram chat id", ""},
		{"staff chat zero", envStaffChatID, "0", "want a non-zero Telegram chat id", ""},
		{"http addr without port", envHTTPAddr, "localhost", "want host:port", ""},
		{"http addr bad port", envHTTPAddr, "127.0.0.1:http", "want a port number", ""},
		{"http addr port too big", envHTTPAddr, "127.0.0.1:70000", "want a port number", ""},
		{"log level unknown", envLogLevel, "verbose", "want one of debug, info, warn, error", ""},
		{"log level with offset", envLogLevel, "info+2", "want one of debug, info, warn, error", ""},
		{"send rate zero", envSendRate, "0", "want messages per second", ""},
		{"send rate words", envSendRate, "fast", "want messages per second", ""},
		{"send rate above paid broadcasts", envSendRate, "1001", "want messages per second", ""},
		{"margin floor of 0", envMarginFloor, "0", "want a percent from 1 to 100", ""},
		{"margin floor with a sign", envMarginFloor, "20%", "want a percent from 1 to 100", ""},
		{"pilot branch by name", envPilotBranches, "Север", "want comma-separated branch ids", ""},
		{"pilot branch of 0", envPilotBranches, "1,0", "want comma-separated branch ids", ""},
		{"pilot staff by username", envPilotStaff, "@ivan", "want comma-separated Telegram user ids", ""},
		{"unanswered minutes of 0", envUnansweredMinutes, "0", "want a number of minutes from 1 to 10080", ""},
		{"unanswered minutes as a duration", envUnansweredMinutes, "30m", "want a number of minutes from 1 to 10080", ""},
		{"unanswered minutes over a week", envUnansweredMinutes, "10081", "want a number of minutes from 1 to 10080", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(env(map[string]string{tt.key: tt.value}))
			if err == nil {
				t.Fatalf("%s=%q accepted, want an error", tt.key, tt.value)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.key+": "+tt.want) {
				t.Errorf("error %q\nwant it to contain %q", msg, tt.key+": "+tt.want)
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error %q reveals the secret %q", err, tt.secret)
			}
		})
	}
}

func TestLoadConfigReportsEveryBadVariable(t *testing.T) {
	_, err := loadConfig(env(map[string]string{
		envShopTimezone: "Nowhere/Town",
		envLogLevel:     "loud",
		envStaffChatID:  "x",
	}))
	if err == nil {
		t.Fatal("accepted, want an error")
	}
	for _, name := range []string{envShopTimezone, envLogLevel, envStaffChatID} {
		if !strings.Contains(err.Error(), name+":") {
			t.Errorf("error does not name %s:\n%s", name, err)
		}
	}
}

// The README's configuration table lists every variable with its default,
// so the documentation cannot fall behind the code. Only the one table under
// "## Configuration" counts: rows after a blank line would render as loose text.
func TestReadmeDocumentsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Configuration\n")
	if !ok {
		t.Fatal("README.md: no ## Configuration section")
	}
	var table []string
	for line := range strings.SplitSeq(section, "\n") {
		if strings.HasPrefix(line, "|") {
			table = append(table, line)
		} else if len(table) > 0 {
			break // the table's end
		}
	}
	rows := make(map[string]string)
	for _, line := range table {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		name := strings.Trim(strings.TrimSpace(cells[1]), "`")
		rows[name] = strings.TrimSpace(cells[2])
	}
	for _, v := range configVars() {
		def, ok := rows[v.Name]
		if !ok {
			t.Errorf("README.md: no row for %s in the configuration table", v.Name)
			continue
		}
		if v.Default != "" && !strings.Contains(def, v.Default) {
			t.Errorf("README.md: %s default cell %q, want it to show %q", v.Name, def, v.Default)
		}
	}
}

// RESP2 is the default (no push-notification checks on every reply); a URL that names a
// protocol keeps it.
func TestRedisProtocol(t *testing.T) {
	for url, want := range map[string]int{
		"redis://127.0.0.1:6379/0":            2,
		"redis://127.0.0.1:6379/0?protocol=3": 3,
		"redis://127.0.0.1:6379/0?protocol=2": 2,
	} {
		cfg, err := loadConfig(env(map[string]string{envRedisURL: url}))
		if err != nil {
			t.Fatalf("loadConfig(%s): %v", url, err)
		}
		if cfg.Redis.Protocol != want {
			t.Errorf("REDIS_URL=%s: protocol %d, want %d", url, cfg.Redis.Protocol, want)
		}
	}
}
