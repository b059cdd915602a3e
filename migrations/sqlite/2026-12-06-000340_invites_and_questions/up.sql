-- Invitation-only events and RSVP questions.
-- `access` is `open` or `invite`; `who_for` says who the space is for (shown even without a
-- code); `questions` is the event's questions as JSON (at most five).
ALTER TABLE events ADD COLUMN access TEXT NOT NULL DEFAULT 'open';
ALTER TABLE events ADD COLUMN who_for TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN questions TEXT NOT NULL DEFAULT '[]';

-- Invite codes: only the code's SHA-256 hash is stored. `uses_left` is NULL for no limit; a
-- use is taken with the RSVP, under the event's lock, by a conditional update. A revoked code
-- keeps its row (so the person holding it is told it was revoked) until its event is deleted.
CREATE TABLE invites (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL UNIQUE,
    uses_left INTEGER,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP,
    created_by TEXT REFERENCES organizers(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX invites_event ON invites(event_id);

-- An RSVP's answers to the event's questions, sealed (AEAD, bound to the row) with each
-- question's label as it was when answered; purged with the RSVP's other personal fields.
ALTER TABLE rsvps ADD COLUMN answers_sealed TEXT;
