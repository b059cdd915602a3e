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
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_postgres::AsyncMessage;
use tokio_util::sync::CancellationToken;

use super::hub::LiveHub;
use super::relay_tls;
use crate::db::live as updates_db;
use crate::db::notice::{Notice, CHANNEL};
use crate::db::schema::live_updates;
use crate::db::{DbConnection, Pool};

/// How often a quiet relay wakes: to forget events nobody here follows any more, and to check
/// that its connection is alive (one cut without a word, a half-open TCP link, is found by a
/// query that gets no answer, within this and `LIVENESS_TIMEOUT`). News itself wakes it at once,
/// from the socket; an idle instance should hardly wake at all (issue 20: at most once a second,
/// everything counted; each look costs the thread about four wake-ups).
const TICK: Duration = Duration::from_secs(30);
/// How long a liveness query may take before the connection is taken for dead.
const LIVENESS_TIMEOUT: Duration = Duration::from_secs(10);
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
pub struct StopOnDrop(pub CancellationToken);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Run the relay on a thread of its own until `stop` is cancelled. It listens on a connection
/// of its own (`url`) and reads what the news points at through `pool`.
pub fn start(
    url: &str,
    pool: Pool,
    hub: LiveHub,
    stop: CancellationToken,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    let listener = Listener::new(url)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let thread = std::thread::Builder::new()
        .name("live-relay".into())
        .spawn(move || {
            runtime.block_on(async move {
                let mut relayed = Relayed::default();
                while !stop.is_cancelled() {
                    match listen(&listener, &pool, &hub, &stop, &mut relayed).await {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::warn!(%error, "live relay lost its listener; reconnecting");
                            tokio::select! {
                                () = stop.cancelled() => return,
                                () = tokio::time::sleep(RECONNECT_DELAY) => {}
                            }
                        }
                    }
                }
            });
        })?;
    Ok(thread)
}

/// What the listener connects with: the server's database URL, named for `pg_stat_activity`,
/// with TCP keepalives so a silent network drop is noticed, and its TLS as libpq would do it.
struct Listener {
    config: tokio_postgres::Config,
    connector: tokio_postgres_rustls::MakeRustlsConnect,
}

impl Listener {
    fn new(url: &str) -> anyhow::Result<Self> {
        let (mut config, encryption) = relay_tls::read(url)
            .map_err(|error| anyhow::anyhow!("the live relay cannot connect: {error}"))?;
        config
            .application_name(APPLICATION_NAME)
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30));
        let connector = relay_tls::connector(&encryption)?;
        Ok(Self { config, connector })
    }
}

/// Aborts the task driving the listener's connection when the listener ends, so the connection
/// closes with it.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Listen until `stop` (Ok) or until the connection fails (Err). The task that drives the
/// connection passes each notification's payload on as it arrives; nothing polls.
async fn listen(
    listener: &Listener,
    pool: &Pool,
    hub: &LiveHub,
    stop: &CancellationToken,
    relayed: &mut Relayed,
) -> anyhow::Result<()> {
    let (client, mut connection) =
        relay_tls::connect(&listener.config, &listener.connector).await?;
    let (sender, mut news) = mpsc::unbounded_channel::<Result<String, tokio_postgres::Error>>();
    let _driver = AbortOnDrop(tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            let payload = match message {
                Ok(AsyncMessage::Notification(notification)) => Ok(notification.payload().into()),
                Ok(_) => continue,
                Err(error) => Err(error),
            };
            let failed = payload.is_err();
            if sender.send(payload).is_err() || failed {
                return;
            }
        }
    }));
    client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
    if let Some(heard_at) = relayed.heard_at {
        let mut conn = pool.get()?;
        replay_missed(&mut conn, hub, heard_at, relayed)?;
    }
    relayed.heard_at = Some(Utc::now());
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return Ok(()),
            payload = news.recv() => {
                let Some(payload) = payload else {
                    anyhow::bail!("the listener's connection closed");
                };
                let mut batch = vec![payload?];
                while let Ok(more) = news.try_recv() {
                    batch.push(more?);
                }
                relayed.heard_at = Some(Utc::now());
                let mut conn = pool.get()?;
                for payload in batch {
                    // News this instance cannot read (a row a newer version wrote, say) is
                    // logged and passed over; the listener and every other event go on. An
                    // update not relayed is relayed with the event's next news.
                    if let Err(error) = handle(&mut conn, hub, &payload, &mut relayed.published) {
                        tracing::warn!(%error, "the live relay could not pass on some news");
                    }
                }
                relayed.forget_unfollowed(hub);
            }
            _ = tick.tick() => {
                relayed.forget_unfollowed(hub);
                tokio::time::timeout(LIVENESS_TIMEOUT, client.simple_query("SELECT 1"))
                    .await
                    .map_err(|_| anyhow::anyhow!("the listener's connection stopped answering"))??;
                relayed.heard_at = Some(Utc::now());
            }
        }
    }
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
        if let Err(error) = relay_after(conn, hub, &event_id, &mut relayed.published) {
            tracing::warn!(event = %event_id, %error, "the live relay could not replay an event");
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
