-- +goose Up

-- Delivery that never loses, never duplicates and runs at Telegram's limit (issue 5).
--
-- lane: interactive rows (status notices, staff alerts) are claimed and sent apart from bulk ones
--   (reminders, offers, summaries), so a broadcast never delays a button press.
-- retry_at: when the sender may try again (flood control, backoff, a busy chat). It is kept apart
--   from not_before, the creator's schedule: a row waiting to be retried holds its chat's later
--   rows, a reminder scheduled for tomorrow does not.
-- attempted_at: a send of this row is (or was, if we crashed) on the wire. A bulk row found claimed
--   with an attempt in flight is never sent again blindly: it becomes 'uncertain'.
-- parts_sent: how many parts (photo, text parts of a long message) are already in the chat, so a
--   retry continues where the last attempt stopped instead of repeating part one.
-- finished_at: when the row reached a final state.
-- States: 'blocked' (403: the client blocked the bot, is deactivated, or never started it) and
--   'uncertain' (a bulk message whose answer was lost: it may be in the chat; not sent again).
ALTER TABLE outbox
    ADD COLUMN lane         text        NOT NULL DEFAULT 'interactive'
        CHECK (lane IN ('interactive', 'bulk')),
    ADD COLUMN retry_at     timestamptz,
    ADD COLUMN attempted_at timestamptz,
    ADD COLUMN parts_sent   integer     NOT NULL DEFAULT 0 CHECK (parts_sent >= 0),
    ADD COLUMN finished_at  timestamptz,
    DROP CONSTRAINT outbox_state_check,
    ADD CONSTRAINT outbox_state_check
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'blocked', 'uncertain'));
UPDATE outbox SET lane = 'bulk' WHERE kind = 'daily_summary';
UPDATE outbox SET finished_at = coalesce(sent_at, created_at) WHERE state IN ('sent', 'failed');

-- Each lane claims its own due rows.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (lane, not_before, id) WHERE state IN ('pending', 'sending');
-- Staff see the last notices of an order; /outbox lists recent problems.
CREATE INDEX outbox_order ON outbox (order_id, id) WHERE order_id IS NOT NULL;
CREATE INDEX outbox_problems ON outbox (finished_at) WHERE state IN ('failed', 'blocked', 'uncertain');

-- A 403 marks the client behind a chat unreachable, found by chat id.
CREATE INDEX clients_chat ON clients (chat_id) WHERE chat_id IS NOT NULL;

-- Groups upgraded to supergroups: messages enqueued later for the old id (the staff group from the
-- configuration, say) go to the new one.
CREATE TABLE chat_migrations (
    from_chat_id bigint      PRIMARY KEY,
    to_chat_id   bigint      NOT NULL CHECK (to_chat_id <> from_chat_id),
    migrated_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE chat_migrations;
DROP INDEX clients_chat;
DROP INDEX outbox_problems;
DROP INDEX outbox_order;
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (not_before, id) WHERE state IN ('pending', 'sending');
UPDATE outbox SET state = 'failed' WHERE state IN ('blocked', 'uncertain');
ALTER TABLE outbox
    DROP CONSTRAINT outbox_state_check,
    ADD CONSTRAINT outbox_state_check CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    DROP COLUMN finished_at,
    DROP COLUMN parts_sent,
    DROP COLUMN attempted_at,
    DROP COLUMN retry_at,
    DROP COLUMN lane;
