-- Live updates on the day of an action, numbered per event from 1, and attendees' presence:
-- checked in on arrival, home safe afterwards (both purged with the RSVP's personal fields).
CREATE TABLE live_updates (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    text TEXT NOT NULL,
    location TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, seq)
);

ALTER TABLE rsvps ADD COLUMN checked_in_at TIMESTAMP;
ALTER TABLE rsvps ADD COLUMN safe_at TIMESTAMP;
