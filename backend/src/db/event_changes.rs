//! An organizer's edit or cancellation of an event, with everything it moves in the same
//! transaction: the waitlist (more places promote people), notices to the people concerned, and
//! the reminders that follow the new time.

use chrono::{DateTime, Utc};

use super::events::{get, lock, update};
use super::{outbox, DbConnection, Error};
use crate::domain::event::{Event, EventDraft};
use crate::domain::message::MessageKind;
use crate::domain::rsvp::RsvpStatus;

/// Store an organizer's edit, made and validated before this call over the event as it was at
/// `sequence`. If the event changed since (another edit), nothing is stored and the answer is
/// `Error::Stale`: the caller reads it again and remakes the edit.
pub fn revise(
    conn: &mut DbConnection,
    id: &str,
    sequence: i32,
    draft: EventDraft,
    now: DateTime<Utc>,
) -> Result<Event, Error> {
    super::write_transaction(conn, |conn| {
        let mut event = lock(conn, id)?;
        if event.sequence != sequence {
            return Err(Error::Stale);
        }
        let moved = draft.starts_at != event.draft.starts_at
            || draft.ends_at != event.draft.ends_at
            || draft.location != event.draft.location;
        event.revise(draft, now);
        update(conn, &event)?;
        // More capacity frees places for the waitlist, in the same transaction.
        super::rsvps::settle(conn, &event, now)?;
        if !event.is_cancelled() {
            if moved {
                outbox::notify_event(conn, id, CONCERNED, MessageKind::Changed, now)?;
            }
            // Reminders follow the new start time and offsets; those already sent stay sent.
            outbox::unschedule(conn, id, None, now)?;
            outbox::schedule(conn, &event, None, now)?;
        }
        get(conn, id)
    })
}

/// Who hears about a change of time or place, or a cancellation: everyone still expecting to go.
const CONCERNED: &[RsvpStatus] = &[
    RsvpStatus::Going,
    RsvpStatus::Waitlisted,
    RsvpStatus::Pending,
];

/// Cancel an event. Cancelling twice changes nothing the second time.
pub fn cancel(conn: &mut DbConnection, id: &str, now: DateTime<Utc>) -> Result<Event, Error> {
    super::write_transaction(conn, |conn| {
        // Read under the event's lock, as every other change does: a concurrent edit is not
        // lost, and the `sequence` bumped here is not one it also used.
        let mut event = lock(conn, id)?;
        if !event.is_cancelled() {
            event.cancel(now);
            update(conn, &event)?;
            outbox::unschedule(conn, id, None, now)?;
            outbox::notify_event(conn, id, CONCERNED, MessageKind::Cancelled, now)?;
        }
        Ok(event)
    })
}
