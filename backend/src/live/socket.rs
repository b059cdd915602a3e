//! The live websocket. The client's first message is `{"type": "hello", "token": …}` (or no
//! token, to follow the public audience); the server answers `welcome`, replays every update
//! after `?after=` the client may see, then streams new ones in sequence order with no gap and
//! no duplicate. Organizers also get `counts`. A client too slow to keep up is told `resync`.

use std::time::{Duration, Instant};

use actix_ws::{Message, MessageStream, Session};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::error::RecvError;

use super::access::{resolve, Access};
use crate::db::live as updates_db;
use crate::domain::live::LiveUpdate;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::event_json::rfc3339;

/// How often the server pings.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);
/// A client silent this long is disconnected.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(45);
/// How long a new connection may take to say hello.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest frame a client may send.
pub const MAX_FRAME_BYTES: usize = 4 * 1024;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum ClientMessage {
    Hello {
        #[serde(default)]
        token: Option<String>,
    },
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum ServerMessage<'a> {
    Welcome {
        audiences: Vec<&'static str>,
    },
    Update {
        seq: i32,
        kind: &'static str,
        audience: &'static str,
        text: &'a str,
        location: Option<&'a str>,
        created_at: String,
    },
    Counts {
        followers: usize,
        checked_in: i64,
        safe: i64,
        not_yet_safe: i64,
    },
    Resync,
    Error {
        message: String,
    },
}

impl<'a> ServerMessage<'a> {
    pub fn update(update: &'a LiveUpdate) -> Self {
        ServerMessage::Update {
            seq: update.seq,
            kind: update.kind.as_str(),
            audience: update.audience.as_str(),
            text: &update.text,
            location: update.location.as_deref(),
            created_at: rfc3339(update.created_at),
        }
    }
}

/// Why a connection ended early.
enum Ending {
    Closed,
    Fault,
}

/// A message as a JSON text frame.
pub fn frame(message: &ServerMessage<'_>) -> String {
    // Serializing these plain structs cannot fail; an empty frame would be ignored by clients.
    serde_json::to_string(message).unwrap_or_default()
}

async fn send(session: &mut Session, message: &ServerMessage<'_>) -> Result<(), Ending> {
    session
        .text(frame(message))
        .await
        .map_err(|_| Ending::Closed)
}

async fn error(session: &mut Session, message: &str) -> Result<(), Ending> {
    send(
        session,
        &ServerMessage::Error {
            message: message.to_string(),
        },
    )
    .await
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

async fn hear(session: &mut Session, stream: &mut MessageStream) -> Heard {
    match stream.recv().await {
        Some(Ok(Message::Text(text))) => match serde_json::from_str::<ClientMessage>(&text) {
            Ok(ClientMessage::Hello { token }) => Heard::Hello(token),
            Err(error) => Heard::Garbage(format!("not a message this server understands: {error}")),
        },
        Some(Ok(Message::Binary(_))) => Heard::Garbage("send JSON text frames".into()),
        Some(Ok(Message::Ping(bytes))) => {
            let _ = session.pong(&bytes).await;
            Heard::Other
        }
        Some(Ok(Message::Pong(_) | Message::Continuation(_) | Message::Nop)) => Heard::Other,
        Some(Err(actix_ws::ProtocolError::Overflow)) => Heard::TooLarge,
        Some(Ok(Message::Close(_))) | Some(Err(_)) => Heard::Gone,
        None => Heard::Nothing,
    }
}

/// Serve one follower until they leave or fall too far behind.
pub async fn serve(
    state: actix_web::web::Data<AppState>,
    event_id: String,
    after: i32,
    session_cookie: Option<String>,
    mut session: Session,
    mut stream: MessageStream,
) {
    let access = match greet(&state, &event_id, session_cookie, &mut session, &mut stream).await {
        Ok(access) => access,
        Err(_) => {
            let _ = session.close(None).await;
            return;
        }
    };
    let outcome = follow(&state, &event_id, after, &access, &mut session, &mut stream).await;
    if !matches!(outcome, Err(Ending::Closed)) {
        let _ = session.close(None).await;
    }
}

/// Wait for hello, resolve who this is, and welcome them.
async fn greet(
    state: &AppState,
    event_id: &str,
    session_cookie: Option<String>,
    session: &mut Session,
    stream: &mut MessageStream,
) -> Result<Access, Ending> {
    let deadline = tokio::time::Instant::now() + HELLO_TIMEOUT;
    loop {
        let heard = tokio::time::timeout_at(deadline, hear(session, stream))
            .await
            .map_err(|_| Ending::Fault)?;
        let token = match heard {
            Heard::Hello(token) => token,
            Heard::Other => continue,
            Heard::Garbage(message) => {
                error(session, &message).await?;
                continue;
            }
            Heard::TooLarge => {
                error(session, "that message is too large").await?;
                return Err(Ending::Fault);
            }
            Heard::Nothing | Heard::Gone => return Err(Ending::Closed),
        };
        let (event_id_owned, cookie) = (event_id.to_string(), session_cookie.clone());
        let resolved = crate::db::run(&state.pool, move |conn| {
            resolve(conn, &event_id_owned, token.as_deref(), cookie.as_deref())
        })
        .await;
        match resolved {
            Ok(access) => {
                send(
                    session,
                    &ServerMessage::Welcome {
                        audiences: access.audience_words(),
                    },
                )
                .await?;
                return Ok(access);
            }
            Err(AppError::NotFound) => {
                error(session, "that token is not valid for this event").await?
            }
            Err(_) => error(session, "could not check that token; try again").await?,
        }
    }
}

async fn counts(state: &AppState, event_id: &str) -> Result<ServerMessage<'static>, Ending> {
    let id = event_id.to_string();
    let presence = crate::db::run(&state.pool, move |conn| updates_db::presence(conn, &id))
        .await
        .map_err(|_| Ending::Fault)?;
    Ok(ServerMessage::Counts {
        followers: state.live.followers(event_id),
        checked_in: presence.checked_in,
        safe: presence.safe,
        not_yet_safe: presence.not_yet_safe.len() as i64,
    })
}

