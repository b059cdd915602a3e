ALTER TABLE rsvps DROP COLUMN token_sealed;
DROP TABLE outbox;
