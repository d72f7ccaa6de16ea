// Command uniflow runs the UniFlow CRM: the Telegram bot, the scheduler and
// a small HTTP server for health checks. See run.go for the wiring and the
// subcommands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/redis/go-redis/v9"

	// The distroless image has no zoneinfo; SHOP_TIMEZONE must resolve anyway.
	_ "time/tzdata"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal, restore the default handling: a second
		// Ctrl-C kills a shutdown that hangs instead of being swallowed.
		<-ctx.Done()
		stop()
	}()

	// The Bot API and Redis libraries log through package-level loggers, so
	// they are set here, once per process, not in run (which tests call
	// concurrently).
	_ = tgbotapi.SetLogger(newTelegramLibLogger(os.Stdout)) // fails only on nil
	redis.SetLogger(newRedisLibLogger(os.Stdout))

	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "uniflow: %s\n", redactedText(err.Error()))
		os.Exit(1)
	}
}
