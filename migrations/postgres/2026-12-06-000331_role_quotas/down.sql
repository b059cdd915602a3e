ALTER TABLE events DROP COLUMN roles_needed;