/// Send every visible update after `*last_seen`, from the database.
async fn catch_up(
    state: &AppState,
    event_id: &str,
    access: &Access,
    last_seen: &mut i32,
    session: &mut Session,
) -> Result<(), Ending> {
    let (id, from, audiences) = (
        event_id.to_string(),
        *last_seen,
        access.audiences().map(<[_]>::to_vec),
    );
    let missed = crate::db::run(&state.pool, move |conn| {
        updates_db::after(conn, &id, from, audiences.as_deref())
    })
    .await
    .map_err(|_| Ending::Fault)?;
    for update in &missed {
        send(session, &ServerMessage::update(update)).await?;
        *last_seen = (*last_seen).max(update.seq);
    }
    Ok(())
}

async fn follow(
    state: &AppState,
    event_id: &str,
    after: i32,
    access: &Access,
    session: &mut Session,
    stream: &mut MessageStream,
) -> Result<(), Ending> {
    // Subscribe before replaying, so nothing posted in between is missed.
    let (mut updates, _following) = state.live.follow(event_id);
    let mut presence = (*access == Access::Organizer).then(|| state.live.watch_presence(event_id));
    let mut last_seen = after;
    catch_up(state, event_id, access, &mut last_seen, session).await?;
    if presence.is_some() {
        send(session, &counts(state, event_id).await?).await?;
    }
    let mut heartbeat = tokio::time::interval(HEARTBEAT_INTERVAL);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            received = updates.recv() => match received {
                Ok(published) if published.update.seq <= last_seen => {}
                Ok(published) if published.update.seq > last_seen + 1 => {
                    // Posted out of order: fill the gap from the database, in order.
                    catch_up(state, event_id, access, &mut last_seen, session).await?;
                    last_seen = last_seen.max(published.update.seq);
                }
                Ok(published) => {
                    if access.may_see(published.update.audience) {
                        session.text(published.frame.clone()).await.map_err(|_| Ending::Closed)?;
                    }
                    last_seen = published.update.seq;
                }
                Err(RecvError::Lagged(_)) => {
                    send(session, &ServerMessage::Resync).await?;
                    return Ok(());
                }
                Err(RecvError::Closed) => return Ok(()),
            },
            changed = async {
                match presence.as_mut() {
                    Some(receiver) => receiver.recv().await.is_ok(),
                    None => std::future::pending().await,
                }
            } => {
                if changed {
                    send(session, &counts(state, event_id).await?).await?;
                }
            }
            heard = hear(session, stream) => {
                last_heard = Instant::now();
                match heard {
                    Heard::Hello(_) => error(session, "already following; reconnect to change credentials").await?,
                    Heard::Garbage(message) => error(session, &message).await?,
                    Heard::Other => {}
                    Heard::TooLarge => {
                        error(session, "that message is too large").await?;
                        return Ok(());
                    }
                    Heard::Nothing | Heard::Gone => return Err(Ending::Closed),
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT {
                    return Ok(());
                }
                session.ping(b"").await.map_err(|_| Ending::Closed)?;
            }
        }
    }
}
