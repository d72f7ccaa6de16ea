package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Two libraries log through package-level loggers of their own, in plain
// text on stderr. main points both at these adapters once per process, so
// every line UniFlow prints is JSON and goes through redaction (logredact.go: URL passwords, bot
// paths, phones; the configured secrets are not known here, but these libraries never see them
// outside URLs).

// telegramLibLogger receives tgbotapi's lines. They can hold request URLs,
// so bot paths are redacted.
type telegramLibLogger struct {
	log *slog.Logger
}

func newTelegramLibLogger(w io.Writer) telegramLibLogger {
	return telegramLibLogger{log: slog.New(newLogHandler(w, slog.LevelInfo)).With(slog.String("component", "tgbotapi"))}
}

func (l telegramLibLogger) Println(v ...any) {
	l.log.Warn(redactSecrets(strings.TrimSpace(fmt.Sprintln(v...)), ""))
}

func (l telegramLibLogger) Printf(format string, v ...any) {
	l.log.Warn(redactSecrets(strings.TrimSpace(fmt.Sprintf(format, v...)), ""))
}

// redisLibLogger receives go-redis's lines (failed dials, pool trouble).
type redisLibLogger struct {
	log *slog.Logger
}

func newRedisLibLogger(w io.Writer) redisLibLogger {
	return redisLibLogger{log: slog.New(newLogHandler(w, slog.LevelInfo)).With(slog.String("component", "go-redis"))}
}

func (l redisLibLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, strings.TrimSpace(fmt.Sprintf(format, v...)))
}
