//! Several instances on one PostgreSQL: every stored update is announced with `NOTIFY`, and
//! each instance's relay, on a listener connection of its own, hands it to the local hub. After
//! the listener drops it reconnects and replays from the database by sequence number, so
//! nothing posted while it was away is lost. Credential changes (an organizer disabled, tokens
//! revoked) travel the same way, so every instance drops that organizer's live access, and so
//! do changes to an event's RSVPs or the event itself, so followers judge what they see anew. On
//! SQLite (one instance) posts and changes go to the hub directly.
//!
//! The relay remembers the last update it relayed only for events someone on this instance
//! follows (a follower who comes later replays from the database itself), so what it keeps is
//! bounded by the open connections, not by every event ever updated. After a reconnect it
//! also replays, for followed events, whatever was posted while it was away, remembered or not.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::PgConnection;

use super::hub::LiveHub;
use crate::db::live as updates_db;
use crate::db::notice::{Notice, CHANNEL};
use crate::db::schema::live_updates;
use crate::db::DbConnection;

/// How often the listener looks for news (notifications are read without blocking).
const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// Quiet polls between liveness checks (about a second).
const LIVENESS_EVERY: u32 = 100;
/// Pause before reconnecting a dropped listener.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);
/// Shows in `pg_stat_activity`, so operators (and tests) can find the listener.
pub const APPLICATION_NAME: &str = "umbrella-live-relay";
/// After a reconnect, updates stamped this long before the listener was last heard working are
/// looked at again: an update is stamped by its poster's clock before it commits.
const REPLAY_MARGIN: chrono::Duration = chrono::Duration::seconds(60);

/// What the relay has passed on: the last sequence number per followed event, and when the
/// listener was last heard working.
#[derive(Default)]
struct Relayed {
    published: HashMap<String, i32>,
    heard_at: Option<DateTime<Utc>>,
}

impl Relayed {
    /// Forget events nobody on this instance follows: the hub would pass their updates to
    /// nobody, and a follower who comes later replays from the database on joining.
    fn forget_unfollowed(&mut self, hub: &LiveHub) {
        self.published
            .retain(|event_id, _| hub.followers(event_id) > 0);
    }
}

/// Stops the relay when dropped (with the `Application` that started it).
pub struct StopOnDrop(pub Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Run the relay on a thread of its own until `stop` is set.
pub fn start(
    url: String,
    hub: LiveHub,
    stop: Arc<AtomicBool>,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("live-relay".into())
        .spawn(move || {
            let mut relayed = Relayed::default();
            while !stop.load(Ordering::Relaxed) {
                match listen(&url, &hub, &stop, &mut relayed) {
                    Ok(()) => return,
                    Err(error) => {
                        tracing::warn!(%error, "live relay lost its listener; reconnecting");
                        std::thread::sleep(RECONNECT_DELAY);
                    }
                }
            }
        })
}

fn with_application_name(url: &str) -> String {
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}application_name={APPLICATION_NAME}")
}

/// Listen until `stop` (Ok) or until the connection fails (Err).
fn listen(
    url: &str,
    hub: &LiveHub,
    stop: &AtomicBool,
    relayed: &mut Relayed,
) -> anyhow::Result<()> {
    let mut conn = DbConnection::Postgres(PgConnection::establish(&with_application_name(url))?);
    conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    if let Some(heard_at) = relayed.heard_at {
        replay_missed(&mut conn, hub, heard_at, relayed)?;
    }
    let mut idle_polls = 0u32;
    while !stop.load(Ordering::Relaxed) {
        let mut news = Vec::new();
        if let DbConnection::Postgres(pg) = &mut conn {
            for notification in pg.notifications_iter() {
                news.push(notification?.payload);
            }
        }
        if news.is_empty() {
            idle_polls += 1;
            if idle_polls >= LIVENESS_EVERY {
                // A quiet connection may be a dead one; a cheap query tells.
                conn.batch_execute("SELECT 1")?;
                idle_polls = 0;
                relayed.heard_at = Some(Utc::now());
                relayed.forget_unfollowed(hub);
            }
            std::thread::sleep(POLL_INTERVAL);
            continue;
        }
        relayed.heard_at = Some(Utc::now());
        for payload in news {
            handle(&mut conn, hub, &payload, &mut relayed.published)?;
        }
        relayed.forget_unfollowed(hub);
    }
    Ok(())
}

