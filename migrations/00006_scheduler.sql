-- +goose Up

-- The scheduler's jobs (issue 7).
--
-- scheduler_runs: one row per job, the last run as the replica that held the job's advisory lock
--   saw it. A job whose next fire time after last_started_at lies in the past when a process starts
--   was missed (the process was down) and is run at once; /jobs shows these rows.
CREATE TABLE scheduler_runs (
    job              text        PRIMARY KEY CHECK (job <> ''),
    last_started_at  timestamptz NOT NULL,
    last_finished_at timestamptz,
    last_enqueued    integer     NOT NULL DEFAULT 0 CHECK (last_enqueued >= 0),
    last_error       text        NOT NULL DEFAULT '',
    runs             bigint      NOT NULL DEFAULT 0 CHECK (runs >= 0),
    failures         bigint      NOT NULL DEFAULT 0 CHECK (failures >= 0)
);

-- 'cancelled': a scheduled notice whose reason went away before it was sent (the invoice was paid,
-- the booking cancelled); the sender checks again at send time and settles the row so.
ALTER TABLE outbox
    DROP CONSTRAINT outbox_state_check,
    ADD CONSTRAINT outbox_state_check
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'uncertain', 'cancelled'));

-- A booked slot that passed with the car not in: recorded once by the no-show scan.
ALTER TABLE orders ADD COLUMN no_show_at timestamptz;
CREATE INDEX orders_no_show ON orders (no_show_at) WHERE no_show_at IS NOT NULL;

-- +goose Down
DROP INDEX orders_no_show;
ALTER TABLE orders DROP COLUMN no_show_at;
UPDATE outbox SET state = 'failed' WHERE state = 'cancelled';
ALTER TABLE outbox
    DROP CONSTRAINT outbox_state_check,
    ADD CONSTRAINT outbox_state_check
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'uncertain'));
DROP TABLE scheduler_runs;
