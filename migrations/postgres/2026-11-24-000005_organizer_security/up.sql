-- Organizer security: an optional TOTP second factor and an audit log of organizer actions.
-- The TOTP secret is sealed (AEAD, the organizer's id as associated data); recovery codes are
-- stored only as SHA-256 hashes and deleted when used. The audit log names organizers and
-- events, never attendees: no pseudonym, RSVP token or email is ever written to it.
ALTER TABLE organizers ADD COLUMN totp_secret_sealed TEXT;
-- A secret being set up, not yet confirmed with a code.
ALTER TABLE organizers ADD COLUMN totp_pending_sealed TEXT;
-- The last time step whose code was accepted: a code is good once.
ALTER TABLE organizers ADD COLUMN totp_last_step BIGINT;

CREATE TABLE organizer_recovery_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    organizer_id TEXT NOT NULL REFERENCES organizers(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX organizer_recovery_codes_organizer ON organizer_recovery_codes(organizer_id);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    -- NULL when the command line did it.
    actor_id TEXT REFERENCES organizers(id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at, id);
