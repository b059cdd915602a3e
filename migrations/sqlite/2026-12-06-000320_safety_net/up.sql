-- The day-of safety net. An action may say by when everyone should be home safe (`safe_by`);
-- the check that nudges who has not checked out claims the event by writing the time it acted
-- for into `safety_done_for` with a conditional update, so several instances act once.
ALTER TABLE events ADD COLUMN safe_by TIMESTAMP;
ALTER TABLE events ADD COLUMN safety_done_for TIMESTAMP;
CREATE INDEX events_safe_by ON events(safe_by);
-- An attendee's "I need help" is an update of kind `help` to the responders; it names its RSVP,
-- whose pseudonym it shows while the RSVP has one (its text is blanked on delete and purge).
ALTER TABLE live_updates ADD COLUMN rsvp_id TEXT;
CREATE INDEX live_updates_rsvp ON live_updates(rsvp_id);
-- An announcement emailed to its audience: which update (by `seq`), once per person.
ALTER TABLE outbox ADD COLUMN update_seq INTEGER;
CREATE UNIQUE INDEX outbox_announcement_once ON outbox(rsvp_id, update_seq) WHERE kind = 'announcement';
-- The home-safe nudge, once per person.
CREATE UNIQUE INDEX outbox_nudge_once ON outbox(rsvp_id) WHERE kind = 'nudge';
