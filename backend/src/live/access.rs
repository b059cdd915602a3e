//! Who a live follower is, from the credential they present: an organizer (API token or
//! session), an RSVP's manage token (judged by its row as it stands now), or nobody (the
//! public). What each of them may see is the access policy's to say (`domain::access`); this
//! only finds the viewer, for the websocket, the update history and the live pages alike.

use chrono::Utc;

use crate::db::{credentials, rsvps, DbConnection, Error};
use crate::domain::access::{Standing, Viewer};
use crate::privacy::secrets::hash_token;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Public,
    /// The holder of a manage link for an RSVP to this event, by the RSVP's id (so their
    /// connections can be judged again when it changes).
    Attendee {
        rsvp_id: String,
        standing: Standing,
    },
    /// An enabled organizer, by id (so their connections can be re-checked when an admin
    /// disables them or their token is revoked).
    Organizer(String),
}

impl Access {
    /// The viewer the access policy judges.
    pub fn viewer(&self) -> Viewer {
        match self {
            Access::Public => Viewer::Public,
            Access::Attendee { standing, .. } => Viewer::Attendee(*standing),
            Access::Organizer(_) => Viewer::Organizer,
        }
    }

    pub fn is_organizer(&self) -> bool {
        matches!(self, Access::Organizer(_))
    }

    pub fn is_attendee(&self) -> bool {
        matches!(self, Access::Attendee { .. })
    }
}

/// Resolve a presented token (organizer API token or manage token) or session cookie.
/// `Err(NotFound)` when a token was presented and matches nothing for this event.
pub fn resolve(
    conn: &mut DbConnection,
    event_id: &str,
    token: Option<&str>,
    session: Option<&str>,
) -> Result<Access, Error> {
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        if let Some(organizer) = credentials::organizer_for_api_token(conn, &hash_token(token))? {
            return Ok(Access::Organizer(organizer.id));
        }
        let (rsvp, _) = rsvps::find_by_token(conn, token)?.ok_or(Error::NotFound)?;
        if rsvp.event_id != event_id {
            return Err(Error::NotFound);
        }
        return Ok(Access::Attendee {
            standing: Standing::of(&rsvp),
            rsvp_id: rsvp.id,
        });
    }
    if let Some(session) = session {
        let organizer = credentials::organizer_for_session(conn, &hash_token(session), Utc::now())?;
        if let Some(organizer) = organizer.filter(|o| !o.must_change_password) {
            return Ok(Access::Organizer(organizer.id));
        }
    }
    Ok(Access::Public)
}
