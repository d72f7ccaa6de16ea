-- +goose Up

-- Work orders in depth (issue 4): catalog, order lines with per-line approval, the stock ledger,
-- invoices, payments, deferred work and the order timeline.
--
-- Quantities are bigint thousandths of a unit ("_milli"): 1.5 l of oil is 1500, so sums are exact.
-- Money is bigint kopecks, as everywhere.

-- Clients that are companies pay on terms (Options.CompanyPaymentDays) instead of on delivery.
ALTER TABLE clients ADD COLUMN is_company boolean NOT NULL DEFAULT false;

-- The catalog: services (labour, with norm hours) and parts (with stock).
CREATE TABLE catalog_items (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text        NOT NULL CHECK (kind IN ('service', 'part')),
    sku               text        NOT NULL DEFAULT '' CHECK (char_length(sku) <= 64 AND sku = btrim(sku)),
    name              text        NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 200),
    unit              text        NOT NULL CHECK (btrim(unit) <> '' AND char_length(unit) <= 16),
    price             bigint      NOT NULL CHECK (price BETWEEN 0 AND 1000000000),
    norm_milli        bigint      NOT NULL DEFAULT 0 CHECK (norm_milli BETWEEN 0 AND 1000000),
    -- Cached sums of stock_movements (on_hand_delta, reserved_delta), updated in the same
    -- transaction as each movement; a test checks they equal the ledger.
    on_hand_milli     bigint      NOT NULL DEFAULT 0,
    reserved_milli    bigint      NOT NULL DEFAULT 0 CHECK (reserved_milli >= 0),
    min_stock_milli   bigint      NOT NULL DEFAULT 0 CHECK (min_stock_milli >= 0),
    -- Set when available stock fell below the minimum and managers were told; cleared when it is
    -- back at or above it, so each crossing alerts once.
    low_since         timestamptz,
    low_alerts        integer     NOT NULL DEFAULT 0 CHECK (low_alerts >= 0), -- crossings so far
    repeat_days       integer     CHECK (repeat_days > 0 AND repeat_days <= 3650),
    repeat_km         integer     CHECK (repeat_km > 0 AND repeat_km <= 1000000),
    active            boolean     NOT NULL DEFAULT true,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'part' OR (on_hand_milli = 0 AND reserved_milli = 0 AND min_stock_milli = 0)),
    CHECK (kind = 'service' OR norm_milli = 0)
);
CREATE UNIQUE INDEX catalog_items_sku ON catalog_items (lower(sku)) WHERE sku <> '';
CREATE INDEX catalog_items_name ON catalog_items (lower(name));

-- Order state added by this migration. estimate_version bumps whenever what the client approves
-- changes (lines, prices, quantities, discount); approval buttons carry it.
ALTER TABLE orders
    ADD COLUMN estimate_version         integer NOT NULL DEFAULT 0 CHECK (estimate_version >= 0),
    ADD COLUMN discount_kind            text    NOT NULL DEFAULT 'none'
        CHECK (discount_kind IN ('none', 'percent', 'amount')),
    -- percent: hundredths of a percent (1050 = 10.5 %); amount: kopecks.
    ADD COLUMN discount_value           bigint  NOT NULL DEFAULT 0 CHECK (discount_value >= 0),
    ADD COLUMN created_by_staff_id      bigint REFERENCES staff (id),
    ADD CONSTRAINT orders_discount_valid CHECK (
        (discount_kind = 'none' AND discount_value = 0)
        OR (discount_kind = 'percent' AND discount_value BETWEEN 1 AND 10000)
        OR (discount_kind = 'amount' AND discount_value BETWEEN 1 AND 1000000000000));

