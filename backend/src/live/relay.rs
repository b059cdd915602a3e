//! Several instances on one PostgreSQL: every stored update is announced with `NOTIFY`, and
//! each instance's relay, on a listener connection of its own, hands it to the local hub. After
//! the listener drops it reconnects and replays from the database by sequence number, so
//! nothing posted while it was away is lost. Credential changes (an organizer disabled, tokens
//! revoked) travel the same way, so every instance drops that organizer's live access, and so
//! do changes to an event's RSVPs or the event itself, so followers judge what they see anew. On
//! SQLite (one instance) posts and changes go to the hub directly.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use super::hub::LiveHub;
use crate::db::live::{self as updates_db, CHANNEL};
use crate::db::DbConnection;

/// How often the listener looks for news (notifications are read without blocking).
const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// Quiet polls between liveness checks (about a second).
const LIVENESS_EVERY: u32 = 100;
/// Pause before reconnecting a dropped listener.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);
/// Shows in `pg_stat_activity`, so operators (and tests) can find the listener.
pub const APPLICATION_NAME: &str = "umbrella-live-relay";

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
            let mut published: HashMap<String, i32> = HashMap::new();
            while !stop.load(Ordering::Relaxed) {
                match listen(&url, &hub, &stop, &mut published) {
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
    published: &mut HashMap<String, i32>,
) -> anyhow::Result<()> {
    let mut conn = DbConnection::Postgres(PgConnection::establish(&with_application_name(url))?);
    conn.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    // Whatever happened while we were away, for the events we were relaying.
    let events: Vec<String> = published.keys().cloned().collect();
    for event_id in events {
        relay_after(&mut conn, hub, &event_id, published)?;
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
            }
            std::thread::sleep(POLL_INTERVAL);
            continue;
        }
        for payload in news {
            handle(&mut conn, hub, &payload, published)?;
        }
    }
    Ok(())
}

fn handle(
    conn: &mut DbConnection,
    hub: &LiveHub,
    payload: &str,
    published: &mut HashMap<String, i32>,
) -> anyhow::Result<()> {
    if let Some(event_id) = payload.strip_prefix("presence:") {
        hub.presence_changed(event_id);
    } else if let Some(organizer_id) = payload.strip_prefix("credentials:") {
        hub.credentials_changed(organizer_id);
    } else if let Some(event_id) = payload.strip_prefix("rsvps:") {
        hub.rsvps_changed(event_id);
    } else if let Some(event_id) = payload.strip_prefix("event:") {
        // Read once here rather than once per follower.
        if hub.followers(event_id) > 0 {
            let event = crate::db::events::get(conn, event_id)
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            hub.event_changed(event);
        }
    } else if let Some((event_id, seq)) = payload
        .strip_prefix("update:")
        .and_then(|rest| rest.rsplit_once(':'))
    {
        let seq: i32 = seq.parse()?;
        published.entry(event_id.to_string()).or_insert(seq - 1);
        relay_after(conn, hub, event_id, published)?;
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
