DROP INDEX outbox_nudge_once;
DROP INDEX outbox_announcement_once;
ALTER TABLE outbox DROP COLUMN update_seq;
DROP INDEX live_updates_rsvp;
ALTER TABLE live_updates DROP COLUMN rsvp_id;
DROP INDEX events_safe_by;
ALTER TABLE events DROP COLUMN safety_done_for;
ALTER TABLE events DROP COLUMN safe_by;
