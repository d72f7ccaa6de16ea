-- +goose Up

-- A client who writes many lines in a row is one conversation for the staff, not many: the
-- lines that follow an unanswered message within a few minutes join its burst (burst_of: the
-- first message, whose copy the staff got), and that one copy is redrawn with them instead of a
-- copy per line (issue 10, finding 13: 25 quick lines made 20 copies in the staff group).
ALTER TABLE client_messages
    ADD COLUMN burst_of bigint REFERENCES client_messages (id) ON DELETE CASCADE;
CREATE INDEX client_messages_burst ON client_messages (burst_of) WHERE burst_of IS NOT NULL;

-- +goose Down
DROP INDEX client_messages_burst;
ALTER TABLE client_messages DROP COLUMN burst_of;
