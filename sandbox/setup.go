package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
	"github.com/uniflow-crm/uniflow/tgemu"
)

// setupWait bounds each wait for the bot while the staff are set up; it answers in milliseconds.
const setupWait = 30 * time.Second

// Run sets the staff up once the bot polls, then waits for ctx: the owner (an owner already by
// OWNER_TELEGRAM_IDS) opens the bot, and the manager and the mechanic join through the real
// invite flow (an invite the owner makes, opened as /start inv_...), unless yesterday's run of
// the sandbox database made them staff already.
func (sb *Sandbox) Run(ctx context.Context) error {
	defer close(sb.stopped)
	if err := awaitCtx(ctx, setupWait, sb.opts.Emu.AwaitPolling); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("sandbox: the bot does not poll the emulator: %w", err)
	}
	sb.busy.Lock()
	err := sb.setupStaff(ctx)
	sb.busy.Unlock()
	sb.mu.Lock()
	sb.ready = err == nil
	if err != nil {
		sb.setupErr = err.Error()
	}
	sb.mu.Unlock()
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		// The page still works (clients can book); it shows why the staff are missing.
		sb.log.Error("sandbox: set up the staff", slog.String("error", err.Error()))
	} else {
		sb.log.Info("sandbox ready: owner, manager and mechanic are staff")
	}
	<-ctx.Done()
	return nil
}

func (sb *Sandbox) setupStaff(ctx context.Context) error {
	owner, _ := sb.persona("owner")
	if err := sb.opts.CRM.EnsureOwners(ctx, []int64{owner.UserID}); err != nil {
		return fmt.Errorf("make %s the owner: %w", owner.Name, err)
	}
	if err := sb.open(ctx, owner, ""); err != nil {
		return err
	}
	boss, err := sb.opts.CRM.StaffByTelegramID(ctx, owner.UserID)
	if err != nil {
		return fmt.Errorf("read the owner: %w", err)
	}
	for _, hire := range []struct {
		key  string
		role crm.Role
	}{{"manager", crm.RoleManager}, {"mechanic", crm.RoleMechanic}} {
		p, _ := sb.persona(hire.key)
		st, err := sb.opts.CRM.StaffByTelegramID(ctx, p.UserID)
		if err == nil && st.Active && st.Role == hire.role {
			if err := sb.open(ctx, p, ""); err != nil {
				return err
			}
			continue
		}
		if err != nil && !errors.Is(err, crm.ErrNotFound) {
			return fmt.Errorf("read %s: %w", p.Name, err)
		}
		inv, err := sb.opts.CRM.CreateInvite(ctx, crm.Actor{StaffID: boss.ID, Role: boss.Role, TelegramUserID: boss.TelegramUserID}, hire.role)
		if err != nil {
			return fmt.Errorf("invite %s as %s: %w", p.Name, hire.role, err)
		}
		if err := sb.open(ctx, p, crm.InvitePrefix+inv.Token); err != nil {
			return err
		}
	}
	return nil
}

// open sends /start (with payload, if any) as p and waits for the bot's answer.
func (sb *Sandbox) open(ctx context.Context, p *Persona, payload string) error {
	after := lastID(p.chat)
	p.user.Start(payload)
	err := awaitCtx(ctx, setupWait, func(d time.Duration) error {
		_, err := p.chat.AwaitNew(d, after, func(m tgemu.Message) bool { return m.FromBot })
		return err
	})
	if err != nil {
		what := "/start"
		if payload != "" {
			what = "the invite link"
		}
		return fmt.Errorf("%s opened %s, the bot did not answer: %w", p.Name, what, err)
	}
	return nil
}

// awaitCtx calls wait (an emulator wait with a timeout) in short slices until it succeeds,
// total has passed, or ctx ends: the emulator's waits know no context.
func awaitCtx(ctx context.Context, total time.Duration, wait func(time.Duration) error) error {
	deadline := time.Now().Add(total)
	for {
		err := wait(200 * time.Millisecond)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

func lastID(c *tgemu.Chat) int {
	ms := c.Messages()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].ID
}
