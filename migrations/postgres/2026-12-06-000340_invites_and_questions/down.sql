ALTER TABLE rsvps DROP COLUMN answers_sealed;
DROP TABLE invites;
ALTER TABLE events DROP COLUMN questions;
ALTER TABLE events DROP COLUMN who_for;
ALTER TABLE events DROP COLUMN access;
