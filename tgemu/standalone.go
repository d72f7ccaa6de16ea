package tgemu

import (
	"context"
	"fmt"
	"io"
)

// RunStandalone serves the emulator on addr until ctx is done, after printing the base URL and
// the bot token, so that a bot in any language can be pointed at it. Fake users are driven over
// HTTP under /__sim/ (see sim_http.go).
func RunStandalone(ctx context.Context, addr string, stdout io.Writer) error {
	return RunStandaloneWith(ctx, addr, Options{}, stdout)
}

// RunStandaloneWith is RunStandalone with options (for example a fixed token).
func RunStandaloneWith(ctx context.Context, addr string, opts Options, stdout io.Writer) error {
	srv, err := Listen(addr, opts)
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	defer srv.Close()
	if _, err := fmt.Fprintf(stdout, "tgemu: Telegram Bot API emulator listening\n  base URL: %s\n  token:    %s\n  API:      %s/bot%s/getMe\n  sim API:  %s/__sim/\n",
		srv.URL(), srv.Token(), srv.URL(), srv.Token(), srv.URL()); err != nil {
		return fmt.Errorf("print emulator address: %w", err)
	}
	<-ctx.Done()
	return nil
}
