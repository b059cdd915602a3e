//! Web Push: alerts that reach a closed page. The server's VAPID key (`vapid`), what each push
//! says as the access policy decides at the moment of sending (`compose`), encryption and
//! posting to the push services (`send`), and the worker that drains the push outbox
//! (`outbox`). Pushes are queued in the transaction of the change that causes them, through
//! the functions in `db::push` (see `queue` here for the ones other features call).

pub mod compose;
pub mod outbox;
pub mod send;
pub mod vapid;

/// Queueing pushes, for the features that cause them. Each runs inside the caller's database
/// transaction (so nothing is queued for a change that did not happen); what the push says is
/// decided when it is sent.
///
/// - `queue::to_rsvp(conn, event_id, rsvp_id, PushTopic::SafeByNudge, now)`: one RSVP's phones.
/// - `queue::to_organizers_and_roles(conn, &event, &[Role::JailSupport], PushTopic::NotYetSafe,
///   now)`: every organizer's phones, and those of the event's admitted RSVPs with those roles.
/// - `queue::update(conn, &event, &update, Some(poster_id), now)`: a live update, to everyone
///   the access policy lets see it (the posting code calls it).
pub mod queue {
    pub use crate::db::push::queue_to_organizers_and_roles as to_organizers_and_roles;
    pub use crate::db::push::queue_to_rsvp as to_rsvp;
    pub use crate::db::push::queue_update as update;
}

/// What the push worker counts (registered with the rest at the web edge, `telemetry`).
#[derive(Clone)]
pub struct Counters {
    /// Pushes a push service accepted.
    pub sent: prometheus::IntCounter,
    /// Attempts that failed (retried or given up).
    pub failed: prometheus::IntCounter,
    /// Subscriptions removed on a `404`/`410`.
    pub gone: prometheus::IntCounter,
    /// Pushes that could not be built (failed at once).
    pub unbuildable: prometheus::IntCounter,
    /// Rounds of the worker that panicked (the worker goes on).
    pub panics: prometheus::IntCounter,
}
