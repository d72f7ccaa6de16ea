-- +goose Up

-- Single-use staff invites (issue 6). Only the sha256 of the token is kept: a leaked database does
-- not hand out working links. created_by is NULL for an owner invite printed by the CLI.
CREATE TABLE staff_invites (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash  bytea       NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    role        text        NOT NULL CHECK (role IN ('owner', 'admin', 'manager', 'mechanic')),
    created_by  bigint      REFERENCES staff (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    redeemed_at timestamptz,
    redeemed_by bigint      REFERENCES staff (id),
    CHECK ((redeemed_at IS NULL) = (redeemed_by IS NULL))
);

-- Staff actions that are not about one order (order moves and work stay in order_events and
-- order_activity, which already name their actor; /audit merges the three).
CREATE TABLE audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor_kind      text        NOT NULL CHECK (actor_kind IN ('client', 'staff', 'system')),
    actor_id        bigint,
    action          text        NOT NULL CHECK (action <> ''),
    target_staff_id bigint      REFERENCES staff (id),
    data            jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at, id);
CREATE INDEX order_activity_created ON order_activity (created_at);

-- Personal data (152-FZ): when the client agreed to processing and to which text, and when their
-- personal fields were wiped on request.
ALTER TABLE clients
    ADD COLUMN pd_consent_at      timestamptz,
    ADD COLUMN pd_consent_version text NOT NULL DEFAULT '',
    ADD COLUMN forgotten_at       timestamptz;

-- +goose Down
ALTER TABLE clients DROP COLUMN pd_consent_at, DROP COLUMN pd_consent_version, DROP COLUMN forgotten_at;
DROP INDEX order_activity_created;
DROP TABLE audit_log;
DROP TABLE staff_invites;
