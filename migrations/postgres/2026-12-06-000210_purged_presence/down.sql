ALTER TABLE events DROP COLUMN purged_home_safe;
ALTER TABLE events DROP COLUMN purged_checked_in;
