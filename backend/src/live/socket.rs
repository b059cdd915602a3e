//! The live websocket. The client's first message is `{"type": "hello", "token": …}` (or no
//! token, to follow the public audience); the server answers `welcome`, replays every update
//! after `?after=` the client may see, then streams new ones in sequence order with no gap and
//! no duplicate. Organizers also get `counts`; after an action's "home safe by" time,
//! organizers and jail support get `safety` (who is not yet home safe) when the check runs, when
//! they connect and, for organizers, with each change in presence. A client too slow to keep up is told `resync`;
//! one that leaves a message unread for the client timeout, or answers no ping for as long, is
//! dropped. An organizer's connection ends as soon as their access does (disabled, token
//! revoked, signed out), and their credentials are re-checked periodically in any case. What
//! an attendee or anyone else may see is asked of the access policy frame by frame, for the
//! event and their RSVP as they are now: when either changes (declined, cancelled, deleted,
//! purged, another role, the event's privacy edited), the hub says so and the connection judges
//! itself again at once, losing what it may no longer see. When the
//! server stops, every follower gets a close frame with code 1001 (going away) at once, so it
//! reconnects to another instance, or to this one once it is back, without waiting.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_http::ws::{CloseCode, CloseReason, Frame, Message, ProtocolError};
use actix_server::GracefulShutdownSignal;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};

use super::access::{resolve, Access};
use super::hub::{AccessNews, Published};
use super::protocol::{frame, read_hello, ServerMessage, MAX_FRAME_BYTES};
use super::wire::{discard_until_closed, WebSocket};
use super::Context;
use crate::config::LiveTiming as Timing;
use crate::db::live::Presence;
use crate::db::{events as event_queries, live as updates_db, Error};
use crate::domain::access::{self as policy, Viewer};
use crate::domain::event::Event;

/// How long a new connection may take to say hello.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing connection waits for the client to hang up.
const LINGER: Duration = Duration::from_secs(2);
/// What the live handler leaves in its `101` answer for this service to carry on with.
pub struct Handoff {
    pub live: super::Context,
    pub event_id: String,
    pub after: i32,
    pub session_cookie: Option<String>,
}

/// Why a connection ended early.
enum Ending {
    /// The client left (or the connection broke): nothing more can be said.
    Closed,
    /// A message stayed unread for the client timeout: the outgoing queue is full, so not
    /// even a close frame would get through. The connection is dropped.
    TooSlow,
    Fault,
    /// The server is stopping.
    Stopping,
    /// The client sent a frame over `MAX_FRAME_BYTES`; it was refused from its header.
    TooLarge,
}

/// What the client sends, frame by frame.
type Incoming = SplitStream<WebSocket>;

/// The sending half of one connection. Every send waits at most `limit` for the socket to take
/// it, so a client that stops reading holds neither the task nor more than one frame.
struct Outgoing {
    sink: SplitSink<WebSocket, Message>,
    limit: Duration,
}

impl Outgoing {
    async fn message(&mut self, message: Message) -> Result<(), Ending> {
        match tokio::time::timeout(self.limit, self.sink.send(message)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Ending::Closed),
            Err(_) => Err(Ending::TooSlow),
        }
    }

    async fn text(&mut self, text: impl Into<bytestring::ByteString>) -> Result<(), Ending> {
        self.message(Message::Text(text.into())).await
    }

    async fn send(&mut self, message: &ServerMessage<'_>) -> Result<(), Ending> {
        self.text(frame(message)).await
    }

    async fn error(&mut self, message: &str) -> Result<(), Ending> {
        self.send(&ServerMessage::Error {
            message: message.to_string(),
        })
        .await
    }

    async fn ping(&mut self) -> Result<(), Ending> {
        self.message(Message::Ping(bytes::Bytes::new())).await
    }

    /// Say goodbye, if the client is still listening.
    async fn close(&mut self, reason: Option<CloseReason>) {
        let _ = self.message(Message::Close(reason)).await;
    }
}

