-- Web Push. A subscription belongs to one RSVP (removed with it: "delete me", purge) or to one
-- organizer. Its endpoint and keys are sealed with the key file (AEAD, the row's id as
-- associated data); `endpoint_hash` is a keyed hash of the endpoint, so the same phone
-- subscribing again replaces its row without the endpoint being stored in the clear.
CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    rsvp_id TEXT REFERENCES rsvps(id) ON DELETE CASCADE,
    organizer_id TEXT REFERENCES organizers(id) ON DELETE CASCADE,
    endpoint_hash TEXT NOT NULL,
    sealed TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK ((rsvp_id IS NULL) <> (organizer_id IS NULL))
);
CREATE UNIQUE INDEX push_subscriptions_rsvp_endpoint ON push_subscriptions(rsvp_id, endpoint_hash);
CREATE UNIQUE INDEX push_subscriptions_organizer_endpoint ON push_subscriptions(organizer_id, endpoint_hash);

-- The push outbox: one row per subscription and thing to tell (a live update by its `seq`, or
-- another topic), written in the transaction of the change that causes it. What the message
-- says is decided when it is sent, by the access policy as things stand then. Workers claim
-- due rows with a conditional update and a lease, like the email outbox.
CREATE TABLE push_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0,
    -- pending or failed (gave up); a row sent or no longer applying is deleted.
    state TEXT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claim TEXT,
    claimed_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX push_outbox_due ON push_outbox(state, next_attempt_at);
CREATE INDEX push_outbox_claim ON push_outbox(claim);
CREATE INDEX push_outbox_subscription ON push_outbox(subscription_id);
CREATE INDEX push_outbox_event ON push_outbox(event_id);
