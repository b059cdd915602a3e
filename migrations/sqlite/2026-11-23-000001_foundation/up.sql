-- Organizers, their sessions and API tokens, events and their tags.
-- Secrets (passwords, session and API tokens) are stored only as hashes.
CREATE TABLE organizers (
    id TEXT PRIMARY KEY NOT NULL,
    handle TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin BOOLEAN NOT NULL DEFAULT 0,
    must_change_password BOOLEAN NOT NULL DEFAULT 1,
    disabled BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE organizer_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    organizer_id TEXT NOT NULL REFERENCES organizers(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX organizer_sessions_organizer ON organizer_sessions(organizer_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    organizer_id TEXT NOT NULL REFERENCES organizers(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX api_tokens_organizer ON api_tokens(organizer_id);

CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    cover_title TEXT,
    description TEXT NOT NULL,
    description_html TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    location TEXT NOT NULL,
    location_privacy TEXT NOT NULL,
    location_reveal_at TIMESTAMP,
    capacity INTEGER,
    accessibility TEXT NOT NULL,
    language TEXT NOT NULL,
    visibility TEXT NOT NULL,
    status TEXT NOT NULL,
    approval_required BOOLEAN NOT NULL,
    roles TEXT NOT NULL,
    reminder_offsets_minutes TEXT NOT NULL,
    count_display TEXT NOT NULL,
    sequence INTEGER NOT NULL DEFAULT 0,
    created_by TEXT REFERENCES organizers(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX events_starts_at ON events(starts_at, id);
CREATE INDEX events_listing ON events(visibility, ends_at);

CREATE TABLE event_tags (
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    tag TEXT NOT NULL,
    PRIMARY KEY (event_id, tag)
);
CREATE INDEX event_tags_tag ON event_tags(tag);
