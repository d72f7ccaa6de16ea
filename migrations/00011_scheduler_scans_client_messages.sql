-- +goose Up

-- Issue 7, the points left open: scans that stay under 2 s on a cold cache over a large shop
-- (scheduler/BENCH.md) and clients' free messages to the shop.

-- The offers' scan walks every eligible client's visits (crm.sqlRepeatCandidates). Covering
-- partial indexes let it read the few columns it needs from indexes a quarter of the heap's
-- size: a cold scan read 17,000 heap pages of orders and 21,600 of order lines.
CREATE INDEX orders_client_visits ON orders (client_id) INCLUDE (id, vehicle_id, updated_at)
    WHERE status IN ('delivered', 'closed');
CREATE INDEX order_lines_approved_items ON order_lines (order_id) INCLUDE (item_id)
    WHERE approval = 'approved' AND item_id IS NOT NULL;
-- A visit's time is its order's delivery (crm.sqlVisitAt): one probe per visit, index only.
CREATE INDEX order_events_visit ON order_events (order_id, created_at)
    WHERE to_status IN ('delivered', 'closed');

-- A client's free text outside any dialog, copied to the staff (crm/client_messages.go). Staff
-- answer by replying to the copy (answer holds the reply) or with "Answered" (by phone: answer
-- ''); the digest lists those unanswered too long. telegram_message_id is the client's message:
-- an update delivered twice is recorded once.
CREATE TABLE client_messages (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id           bigint      REFERENCES clients (id) ON DELETE CASCADE,
    chat_id             bigint      NOT NULL,
    telegram_user_id    bigint      NOT NULL,
    telegram_message_id integer     NOT NULL,
    language            text        NOT NULL DEFAULT '',
    sender_name         text        NOT NULL DEFAULT '' CHECK (char_length(sender_name) <= 200),
    text                text        NOT NULL CHECK (char_length(text) <= 4096),
    order_id            bigint      REFERENCES orders (id) ON DELETE SET NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    answered_at         timestamptz,
    answered_by         bigint      REFERENCES staff (id),
    answer              text        NOT NULL DEFAULT '' CHECK (char_length(answer) <= 4096),
    UNIQUE (chat_id, telegram_message_id),
    CHECK ((answered_at IS NULL) = (answered_by IS NULL))
);
CREATE INDEX client_messages_unanswered ON client_messages (created_at) WHERE answered_at IS NULL;
CREATE INDEX client_messages_client ON client_messages (client_id);
-- A staff reply names the copy it answers by its Telegram message id in the staff chat.
CREATE INDEX outbox_client_message_copy ON outbox (chat_id, telegram_message_id)
    WHERE kind = 'client_message';

-- +goose Down
DROP INDEX outbox_client_message_copy;
DROP TABLE client_messages;
DROP INDEX order_events_visit;
DROP INDEX order_lines_approved_items;
DROP INDEX orders_client_visits;
