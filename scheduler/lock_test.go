package scheduler

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/uniflow-crm/uniflow/crm"
)

func TestRunJobLockAndRecord(t *testing.T) {
	msk := mustLoad(t, "Europe/Moscow")
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, msk)
	svc, _ := newTestService(t, now, msk)

	started, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		_, err := svc.RunJob(t.Context(), "probe", now, func(ctx context.Context) (int, error) {
			close(started)
			<-release
			return 3, nil
		})
		first <- err
	}()
	<-started
	// A second replica (any other session) cannot take the job while it runs.
	_, err := svc.RunJob(t.Context(), "probe", now, func(context.Context) (int, error) {
		t.Error("second run entered while the first held the lock")
		return 0, nil
	})
	if !errors.Is(err, crm.ErrJobBusy) {
		t.Fatalf("second run: err = %v, want ErrJobBusy", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first run: %v", err)
	}

	// The lock is given back: a failing run goes through and is recorded.
	if _, err := svc.RunJob(t.Context(), "probe", now.Add(time.Hour), func(context.Context) (int, error) {
		return 0, errors.New("scan broke")
	}); err == nil {
		t.Fatal("failing run returned no error")
	}
	runs, err := svc.JobRuns(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r := runs["probe"]
	if r.Runs != 2 || r.Failures != 1 || r.LastError != "scan broke" || !r.LastStartedAt.Equal(now.Add(time.Hour)) || r.LastFinishedAt == nil {
		t.Errorf("recorded run = %+v, want 2 runs, 1 failure, error recorded, started at %s", r, now.Add(time.Hour))
	}
}
