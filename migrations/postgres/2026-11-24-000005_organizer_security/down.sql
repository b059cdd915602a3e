DROP TABLE audit_log;
DROP TABLE organizer_recovery_codes;
ALTER TABLE organizers DROP COLUMN totp_last_step;
ALTER TABLE organizers DROP COLUMN totp_pending_sealed;
ALTER TABLE organizers DROP COLUMN totp_secret_sealed;
