//! The events new RSVPs are judged against, each kept for a second: a burst of RSVPs to one
//! event reads it once a second instead of once each.
//!
//! A read up to a second old is safe to judge by because nothing is written on its word alone:
//! the places are taken by an update that holds only while the event is at the `sequence` read
//! and the RSVP still fits (`db::rsvps::create`), and anything else is judged again under the
//! event's lock. What such a read could get wrong is a refusal (an event edited a moment ago to
//! offer another role, say), so a caller judges once more on a fresh read before it says no.
//! Invitation-only events are never kept: their codes are judged under the lock, and judging a
//! wrong code twice would count it twice against the guessing throttle.

use std::sync::Arc;
use std::time::Duration;

use crate::db::{self, Pool};
use crate::domain::event::{Access, Event};

/// How long a read is judged by.
const KEPT_FOR: Duration = Duration::from_secs(1);
/// Events kept at most (each is a few hundred bytes).
const EVENTS_KEPT: u64 = 10_000;

/// An event as an RSVP is judged against, and how it was read.
pub struct ToAdmit {
    pub event: Arc<Event>,
    /// Read up to a second ago rather than just now: judge again before refusing.
    pub recent: bool,
}

/// Events read for admission in the last second, by id.
pub struct EventsToAdmit {
    events: moka::future::Cache<String, Arc<Event>>,
}

impl Default for EventsToAdmit {
    fn default() -> Self {
        EventsToAdmit {
            events: moka::future::Cache::builder()
                .max_capacity(EVENTS_KEPT)
                .time_to_live(KEPT_FOR)
                .build(),
        }
    }
}

impl EventsToAdmit {
    /// The event as read in the last second, or read now.
    pub async fn recent_or_read(&self, pool: &Pool, id: &str) -> Result<ToAdmit, db::Error> {
        if let Some(event) = self.events.get(id).await {
            return Ok(ToAdmit {
                event,
                recent: true,
            });
        }
        Ok(ToAdmit {
            event: self.read(pool, id).await?,
            recent: false,
        })
    }

    /// The event as it is now (kept for the next second unless it is invitation-only).
    pub async fn read(&self, pool: &Pool, id: &str) -> Result<Arc<Event>, db::Error> {
        let owned = id.to_string();
        let event =
            Arc::new(db::run(pool, move |conn| db::events::get_to_admit(conn, &owned)).await?);
        if event.draft.access != Access::Invite {
            self.events.insert(id.to_string(), event.clone()).await;
        }
        Ok(event)
    }
}
