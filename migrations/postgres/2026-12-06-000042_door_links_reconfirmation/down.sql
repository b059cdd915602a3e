ALTER TABLE rsvps DROP COLUMN reconfirmed_at;
DROP TABLE door_links;
