ALTER TABLE rsvps DROP COLUMN language;
