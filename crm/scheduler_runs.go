package crm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// JobRun is the last run of a scheduler job, as recorded by the replica that ran it.
type JobRun struct {
	Job            string     `db:"job"`
	LastStartedAt  time.Time  `db:"last_started_at"`
	LastFinishedAt *time.Time `db:"last_finished_at"` // nil while the run goes on (or died)
	LastEnqueued   int        `db:"last_enqueued"`
	LastError      string     `db:"last_error"` // "" when the last run succeeded
	Runs           int64      `db:"runs"`
	Failures       int64      `db:"failures"`
}

const jobRunColumns = `job, last_started_at, last_finished_at, last_enqueued, last_error, runs, failures`

// ErrJobBusy is a job already being run by another replica (or another run in this one): its
// advisory lock is held.
var ErrJobBusy = errors.New("job is already running")

const (
	sqlTryJobLock = `SELECT pg_try_advisory_lock(hashtextextended('uniflow.scheduler:' || $1, 0))`
	sqlJobUnlock  = `SELECT pg_advisory_unlock(hashtextextended('uniflow.scheduler:' || $1, 0))`
	sqlJobStarted = `
INSERT INTO scheduler_runs (job, last_started_at) VALUES ($1, $2)
ON CONFLICT (job) DO UPDATE SET last_started_at = $2, last_finished_at = NULL`
	sqlJobFinished = `
UPDATE scheduler_runs SET last_finished_at = $2, last_enqueued = $3, last_error = $4,
	runs = runs + 1, failures = failures + CASE WHEN $4 = '' THEN 0 ELSE 1 END
WHERE job = $1`
)

// RunJob runs fn as job under a PostgreSQL session advisory lock held on a connection of its
// own, so that of several replicas (or overlapping runs) only one scans at a time; the others get
// ErrJobBusy at once. The run is recorded in scheduler_runs: started at now, then finished with
// what fn enqueued and its error. The lock dies with the connection, so a crashed replica never
// leaves it held. Idempotence is still the jobs' own (dedupe keys): the lock only stops work
// being done twice at once.
func (s *Service) RunJob(ctx context.Context, job string, now time.Time, fn func(context.Context) (int, error)) (int, error) {
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("run job %s: acquire lock connection: %w", job, err)
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, sqlTryJobLock, job).Scan(&got); err != nil {
		return 0, fmt.Errorf("run job %s: take lock: %w", job, err)
	}
	if !got {
		return 0, fmt.Errorf("run job %s: %w", job, ErrJobBusy)
	}
	defer func() {
		// A fresh context: the run's may be cancelled, and a lock left on a pooled connection
		// would block the job on this replica until the connection closes.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, sqlJobUnlock, job); err != nil {
			conn.Conn().Close(uctx) // closing the session releases the lock
		}
	}()
	if _, err := conn.Exec(ctx, sqlJobStarted, job, now); err != nil {
		return 0, fmt.Errorf("run job %s: record start: %w", job, err)
	}
	n, runErr := fn(ctx)
	msg := ""
	if runErr != nil {
		msg = truncate(runErr.Error(), maxErrorLen)
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, err := conn.Exec(rctx, sqlJobFinished, job, s.now(), max(n, 0), msg); err != nil && runErr == nil {
		runErr = fmt.Errorf("run job %s: record finish: %w", job, err)
	}
	return n, runErr
}

// JobRuns returns the recorded last runs of all jobs, by name.
func (s *Service) JobRuns(ctx context.Context) (map[string]JobRun, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+jobRunColumns+` FROM scheduler_runs`)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[JobRun])
	if err != nil {
		return nil, fmt.Errorf("list job runs: %w", err)
	}
	m := make(map[string]JobRun, len(rs))
	for _, r := range rs {
		m[r.Job] = r
	}
	return m, nil
}

// JobStatus is a scheduler job as /jobs shows it: its spec, its next fire time and its last run
// (nil if it never ran).
type JobStatus struct {
	Name string
	Spec string
	Next time.Time
	Last *JobRun
}
