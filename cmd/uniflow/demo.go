package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// demoDatabase is where the demo keeps its CRM data: its own database on
// the configured server, made afresh each time, so the demo never mixes
// its fake shop into real data.
const demoDatabase = "uniflow_demo"

// runDemo plays the scripted story (client books, manager assigns, mechanic
// works, client is told, owner gets the summary) against the built-in
// emulator and the real program, then prints every chat's transcript.
func runDemo(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	dsn, err := freshDatabase(ctx, cfg.DatabaseURL, demoDatabase)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	prefix := "uniflow-demo:" + randomHex(4) + ":"
	defer dropKeys(context.WithoutCancel(ctx), cfg.Redis, prefix)

	emu := tgemu.NewServer(tgemu.Options{})
	defer emu.Close()
	c := newCast(emu)
	env := map[string]string{
		envTelegramToken:  emu.Token(),
		envTelegramAPIURL: emu.URL(),
		envDatabaseURL:    dsn,
		envRedisPrefix:    prefix,
		envHTTPAddr:       "127.0.0.1:0",
		envLogLevel:       "warn",
		envShopHours:      "mon-sun 08:00-20:00",
		envShopTimezone:   middayZone(time.Now()),
	}
	for k, v := range c.env() {
		env[k] = v
	}
	demoEnv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return getenv(k)
	}

	fmt.Fprintf(stdout, "UniFlow demo: the bot runs against the built-in emulator at %s, CRM data goes to database %q.\n\n", emu.URL(), demoDatabase)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runServe(runCtx, demoEnv, io.Discard, nil) }()

	svc, closeSvc, err := demoService(ctx, dsn, cfg)
	if err != nil {
		stop()
		<-done
		return err
	}
	defer closeSvc()
	_, playErr := playStory(emu, c, func() error { return nil }, func() error {
		_, err := svc.EnqueueDailySummaries(ctx, time.Now())
		return err
	})
	stop()
	runErr := <-done

	names := []string{"Client (Иван)", "Staff group", "Manager (Мария)", "Mechanic (Пётр)", "Owner (Ольга)"}
	for i, chat := range c.chats() {
		fmt.Fprintf(stdout, "=== %s ===\n%s\n", names[i], chat.Transcript())
	}
	if playErr != nil {
		return fmt.Errorf("demo: the story stopped: %w", playErr)
	}
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("demo: %w", runErr)
	}
	fmt.Fprintln(stdout, "The story played to the end.")
	return nil
}

// demoService is a crm.Service of the demo's own, standing in for the 20:00
// cron: the story cannot wait for the evening.
func demoService(ctx context.Context, dsn string, cfg Config) (*crm.Service, func(), error) {
	pool, err := connectPostgres(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	loc, err := time.LoadLocation(middayZone(time.Now()))
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("load the demo's time zone: %w", err)
	}
	return crm.New(pool, crm.Options{Now: time.Now, Location: loc, Region: cfg.Region}), pool.Close, nil
}

// freshDatabase drops and creates database name on the server of dsn and
// returns a DSN for it.
func freshDatabase(ctx context.Context, dsn, name string) (string, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", fmt.Errorf("connect to PostgreSQL (%s): %w", envDatabaseURL, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("drop database %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", envDatabaseURL, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

func dropKeys(ctx context.Context, opts *redis.Options, prefix string) {
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// middayZone names a fixed-offset zone where it is about noon now. The
// story must not depend on the time of day it is played at: past 20:00
// local the scheduler would send the day's summary at start, before the
// story made its numbers, and late at night no slot would be left today.
func middayZone(now time.Time) string {
	offset := 12 - now.UTC().Hour() // hours east of UTC that make it noon
	if offset > 14 {
		offset -= 24
	}
	if offset < -12 {
		offset += 24
	}
	// POSIX-style names: Etc/GMT-3 is three hours EAST of UTC.
	switch {
	case offset > 0:
		return "Etc/GMT-" + strconv.Itoa(offset)
	case offset < 0:
		return "Etc/GMT+" + strconv.Itoa(-offset)
	}
	return "Etc/GMT"
}
