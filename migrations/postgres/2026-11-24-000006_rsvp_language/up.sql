-- The language a person RSVPed in ('en' or 'es'): their reminders and notices are written in it.
ALTER TABLE rsvps ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