-- Lines of an order: labour and parts, from the catalog or free text (managers only).
CREATE TABLE order_lines (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           bigint      NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    kind               text        NOT NULL CHECK (kind IN ('labour', 'part')),
    item_id            bigint      REFERENCES catalog_items (id),
    name               text        NOT NULL CHECK (btrim(name) <> '' AND char_length(name) <= 200),
    sku                text        NOT NULL DEFAULT '',
    unit               text        NOT NULL CHECK (unit <> ''),
    qty_milli          bigint      NOT NULL CHECK (qty_milli BETWEEN 1 AND 1000000000),
    price              bigint      NOT NULL CHECK (price BETWEEN 0 AND 1000000000),
    -- Rounded half up to a kopeck; derived so it can never disagree with price and quantity.
    amount             bigint      GENERATED ALWAYS AS ((price * qty_milli + 500) / 1000) STORED,
    -- pending: waits for the client; approved; declined; later (deferred work).
    approval           text        NOT NULL DEFAULT 'pending'
        CHECK (approval IN ('pending', 'approved', 'declined', 'later')),
    -- What the client last approved; a price or quantity above them needs a new approval.
    approved_price     bigint,
    approved_qty_milli bigint,
    -- Added, or raised, after the estimate was approved.
    supplement         boolean     NOT NULL DEFAULT false,
    -- Stock: reserved is held for this line; written_off once the car is delivered; short when
    -- the stock did not cover the line; requested when the mechanic asked for the part.
    reserved_milli     bigint      NOT NULL DEFAULT 0 CHECK (reserved_milli >= 0),
    written_off_milli  bigint      NOT NULL DEFAULT 0 CHECK (written_off_milli >= 0),
    parts_requested_at timestamptz,
    created_by         bigint      REFERENCES staff (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'part' OR (reserved_milli = 0 AND written_off_milli = 0)),
    CHECK (reserved_milli + written_off_milli <= qty_milli),
    CHECK ((approved_price IS NULL) = (approved_qty_milli IS NULL)),
    CHECK (approval <> 'approved' OR approved_price IS NOT NULL)
);
CREATE INDEX order_lines_order ON order_lines (order_id, id);
CREATE INDEX order_lines_short ON order_lines (item_id, id)
    WHERE kind = 'part' AND reserved_milli + written_off_milli < qty_milli;

