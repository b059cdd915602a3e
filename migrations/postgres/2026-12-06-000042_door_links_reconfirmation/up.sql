-- Door links: an organizer gives a door volunteer a link to the list of who is going and an
-- "arrived" button, without an account. The link's token is stored only as its SHA-256 hash;
-- a link ends at its expiry, or at once when revoked (the row is deleted).
CREATE TABLE door_links (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES organizers(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX door_links_event ON door_links(event_id);

-- When an attendee answered "I'm still coming" to the day-ahead reminder (purged with the RSVP).
ALTER TABLE rsvps ADD COLUMN reconfirmed_at TIMESTAMP;
