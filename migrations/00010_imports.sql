-- +goose Up

-- Imports of clients, vehicles and the catalog from CSV/XLSX files (issue 8). A batch is one
-- file applied; its records can be undone while no order has used them.
CREATE TABLE import_batches (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text        NOT NULL CHECK (kind IN ('clients', 'vehicles', 'catalog')),
    file_name       text        NOT NULL DEFAULT '' CHECK (char_length(file_name) <= 500),
    branch_id       bigint      NOT NULL REFERENCES branches (id),
    actor_kind      text        NOT NULL CHECK (actor_kind IN ('staff', 'system')),
    actor_id        bigint      REFERENCES staff (id),
    overwrite       boolean     NOT NULL DEFAULT false,
    rows_read       integer     NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
    new_count       integer     NOT NULL DEFAULT 0 CHECK (new_count >= 0),
    updated_count   integer     NOT NULL DEFAULT 0 CHECK (updated_count >= 0),
    unchanged_count integer     NOT NULL DEFAULT 0 CHECK (unchanged_count >= 0),
    duplicate_count integer     NOT NULL DEFAULT 0 CHECK (duplicate_count >= 0),
    rejected_count  integer     NOT NULL DEFAULT 0 CHECK (rejected_count >= 0),
    conflict_count  integer     NOT NULL DEFAULT 0 CHECK (conflict_count >= 0),
    created_at      timestamptz NOT NULL,
    undone_at       timestamptz,
    CHECK ((actor_kind = 'staff') = (actor_id IS NOT NULL))
);

-- Records a batch created carry its id: undo deletes them with one statement, and an import of
-- 100,000 clients writes no second row per client. No foreign key and no index: a check per
-- inserted row would cost the bulk insert more than the rare undo's scan costs; batches are
-- never deleted.
ALTER TABLE clients ADD COLUMN import_batch_id bigint;
ALTER TABLE vehicles ADD COLUMN import_batch_id bigint;
ALTER TABLE catalog_items ADD COLUMN import_batch_id bigint;

-- The last visit an imported file knew of (the shop's old system); orders since are newer.
ALTER TABLE vehicles ADD COLUMN last_visit_on date;
-- Vehicles are matched by VIN as well as by plate.
CREATE INDEX vehicles_vin ON vehicles (vin) WHERE vin <> '';

-- Records a batch changed (entity client, vehicle or item), or ledger rows and mileage readings
-- it added (movement, mileage): what undo restores or removes. previous holds the changed
-- fields' values before the batch, by column name.
CREATE TABLE import_batch_rows (
    batch_id  bigint  NOT NULL REFERENCES import_batches (id),
    entity    text    NOT NULL CHECK (entity IN ('client', 'vehicle', 'item', 'movement', 'mileage')),
    record_id bigint  NOT NULL,
    line      integer NOT NULL DEFAULT 0,
    previous  jsonb   NOT NULL DEFAULT '{}',
    PRIMARY KEY (batch_id, entity, record_id)
);

-- +goose Down
DROP TABLE import_batch_rows;
DROP INDEX vehicles_vin;
ALTER TABLE vehicles DROP COLUMN last_visit_on;
ALTER TABLE catalog_items DROP COLUMN import_batch_id;
ALTER TABLE vehicles DROP COLUMN import_batch_id;
ALTER TABLE clients DROP COLUMN import_batch_id;
DROP TABLE import_batches;