-- Every decision on a line, by the client in the chat or recorded by a manager.
CREATE TABLE line_decisions (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line_id           bigint      NOT NULL REFERENCES order_lines (id) ON DELETE CASCADE,
    order_id          bigint      NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    decision          text        NOT NULL CHECK (decision IN ('approved', 'declined', 'later')),
    price             bigint      NOT NULL CHECK (price >= 0),
    qty_milli         bigint      NOT NULL CHECK (qty_milli > 0),
    amount            bigint      NOT NULL CHECK (amount >= 0),
    estimate_version  integer     NOT NULL,
    method            text        NOT NULL CHECK (method IN ('chat', 'phone', 'in_person')),
    -- The client's Telegram user id for chat decisions; the staff member who recorded others.
    telegram_user_id  bigint,
    recorded_by       bigint      REFERENCES staff (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((method = 'chat') = (telegram_user_id IS NOT NULL)),
    CHECK (method = 'chat' OR recorded_by IS NOT NULL)
);
CREATE INDEX line_decisions_line ON line_decisions (line_id, id);

-- Declined and postponed work, for later reminders and offers.
CREATE TABLE deferred_work (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line_id      bigint      NOT NULL UNIQUE REFERENCES order_lines (id) ON DELETE CASCADE,
    order_id     bigint      NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    client_id    bigint      NOT NULL REFERENCES clients (id),
    vehicle_id   bigint      NOT NULL REFERENCES vehicles (id),
    reason       text        NOT NULL CHECK (reason IN ('declined', 'later')),
    follow_up_on date        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deferred_work_follow_up ON deferred_work (follow_up_on);

-- The stock ledger. on_hand is what is physically there; reserved is held for order lines.
-- Each row says who, when, why and for which order.
CREATE TABLE stock_movements (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id        bigint      NOT NULL REFERENCES catalog_items (id),
    kind           text        NOT NULL
        CHECK (kind IN ('receipt', 'reserve', 'release', 'writeoff', 'return', 'correction')),
    on_hand_delta  bigint      NOT NULL,
    reserved_delta bigint      NOT NULL,
    unit_cost      bigint      CHECK (unit_cost >= 0),
    order_id       bigint      REFERENCES orders (id),
    line_id        bigint      REFERENCES order_lines (id) ON DELETE SET NULL,
    actor_kind     text        NOT NULL CHECK (actor_kind IN ('client', 'staff', 'system')),
    actor_id       bigint,
    note           text        NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (on_hand_delta <> 0 OR reserved_delta <> 0),
    CHECK (kind <> 'receipt' OR (on_hand_delta > 0 AND reserved_delta = 0)),
    CHECK (kind <> 'reserve' OR (on_hand_delta = 0 AND reserved_delta > 0)),
    CHECK (kind <> 'release' OR (on_hand_delta = 0 AND reserved_delta < 0)),
    CHECK (kind <> 'writeoff' OR (on_hand_delta < 0 AND reserved_delta <= 0)),
    CHECK (kind NOT IN ('reserve', 'release', 'writeoff') OR order_id IS NOT NULL)
);
CREATE INDEX stock_movements_item ON stock_movements (item_id, id);
CREATE INDEX stock_movements_order ON stock_movements (order_id, id) WHERE order_id IS NOT NULL;

-- The invoice, fixed when the order becomes ready. Lines are a snapshot; a later change needs a
-- correction, recorded in invoice_corrections.
CREATE TABLE invoices (
    order_id    bigint      PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
    issued_at   timestamptz NOT NULL,
    labour      bigint      NOT NULL CHECK (labour >= 0),
    parts       bigint      NOT NULL CHECK (parts >= 0),
    discount    bigint      NOT NULL CHECK (discount >= 0),
    total       bigint      NOT NULL CHECK (total >= 0),
    lines       jsonb       NOT NULL,
    -- Days after delivery the client has to pay: 0 = on delivery.
    due_days    integer     NOT NULL DEFAULT 0 CHECK (due_days BETWEEN 0 AND 365),
    due_at      timestamptz, -- set on delivery
    corrections integer     NOT NULL DEFAULT 0 CHECK (corrections >= 0),
    CHECK (total = labour + parts - discount)
);
CREATE INDEX invoices_due ON invoices (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE invoice_corrections (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint      NOT NULL REFERENCES invoices (order_id) ON DELETE CASCADE,
    reason      text        NOT NULL CHECK (btrim(reason) <> '' AND char_length(reason) <= 500),
    total_from  bigint      NOT NULL,
    total_to    bigint      NOT NULL,
    recorded_by bigint      NOT NULL REFERENCES staff (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Payments of an order; refunds are negative.
CREATE TABLE payments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    bigint      NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    amount      bigint      NOT NULL CHECK (amount <> 0 AND amount BETWEEN -1000000000000 AND 1000000000000),
    method      text        NOT NULL CHECK (method IN ('cash', 'card', 'transfer')),
    recorded_by bigint      NOT NULL REFERENCES staff (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payments_order ON payments (order_id, id);

-- Everything that happens to an order besides status moves (order_events): lines, prices,
-- approvals, discounts, payments, stock movements, invoices, documents. The timeline merges both.
CREATE TABLE order_activity (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id   bigint      NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    actor_kind text        NOT NULL CHECK (actor_kind IN ('client', 'staff', 'system')),
    actor_id   bigint,
    kind       text        NOT NULL CHECK (kind <> ''),
    data       jsonb       NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_activity_order ON order_activity (order_id, id);

-- +goose Down
DROP TABLE order_activity;
DROP TABLE payments;
DROP TABLE invoice_corrections;
DROP TABLE invoices;
DROP TABLE stock_movements;
DROP TABLE deferred_work;
DROP TABLE line_decisions;
DROP TABLE order_lines;
ALTER TABLE orders
    DROP CONSTRAINT orders_discount_valid,
    DROP COLUMN created_by_staff_id,
    DROP COLUMN discount_value,
    DROP COLUMN discount_kind,
    DROP COLUMN estimate_version;
DROP TABLE catalog_items;
ALTER TABLE clients DROP COLUMN is_company;
