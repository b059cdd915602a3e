-- Email outbox: one row per message to send, written in the same transaction as the change that
-- caused it. A row names its recipient only by RSVP id; the address stays sealed in `rsvps` and
-- is opened at the moment of sending. A worker claims due rows with a conditional update (a
-- lease in `claimed_until`), so two instances never both send one, and a crash between claim
-- and send only delays it until the lease expires.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    rsvp_id TEXT NOT NULL REFERENCES rsvps(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    -- Which reminder (minutes before the start); 0 for notices.
    offset_minutes INTEGER NOT NULL DEFAULT 0,
    -- pending, sent, skipped (no longer applies) or failed (gave up after every retry).
    state TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claim TEXT,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_rsvp ON outbox(rsvp_id, state);
CREATE INDEX outbox_event ON outbox(event_id, state);
CREATE INDEX outbox_claim ON outbox(claim);
-- Each reminder at most once per RSVP, whatever happens to the event afterwards.
CREATE UNIQUE INDEX outbox_reminder_once ON outbox(rsvp_id, offset_minutes) WHERE kind = 'reminder';

-- A sealed copy of the manage token, kept only while the sealed email is (for the link in emails).
ALTER TABLE rsvps ADD COLUMN token_sealed TEXT;
