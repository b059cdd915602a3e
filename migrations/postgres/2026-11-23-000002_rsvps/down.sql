DROP TABLE rsvps;
ALTER TABLE events DROP COLUMN places_taken;
