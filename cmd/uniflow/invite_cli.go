package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/uniflow-crm/uniflow/bot"
	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/migrations"
)

const inviteUsage = `usage:
  uniflow invite owner [-bot USERNAME]

Prints a one-time deep link that makes whoever opens it first an owner; it works for 24 hours.
The bot's username is asked from Telegram with TELEGRAM_BOT_TOKEN, or given with -bot. The other
roles are invited from the bot: /invite mechanic|manager|admin.
`

// runInvite is how a shop without OWNER_TELEGRAM_IDS gets its first owner: whoever runs the
// binary against the database controls the shop already.
func runInvite(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "owner" {
		return fmt.Errorf("invite: want \"owner\"\n\n%s", inviteUsage)
	}
	fs := flag.NewFlagSet("invite owner", flag.ContinueOnError)
	fs.SetOutput(stdout)
	botName := fs.String("bot", "", "the bot's username, without @ (default: asked from Telegram)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("invite owner: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("invite owner: unexpected arguments %q\n\n%s", fs.Args(), inviteUsage)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(io.Discard, cfg)
	if *botName == "" {
		if cfg.TelegramToken == "" {
			return fmt.Errorf("invite owner: set %s or give the bot's username with -bot", envTelegramToken)
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		api, err := connectTelegram(cctx, cfg.TelegramAPIURL, cfg.TelegramToken, log)
		cancel()
		if err != nil {
			return fmt.Errorf("invite owner: %w", err)
		}
		*botName = api.Self.UserName
	}
	pool, err := connectPostgres(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := migrations.ApplyLogged(ctx, cfg.DatabaseURL, log); err != nil {
		return fmt.Errorf("invite owner: %w", err)
	}
	svc := crm.New(pool, crm.Options{Location: cfg.Location})
	inv, err := svc.CreateOwnerInvite(ctx)
	if err != nil {
		return fmt.Errorf("invite owner: %w", err)
	}
	_, err = fmt.Fprintf(stdout, "%s\nworks once, until %s\n", bot.InviteLink(*botName, inv.Token),
		inv.ExpiresAt.In(cfg.Location).Format("02.01.2006 15:04 MST"))
	return err
}
