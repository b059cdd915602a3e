//! The live websocket's messages: what a client says (`hello`), what the server says (`welcome`,
//! `update`, `counts`, `safety`, `resync`, `error`), each as one JSON text frame.

use serde::{Deserialize, Serialize};

use crate::domain::access::{self as policy, Viewer};
use crate::domain::event::{rfc3339, Event};
use crate::domain::live::LiveUpdate;

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
        /// A help request's: who asked (only responders ever get one).
        #[serde(skip_serializing_if = "Option::is_none")]
        pseudonym: Option<&'a str>,
    },
    Counts {
        followers: usize,
        checked_in: i64,
        safe: i64,
        not_yet_safe: i64,
    },
    /// After an action's "home safe by" time: who arrived and has not checked out home safe
    /// (to organizers and jail support only, `access::may_see_missing`).
    Safety {
        reason: &'static str,
        pseudonyms: Vec<String>,
    },
    Resync,
    Error {
        message: String,
    },
}

impl<'a> ServerMessage<'a> {
    /// An update, with the location the access policy lets this follower see (if any).
    pub fn update(update: &'a LiveUpdate, location: Option<&'a str>) -> Self {
        ServerMessage::Update {
            seq: update.seq,
            kind: update.kind.as_str(),
            audience: update.audience.as_str(),
            text: &update.text,
            location,
            created_at: rfc3339(update.created_at),
            pseudonym: update.pseudonym.as_deref(),
        }
    }

    /// The people not yet home safe after the event's "home safe by" time.
    pub fn not_yet_safe(pseudonyms: Vec<String>) -> Self {
        ServerMessage::Safety {
            reason: "not_yet_safe",
            pseudonyms,
        }
    }

    pub fn welcome(event: &Event, viewer: &Viewer) -> Self {
        ServerMessage::Welcome {
            audiences: policy::audiences(event, viewer)
                .iter()
                .map(|a| a.as_str())
                .collect(),
        }
    }
}

/// A message as a JSON text frame.
pub fn frame(message: &ServerMessage<'_>) -> String {
    // Serializing these plain structs cannot fail; an empty frame would be ignored by clients.
    serde_json::to_string(message).unwrap_or_default()
}

/// A client's text frame: its hello's token (`None` to follow the public audience), or why it
/// is not a message this server understands.
pub fn read_hello(text: &[u8]) -> Result<Option<String>, String> {
    match serde_json::from_slice::<ClientMessage>(text) {
        Ok(ClientMessage::Hello { token }) => Ok(token),
        Err(error) => Err(format!("not a message this server understands: {error}")),
    }
}
