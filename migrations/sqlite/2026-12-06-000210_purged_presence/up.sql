-- Arrivals and "home safe" among an event's RSVPs once the purge has taken them: numbers only.
-- The purge clears each RSVP's check-in and home-safe times (when someone arrived is personal);
-- it adds what they counted here first, so the organizer's past events keep the totals.
ALTER TABLE events ADD COLUMN purged_checked_in INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN purged_home_safe INTEGER NOT NULL DEFAULT 0;
