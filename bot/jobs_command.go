package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/uniflow-crm/uniflow/bot/text"
	"github.com/uniflow-crm/uniflow/crm"
)

// JobControl is what /jobs needs of the scheduler: each job's schedule and last run, and a run
// on demand.
type JobControl interface {
	Status(ctx context.Context) ([]crm.JobStatus, error)
	RunNow(ctx context.Context, name string) (int, error)
}

// actRunJob runs a scheduler job now. ID: the job's place in /jobs's list.
const actRunJob action = "jn"

// cmdJobs: owners and admins see every job's last run, next run, rows enqueued and errors, with
// a button per job to run it now.
func (b *Bot) cmdJobs(ctx context.Context, r *request) error {
	if ok, err := b.requireJobAdmin(ctx, r); !ok {
		return err
	}
	html, kb, err := b.jobsView(ctx, r.lang)
	if err != nil {
		return err
	}
	return b.say(ctx, r.chatID, html, kbOrNil(kb))
}

func (b *Bot) onRunJob(ctx context.Context, r *request) error {
	if ok, err := b.requireJobAdmin(ctx, r); !ok {
		return err
	}
	list, err := b.cfg.Jobs.Status(ctx)
	if err != nil {
		return err
	}
	if r.data.ID < 0 || r.data.ID >= int64(len(list)) {
		return fmt.Errorf("run job %d: %w", r.data.ID, crm.ErrNotFound)
	}
	name := list[r.data.ID].Name
	b.log.Info("job run on demand", "job", name, "user_id", r.userID)
	n, err := b.cfg.Jobs.RunNow(ctx, name)
	switch {
	case errors.Is(err, crm.ErrJobBusy):
		b.answer(ctx, r, text.T(r.lang, text.JobsBusy, name), true)
	case err != nil:
		b.log.Error("job run on demand failed", "job", name, "err", err)
		b.answer(ctx, r, short(err.Error(), 180), true)
	default:
		b.answer(ctx, r, text.T(r.lang, text.JobsRan, name, text.JobCount(r.lang, name, n)), false)
	}
	html, kb, err := b.jobsView(ctx, r.lang)
	if err != nil {
		return err
	}
	return b.editPressed(ctx, r, html, kb)
}

// requireJobAdmin lets owners and admins through; others are told no (ok false).
func (b *Bot) requireJobAdmin(ctx context.Context, r *request) (bool, error) {
	s, ok, err := b.requireStaff(ctx, r)
	if !ok {
		return false, err
	}
	if !may(s, crm.ActJobs) {
		if r.cb != nil {
			b.answer(ctx, r, text.T(r.lang, text.Forbidden), true)
			return false, nil
		}
		return false, b.say(ctx, r.chatID, text.T(r.lang, text.Forbidden), nil)
	}
	if b.cfg.Jobs == nil {
		if r.cb != nil {
			b.answer(ctx, r, text.T(r.lang, text.JobsOff), true)
			return false, nil
		}
		return false, b.say(ctx, r.chatID, text.T(r.lang, text.JobsOff), nil)
	}
	return true, nil
}

func (b *Bot) jobsView(ctx context.Context, l text.Lang) (string, *tgbotapi.InlineKeyboardMarkup, error) {
	list, err := b.cfg.Jobs.Status(ctx)
	if err != nil {
		return "", nil, err
	}
	var sb strings.Builder
	sb.WriteString(text.T(l, text.JobsTitle, esc(b.cfg.Location.String())))
	var buttons []tgbotapi.InlineKeyboardButton
	for i, j := range list {
		last, enqueued, runs, failures, lastErr := text.T(l, text.JobsNever), 0, int64(0), int64(0), ""
		if r := j.Last; r != nil {
			last = b.shortTime(r.LastStartedAt)
			if r.LastFinishedAt == nil {
				last += text.T(l, text.JobsRunning)
			}
			enqueued, runs, failures, lastErr = r.LastEnqueued, r.Runs, r.Failures, r.LastError
		}
		sb.WriteString(text.T(l, text.JobsLine, esc(j.Name), esc(j.Spec), last, text.JobCount(l, j.Name, enqueued), b.shortTime(j.Next), runs, failures))
		if lastErr != "" {
			sb.WriteString(text.T(l, text.JobsError, short(lastErr, 200)))
		}
		buttons = append(buttons, button(text.T(l, text.JobsRunButton, j.Name), callback{Action: actRunJob, ID: int64(i)}))
	}
	return sb.String(), inline(chunk(buttons, 2)...), nil
}