/// What the client said, or why it said nothing usable.
enum Heard {
    Hello(Option<String>),
    Other,
    Garbage(String),
    /// A frame over `MAX_FRAME_BYTES`: the stream cannot go on after it.
    TooLarge,
    Nothing,
    Gone,
}

async fn hear(out: &mut Outgoing, stream: &mut Incoming) -> Heard {
    match stream.next().await {
        Some(Ok(Frame::Text(text))) => match read_hello(&text) {
            Ok(token) => Heard::Hello(token),
            Err(why) => Heard::Garbage(why),
        },
        Some(Ok(Frame::Binary(_))) => Heard::Garbage("send JSON text frames".into()),
        Some(Ok(Frame::Continuation(_))) => {
            Heard::Garbage("send each message in one frame (no continuation frames)".into())
        }
        Some(Ok(Frame::Ping(bytes))) => {
            let _ = out.message(Message::Pong(bytes)).await;
            Heard::Other
        }
        Some(Ok(Frame::Pong(_))) => Heard::Other,
        Some(Err(ProtocolError::Overflow)) => Heard::TooLarge,
        Some(Ok(Frame::Close(_))) => {
            out.close(None).await;
            Heard::Gone
        }
        Some(Err(_)) => Heard::Gone,
        None => Heard::Nothing,
    }
}

/// What the follower presented in their hello, kept to judge them again later.
struct Credentials {
    token: Option<String>,
    session_cookie: Option<String>,
}

/// One follower as the access policy sees them now: who they are and the event as it is.
struct Follower {
    access: Access,
    event: Event,
    credentials: Credentials,
}

impl Follower {
    fn viewer(&self) -> Viewer {
        self.access.viewer()
    }

    /// The frame for a published update, if this follower may see it now.
    fn frame_for<'p>(&self, published: &'p Published) -> Option<&'p bytestring::ByteString> {
        let now = chrono::Utc::now();
        let seen = policy::update_for(&self.event, &self.viewer(), &published.update, now)?;
        match (&published.frame_without_location, seen.location) {
            (Some(bare), None) => Some(bare),
            _ => Some(&published.frame),
        }
    }
}

/// Serve one follower until they leave, fall too far behind, or the server stops.
pub async fn serve(handoff: Handoff, websocket: WebSocket, stopping: GracefulShutdownSignal) {
    let Handoff {
        live,
        event_id,
        after,
        session_cookie,
    } = handoff;
    let timing = live.timing;
    let (sink, mut stream) = websocket.split();
    let mut out = Outgoing {
        sink,
        limit: timing.client_timeout,
    };
    let serving = async {
        let mut follower = greet(&live, &event_id, session_cookie, &mut out, &mut stream).await?;
        follow(&live, after, &mut follower, &timing, &mut out, &mut stream).await
    };
    // A frame is encoded whole before it is sent, so stopping between two leaves none half-said.
    let outcome = tokio::select! {
        outcome = serving => outcome,
        () = stopping.notified() => Err(Ending::Stopping),
    };
    match outcome {
        // It reads nothing, so there is nobody to say goodbye to.
        Err(Ending::TooSlow) => live.counters.let_go("too_slow"),
        Err(Ending::Closed) => hang_up(out, stream).await,
        Err(Ending::Stopping) => {
            out.close(Some(CloseReason {
                code: CloseCode::Away,
                description: Some("the server is stopping; reconnect".into()),
            }))
            .await;
            hang_up(out, stream).await;
        }
        Err(Ending::TooLarge) => {
            out.close(Some(CloseReason {
                code: CloseCode::Size,
                description: Some(format!("frames are at most {MAX_FRAME_BYTES} bytes")),
            }))
            .await;
            // The rest of the refused frame is still coming: read it away without keeping it.
            if let Ok(websocket) = out.sink.reunite(stream) {
                discard_until_closed(websocket, LINGER).await;
            }
        }
        Ok(()) | Err(Ending::Fault) => {
            out.close(None).await;
            hang_up(out, stream).await;
        }
    }
}

