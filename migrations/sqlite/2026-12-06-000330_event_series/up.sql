-- Series: weekly support circles and drop-in hours. Each occurrence is an event of its own
-- (RSVPs, capacity, location reveal, calendar entry); the occurrences of one series share a
-- series id, which is all that ties them together.
ALTER TABLE events ADD COLUMN series_id TEXT;
CREATE INDEX events_series ON events(series_id, starts_at);
