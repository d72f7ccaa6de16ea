-- +goose Up

-- Branches of the shop. Exactly one row is the default branch that new bookings go to.
CREATE TABLE branches (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text        NOT NULL CHECK (name <> ''),
    is_default boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX branches_one_default ON branches (is_default) WHERE is_default;
INSERT INTO branches (name, is_default) VALUES ('main', true);

-- Clients. The phone (E.164) is the shop-wide identity; the Telegram user id is linked when the
-- client shares the same phone with the bot.
CREATE TABLE clients (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone             text        NOT NULL UNIQUE CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    name              text        NOT NULL DEFAULT '',
    telegram_user_id  bigint      UNIQUE,
    chat_id           bigint,
    language          text        NOT NULL DEFAULT '',
    lead_source       text        NOT NULL DEFAULT 'direct' CHECK (lead_source <> ''),
    marketing_consent boolean     NOT NULL DEFAULT false,
    unreachable_since timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vehicles (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id  bigint      NOT NULL REFERENCES clients (id),
    make       text        NOT NULL DEFAULT '',
    model      text        NOT NULL DEFAULT '',
    year       integer     NOT NULL DEFAULT 0 CHECK (year = 0 OR year BETWEEN 1900 AND 2100),
    plate      text        NOT NULL DEFAULT '',
    vin        text        NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vehicles_client ON vehicles (client_id, id);
CREATE INDEX vehicles_plate ON vehicles (plate) WHERE plate <> '';

CREATE TABLE staff (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    telegram_user_id bigint      NOT NULL UNIQUE,
    chat_id          bigint,
    name             text        NOT NULL DEFAULT '',
    role             text        NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'mechanic')),
    branch_id        bigint      NOT NULL REFERENCES branches (id),
    active           boolean     NOT NULL DEFAULT true,
    language         text        NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Human order numbers, shown to clients and staff.
CREATE SEQUENCE order_number_seq START WITH 1001;

CREATE TABLE orders (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number                 bigint      NOT NULL UNIQUE DEFAULT nextval('order_number_seq'),
    branch_id              bigint      NOT NULL REFERENCES branches (id),
    client_id              bigint      NOT NULL REFERENCES clients (id),
    vehicle_id             bigint      NOT NULL REFERENCES vehicles (id),
    problem                text        NOT NULL DEFAULT '',
    photo_file_id          text        NOT NULL DEFAULT '',
    slot                   timestamptz,
    mechanic_id            bigint      REFERENCES staff (id),
    status                 text        NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'accepted',
        'diagnosing', 'estimate', 'approved', 'declined', 'in_progress', 'waiting_parts', 'ready',
        'delivered', 'closed', 'cancelled')),
    version                integer     NOT NULL DEFAULT 1 CHECK (version > 0),
    lead_source            text        NOT NULL DEFAULT 'direct',
    booking_key            text        UNIQUE CHECK (booking_key <> ''),
    client_card_chat_id    bigint,
    client_card_message_id integer,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
ALTER SEQUENCE order_number_seq OWNED BY orders.number;
CREATE INDEX orders_client ON orders (client_id, created_at DESC, id DESC);
CREATE INDEX orders_open ON orders (branch_id, created_at) WHERE status NOT IN ('closed', 'cancelled');
CREATE INDEX orders_mechanic_open ON orders (mechanic_id, slot)
    WHERE status NOT IN ('delivered', 'closed', 'cancelled');
CREATE INDEX orders_slot ON orders (slot) WHERE slot IS NOT NULL AND status <> 'cancelled';
CREATE INDEX orders_created ON orders (created_at);

-- The history of an order: who moved it, when, from which status to which. from_status is '' for
-- the event that created the order; from_status = to_status for a pure (re)assignment.
CREATE TABLE order_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint      NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    actor_kind  text        NOT NULL CHECK (actor_kind IN ('client', 'staff', 'system')),
    actor_id    bigint,
    from_status text        NOT NULL DEFAULT '' CHECK (from_status IN ('', 'new', 'accepted',
        'diagnosing', 'estimate', 'approved', 'declined', 'in_progress', 'waiting_parts', 'ready',
        'delivered', 'closed', 'cancelled')),
    to_status   text        NOT NULL CHECK (to_status IN ('new', 'accepted', 'diagnosing',
        'estimate', 'approved', 'declined', 'in_progress', 'waiting_parts', 'ready', 'delivered',
        'closed', 'cancelled')),
    mechanic_id bigint      REFERENCES staff (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_events_order ON order_events (order_id, id);
CREATE INDEX order_events_created ON order_events (created_at);

-- What to say to whom: kind + order + data, rendered by the sender at send time.
CREATE TABLE outbox (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                text        NOT NULL CHECK (kind <> ''),
    chat_id             bigint      NOT NULL,
    language            text        NOT NULL DEFAULT '',
    order_id            bigint      REFERENCES orders (id) ON DELETE CASCADE,
    data                jsonb       NOT NULL DEFAULT '{}',
    dedupe_key          text        NOT NULL UNIQUE CHECK (dedupe_key <> ''),
    not_before          timestamptz NOT NULL DEFAULT now(),
    attempts            integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    state               text        NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    claimed_at          timestamptz,
    sent_at             timestamptz,
    telegram_message_id integer,
    last_error          text        NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now()
);
-- Claiming scans unsent rows by due time; the per-chat order check looks up earlier unsent rows.
CREATE INDEX outbox_due ON outbox (not_before, id) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_chat_unsent ON outbox (chat_id, id) WHERE state IN ('pending', 'sending');

-- +goose Down
DROP TABLE outbox;
DROP TABLE order_events;
DROP TABLE orders;
DROP TABLE staff;
DROP TABLE vehicles;
DROP TABLE clients;
DROP TABLE branches;