/// End the connection the way TCP expects: send what is queued and a FIN, then read and discard
/// what the client still says (a pong, its close frame) until it hangs up or `LINGER` passes.
/// Closing a socket with unread input makes the kernel reset the connection, and a reset throws
/// away what the client had not read yet, such as the `resync` that tells it where to resume.
async fn hang_up(mut out: Outgoing, mut stream: Incoming) {
    let deadline = tokio::time::Instant::now() + LINGER;
    let _ = tokio::time::timeout_at(deadline, out.sink.close()).await;
    while let Ok(Some(Ok(_))) = tokio::time::timeout_at(deadline, stream.next()).await {}
}

/// Wait for hello, resolve who this is, and welcome them.
async fn greet(
    live: &Context,
    event_id: &str,
    session_cookie: Option<String>,
    out: &mut Outgoing,
    stream: &mut Incoming,
) -> Result<Follower, Ending> {
    let deadline = tokio::time::Instant::now() + HELLO_TIMEOUT;
    loop {
        let heard = tokio::time::timeout_at(deadline, hear(out, stream))
            .await
            .map_err(|_| Ending::Fault)?;
        let token = match heard {
            Heard::Hello(token) => token,
            Heard::Other => continue,
            Heard::Garbage(message) => {
                out.error(&message).await?;
                continue;
            }
            Heard::TooLarge => return Err(Ending::TooLarge),
            Heard::Nothing | Heard::Gone => return Err(Ending::Closed),
        };
        let credentials = Credentials {
            token,
            session_cookie: session_cookie.clone(),
        };
        match check(live, event_id, &credentials).await {
            Ok((access, event)) => {
                out.send(&ServerMessage::welcome(&event, &access.viewer()))
                    .await?;
                return Ok(Follower {
                    access,
                    event,
                    credentials,
                });
            }
            Err(Error::NotFound) => out.error("that token is not valid for this event").await?,
            Err(_) => out.error("could not check that token; try again").await?,
        }
    }
}

/// Who these credentials make the follower, now, and the event as it is now.
async fn check(
    live: &Context,
    event_id: &str,
    credentials: &Credentials,
) -> Result<(Access, Event), Error> {
    let (event_id, token, cookie) = (
        event_id.to_string(),
        credentials.token.clone(),
        credentials.session_cookie.clone(),
    );
    crate::db::run(&live.pool, move |conn| {
        let access = resolve(conn, &event_id, token.as_deref(), cookie.as_deref())?;
        Ok((access, event_queries::get(conn, &event_id)?))
    })
    .await
}

/// Who has arrived and who has made it home, read now.
async fn read_presence(live: &Context, event_id: &str) -> Result<Presence, Ending> {
    let id = event_id.to_string();
    crate::db::run(&live.pool, move |conn| updates_db::presence(conn, &id))
        .await
        .map_err(|_| Ending::Fault)
}

/// Organizers' live counts.
fn counts(live: &Context, event_id: &str, presence: &Presence) -> ServerMessage<'static> {
    ServerMessage::Counts {
        followers: live.hub.followers(event_id),
        checked_in: presence.checked_in,
        safe: presence.safe,
        not_yet_safe: presence.not_yet_safe.len() as i64,
    }
}

/// Who is not yet home safe, for a follower the access policy lets see it, once the event's
/// "home safe by" time has passed; `None` otherwise (or when nobody is missing, unless
/// `always`: a list that just emptied is news too).
fn missing(
    follower: &Follower,
    presence: &Presence,
    always: bool,
) -> Option<ServerMessage<'static>> {
    if !may_hear_missing(follower) {
        return None;
    }
    let pseudonyms: Vec<String> = presence
        .not_yet_safe
        .iter()
        .map(|(name, _)| name.clone())
        .collect();
    (always || !pseudonyms.is_empty()).then(|| ServerMessage::not_yet_safe(pseudonyms))
}

/// Whether the event's "home safe by" time has passed and the access policy lets this follower
/// see who is missing (organizers, jail support).
fn may_hear_missing(follower: &Follower) -> bool {
    follower
        .event
        .draft
        .safe_by
        .is_some_and(|at| at <= chrono::Utc::now())
        && policy::may_see_missing(&follower.event, &follower.viewer())
}

