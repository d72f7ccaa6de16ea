-- +goose Up

-- Phones of clients who asked to be forgotten (/forget_me), as SHA-256 of the E.164 text: an
-- import of an old file recognises them and refuses the row instead of bringing the person back
-- (152-FZ). The hash is what the law lets us keep to honour the request; it names no one by
-- itself, and the phone is never stored.
CREATE TABLE forgotten_phones (
    phone_sha256 bytea       PRIMARY KEY CHECK (length(phone_sha256) = 32),
    forgotten_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE forgotten_phones;
