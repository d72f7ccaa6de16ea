-- +goose Up

-- Repeat-sale offers, deferred-work follow-ups, campaigns and feedback (issue 7, items 2, 5, 6).

-- Odometer readings of a car. Offers for services with a km interval project today's mileage from
-- them (at least two readings; crm/mileage.go).
CREATE TABLE vehicle_mileage (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vehicle_id bigint      NOT NULL REFERENCES vehicles (id) ON DELETE CASCADE,
    km         integer     NOT NULL CHECK (km BETWEEN 0 AND 5000000),
    read_at    timestamptz NOT NULL,
    order_id   bigint      REFERENCES orders (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX vehicle_mileage_vehicle ON vehicle_mileage (vehicle_id, read_at);

-- An owner's message to a segment of clients. segment is crm.Segment as JSON.
CREATE TABLE campaigns (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_by bigint      NOT NULL REFERENCES staff (id),
    segment    jsonb       NOT NULL DEFAULT '{}',
    message    text        NOT NULL CHECK (btrim(message) <> '' AND char_length(message) <= 3000),
    sent       integer     NOT NULL DEFAULT 0 CHECK (sent >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every marketing message a client got: a repeat-sale offer (a service due again since
-- source_order_id), a follow-up of deferred work, or a campaign's message. The per-client cap
-- counts these rows; conversion is the order booked from its Book button (lead source
-- "offer_<id>", converted_order_id).
CREATE TABLE offers (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind               text        NOT NULL CHECK (kind IN ('repeat', 'deferred', 'campaign')),
    client_id          bigint      NOT NULL REFERENCES clients (id),
    vehicle_id         bigint      REFERENCES vehicles (id) ON DELETE SET NULL,
    item_id            bigint      REFERENCES catalog_items (id),
    source_order_id    bigint      REFERENCES orders (id) ON DELETE SET NULL,
    deferred_work_id   bigint      UNIQUE REFERENCES deferred_work (id) ON DELETE SET NULL,
    campaign_id        bigint      REFERENCES campaigns (id),
    -- What the booking's problem text is prefilled with: the service or the deferred line.
    title              text        NOT NULL DEFAULT '' CHECK (char_length(title) <= 200),
    -- Why it is due: days since the last visit and, for km intervals, projected km since it.
    since_days         integer,
    since_km           integer,
    due_by             text        NOT NULL DEFAULT '' CHECK (due_by IN ('', 'days', 'km', 'date')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    converted_order_id bigint      UNIQUE REFERENCES orders (id) ON DELETE SET NULL,
    converted_at       timestamptz,
    unsubscribed_at    timestamptz,
    CHECK ((kind = 'campaign') = (campaign_id IS NOT NULL))
);
CREATE INDEX offers_client ON offers (client_id, created_at DESC);
-- A due service (client, car, service, the visit it repeats) is offered once.
CREATE UNIQUE INDEX offers_repeat_once ON offers (client_id, vehicle_id, item_id, source_order_id)
    WHERE kind = 'repeat';
CREATE UNIQUE INDEX offers_campaign_once ON offers (campaign_id, client_id) WHERE kind = 'campaign';
CREATE INDEX offers_campaign ON offers (campaign_id) WHERE campaign_id IS NOT NULL;

-- Orders booked from an offer carry lead source "offer_<id>".
CREATE INDEX orders_offer_lead ON orders (lead_source) WHERE lead_source LIKE 'offer\_%';
-- Repeat offers look up a client's delivered and closed orders with their lines.
CREATE INDEX order_lines_item ON order_lines (item_id, order_id) WHERE item_id IS NOT NULL;

-- The client's rating of a delivered order, once.
CREATE TABLE order_feedback (
    order_id   bigint      PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    client_id  bigint      NOT NULL REFERENCES clients (id),
    rating     smallint    NOT NULL CHECK (rating BETWEEN 1 AND 5),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE order_feedback;
DROP INDEX order_lines_item;
DROP INDEX orders_offer_lead;
DROP TABLE offers;
DROP TABLE campaigns;
DROP TABLE vehicle_mileage;