/// Send every update after `*last_seen` that the follower may see now, from the database.
async fn catch_up(
    live: &Context,
    follower: &Follower,
    last_seen: &mut i32,
    out: &mut Outgoing,
) -> Result<(), Ending> {
    let audiences = policy::audiences(&follower.event, &follower.viewer());
    let (id, from) = (follower.event.id.clone(), *last_seen);
    let missed = crate::db::run(&live.pool, move |conn| {
        updates_db::after(conn, &id, from, Some(&audiences))
    })
    .await
    .map_err(|_| Ending::Fault)?;
    let now = chrono::Utc::now();
    for update in &missed {
        let viewer = follower.viewer();
        if let Some(seen) = policy::update_for(&follower.event, &viewer, update, now) {
            out.send(&ServerMessage::update(update, seen.location))
                .await?;
        }
        *last_seen = (*last_seen).max(update.seq);
    }
    Ok(())
}

/// Wait for the next signal from an optional receiver; never, without one.
async fn next_signal<T: Clone>(
    receiver: &mut Option<broadcast::Receiver<T>>,
) -> Result<T, RecvError> {
    match receiver.as_mut() {
        Some(receiver) => receiver.recv().await,
        None => std::future::pending().await,
    }
}

/// Whether an organizer's access still holds. On a database error it does not: the follower
/// reconnects and is checked afresh.
async fn still_organizer(live: &Context, follower: &Follower) -> bool {
    let event_id = follower.event.id.clone();
    matches!(check(live, &event_id, &follower.credentials).await,
        Ok((now, _)) if now == follower.access)
}

/// Judge an attendee again by their RSVP as it is now (declined, cancelled, deleted, purged,
/// approved, another role): from here on every frame follows the new standing. A manage link
/// that no longer works leaves them following as the public. When their audiences changed,
/// they are welcomed again with the new list.
async fn judge_again(
    live: &Context,
    follower: &mut Follower,
    out: &mut Outgoing,
) -> Result<(), Ending> {
    let before = policy::audiences(&follower.event, &follower.viewer());
    let event_id = follower.event.id.clone();
    match check(live, &event_id, &follower.credentials).await {
        Ok((access, event)) => {
            follower.access = access;
            follower.event = event;
        }
        Err(Error::NotFound) => follower.access = Access::Public,
        // The database did not answer: see nothing more than the public until it does.
        Err(_) => return Err(Ending::Fault),
    }
    if policy::audiences(&follower.event, &follower.viewer()) != before {
        out.send(&ServerMessage::welcome(&follower.event, &follower.viewer()))
            .await?;
    }
    Ok(())
}

