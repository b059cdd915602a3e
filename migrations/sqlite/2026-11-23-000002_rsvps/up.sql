-- Pseudonymous RSVPs. The manage token is stored only as a hash; the contact email only sealed
-- (AEAD, key file outside the database). Purge nulls every personal field and keeps the row's
-- status and guest count so the event's counts survive anonymously.
CREATE TABLE rsvps (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    token_hash TEXT UNIQUE,
    pseudonym TEXT,
    guests INTEGER NOT NULL,
    role TEXT,
    needs TEXT,
    email_sealed TEXT,
    status TEXT NOT NULL,
    approved BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    purged BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX rsvps_event_status ON rsvps(event_id, status, created_at);

-- Places taken by going RSVPs (1 + guests each), kept in step inside every RSVP transaction.
ALTER TABLE events ADD COLUMN places_taken INTEGER NOT NULL DEFAULT 0;
