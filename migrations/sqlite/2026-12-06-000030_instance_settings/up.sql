-- Facts about this instance, one row each. `key_fingerprint` is a SHA-256 of the key file under
-- a label (never the key itself): a start with a different or missing key file is refused.
CREATE TABLE instance_settings (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