/// Whatever was posted while the listener was away, for every event followed here: from the
/// last update relayed when it is remembered, else from the first one posted since
/// (`heard_at`, less a margin; a follower ignores what it already has).
fn replay_missed(
    conn: &mut DbConnection,
    hub: &LiveHub,
    heard_at: DateTime<Utc>,
    relayed: &mut Relayed,
) -> anyhow::Result<()> {
    let since = (heard_at - REPLAY_MARGIN).naive_utc();
    let posted: Vec<(String, Option<i32>)> = live_updates::table
        .filter(live_updates::created_at.ge(since))
        .group_by(live_updates::event_id)
        .select((live_updates::event_id, diesel::dsl::min(live_updates::seq)))
        .load(conn)?;
    for (event_id, first) in posted {
        if let Some(first) = first.filter(|_| hub.followers(&event_id) > 0) {
            relayed.published.entry(event_id).or_insert(first - 1);
        }
    }
    relayed.forget_unfollowed(hub);
    let events: Vec<String> = relayed.published.keys().cloned().collect();
    for event_id in events {
        relay_after(conn, hub, &event_id, &mut relayed.published)?;
    }
    Ok(())
}

fn handle(
    conn: &mut DbConnection,
    hub: &LiveHub,
    payload: &str,
    published: &mut HashMap<String, i32>,
) -> anyhow::Result<()> {
    match Notice::parse(payload) {
        Some(Notice::Presence { event_id }) => hub.presence_changed(&event_id),
        Some(Notice::Credentials { organizer_id }) => hub.credentials_changed(&organizer_id),
        Some(Notice::Rsvps { event_id }) => hub.rsvps_changed(&event_id),
        Some(Notice::Safety { event_id }) => hub.safety_due(&event_id),
        Some(Notice::Event { event_id }) => {
            // Read once here rather than once per follower.
            if hub.followers(&event_id) > 0 {
                let event = crate::db::events::find(conn, &event_id)
                    .map_err(|error| anyhow::anyhow!("{error}"))?;
                if let Some(event) = event {
                    hub.event_changed(event);
                }
            }
        }
        Some(Notice::Update { event_id, seq }) => {
            published.entry(event_id.clone()).or_insert(seq - 1);
            relay_after(conn, hub, &event_id, published)?;
        }
        None => tracing::warn!("unreadable news on the live channel"),
    }
    Ok(())
}

/// Publish every update of `event_id` after the last one relayed, in order.
fn relay_after(
    conn: &mut DbConnection,
    hub: &LiveHub,
    event_id: &str,
    published: &mut HashMap<String, i32>,
) -> anyhow::Result<()> {
    let last = published.get(event_id).copied().unwrap_or(0);
    let fetched = updates_db::after(conn, event_id, last, None)
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    for update in fetched {
        published.insert(event_id.to_string(), update.seq);
        hub.publish(update);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_nobody_here_follows_are_forgotten() {
        let hub = LiveHub::default();
        let (_updates, following) = hub.follow("followed");
        let mut relayed = Relayed::default();
        for (event_id, seq) in [("followed", 3), ("left", 5), ("never-followed", 1)] {
            relayed.published.insert(event_id.to_string(), seq);
        }
        let (_left_updates, left) = hub.follow("left");
        drop(left);
        relayed.forget_unfollowed(&hub);
        assert_eq!(
            relayed.published,
            HashMap::from([("followed".to_string(), 3)])
        );
        drop(following);
        relayed.forget_unfollowed(&hub);
        assert!(relayed.published.is_empty(), "the map shrinks to nothing");
    }
}
