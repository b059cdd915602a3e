-- Role quotas: how many marshals, medics, legal observers… an event needs, as a JSON object
-- (role → number). Goals, not caps: nothing refuses an RSVP over them.
ALTER TABLE events ADD COLUMN roles_needed TEXT NOT NULL DEFAULT '{}';
