DROP TABLE live_updates;
ALTER TABLE rsvps DROP COLUMN checked_in_at;
ALTER TABLE rsvps DROP COLUMN safe_at;