async fn follow(
    live: &Context,
    after: i32,
    follower: &mut Follower,
    timing: &Timing,
    out: &mut Outgoing,
    stream: &mut Incoming,
) -> Result<(), Ending> {
    let event_id = follower.event.id.clone();
    let event_id = event_id.as_str();
    // Subscribe before replaying, so nothing posted in between is missed; likewise for news of
    // changes to what this follower may see, so a change made after the check is heard.
    let (mut updates, _following) = live.hub.follow(event_id);
    let mut news = live.hub.watch_access(event_id);
    let organizer = follower.access.is_organizer();
    let mut presence = organizer.then(|| live.hub.watch_presence(event_id));
    let mut changes: Option<broadcast::Receiver<Arc<str>>> =
        organizer.then(|| live.hub.watch_credentials());
    // What could have changed between the greeting and the subscriptions above.
    if follower.access.is_attendee() {
        judge_again(live, follower, out).await?;
    }
    let mut last_seen = after;
    catch_up(live, follower, &mut last_seen, out).await?;
    if organizer || may_hear_missing(follower) {
        let now = read_presence(live, event_id).await?;
        if organizer {
            out.send(&counts(live, event_id, &now)).await?;
        }
        if let Some(safety) = missing(follower, &now, false) {
            out.send(&safety).await?;
        }
    }
    let mut heartbeat = tokio::time::interval(timing.heartbeat);
    let mut recheck =
        tokio::time::interval_at(tokio::time::Instant::now() + timing.recheck, timing.recheck);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            // News first: a change announced before an update was posted is applied before that
            // update is judged (the hub and the relay keep that order).
            biased;
            heard = news.recv() => match heard {
                Ok(AccessNews::Event(_)) if follower.access.is_attendee() => {
                    // An edit can also promote from the waitlist: read the RSVP too.
                    judge_again(live, follower, out).await?;
                }
                Ok(AccessNews::Event(event)) => {
                    let before = policy::audiences(&follower.event, &follower.viewer());
                    follower.event = (*event).clone();
                    if policy::audiences(&follower.event, &follower.viewer()) != before {
                        out.send(&ServerMessage::welcome(&follower.event, &follower.viewer())).await?;
                    }
                }
                Ok(AccessNews::Rsvps) => {
                    if follower.access.is_attendee() {
                        judge_again(live, follower, out).await?;
                    }
                }
                Ok(AccessNews::Safety) => {
                    if may_hear_missing(follower) {
                        let now = read_presence(live, event_id).await?;
                        if let Some(safety) = missing(follower, &now, true) {
                            out.send(&safety).await?;
                        }
                    }
                }
                // Some news was missed: read the event (and RSVP) as they are now.
                Err(RecvError::Lagged(_)) => judge_again(live, follower, out).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            received = updates.recv() => match received {
                Ok(published) if published.update.seq <= last_seen => {}
                Ok(published) if published.update.seq > last_seen + 1 => {
                    // Posted out of order: fill the gap from the database, in order.
                    catch_up(live, follower, &mut last_seen, out).await?;
                    last_seen = last_seen.max(published.update.seq);
                }
                Ok(published) => {
                    if let Some(frame) = follower.frame_for(&published) {
                        out.text(frame.clone()).await?;
                    }
                    last_seen = published.update.seq;
                }
                Err(RecvError::Lagged(_)) => {
                    live.counters.let_go("resync");
                    out.send(&ServerMessage::Resync).await?;
                    return Ok(());
                }
                Err(RecvError::Closed) => return Ok(()),
            },
            changed = next_signal(&mut presence) => {
                if changed.is_ok() {
                    let now = read_presence(live, event_id).await?;
                    out.send(&counts(live, event_id, &now)).await?;
                    // After the "home safe by" time the list follows each check-out.
                    if let Some(safety) = missing(follower, &now, true) {
                        out.send(&safety).await?;
                    }
                }
            }
            changed = next_signal(&mut changes) => {
                let concerned = match (&changed, &follower.access) {
                    (Ok(id), Access::Organizer(mine)) => **id == **mine,
                    (Err(RecvError::Lagged(_)), _) => true,
                    _ => false,
                };
                if concerned && !still_organizer(live, follower).await {
                    live.counters.let_go("revoked");
                    out.error("your organizer access has ended; reconnect to follow as the public").await?;
                    return Ok(());
                }
            }
            _ = recheck.tick(), if organizer || follower.access.is_attendee() => {
                // In case a change was made where this instance could not hear of it (the
                // command line on SQLite), or a session expired.
                if organizer {
                    if !still_organizer(live, follower).await {
                        live.counters.let_go("revoked");
                        out.error("your organizer access has ended; reconnect to follow as the public").await?;
                        return Ok(());
                    }
                } else {
                    judge_again(live, follower, out).await?;
                }
            }
            heard = hear(out, stream) => {
                last_heard = Instant::now();
                match heard {
                    Heard::Hello(_) => out.error("already following; reconnect to change credentials").await?,
                    Heard::Garbage(message) => out.error(&message).await?,
                    Heard::Other => {}
                    Heard::TooLarge => return Err(Ending::TooLarge),
                    Heard::Nothing | Heard::Gone => return Err(Ending::Closed),
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > timing.client_timeout {
                    live.counters.let_go("timeout");
                    return Ok(());
                }
                out.ping().await?;
            }
        }
    }
}
