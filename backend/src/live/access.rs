//! Who a live follower is, from the credential they present: an organizer (API token or
//! session), an RSVP's manage token (public, attendees if going, and their role), or nobody
//! (public). One rule for the websocket and the update history alike.

use chrono::Utc;

use crate::db::{credentials, rsvps, DbConnection};
use crate::domain::live::Audience;
use crate::domain::rsvp::RsvpStatus;
use crate::error::AppError;
use crate::privacy::secrets::hash_token;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Public,
    Attendee(Vec<Audience>),
    /// An enabled organizer, by id (so their connections can be re-checked when an admin
    /// disables them or their token is revoked).
    Organizer(String),
}

impl Access {
    /// The audiences this follower receives; `None` means all of them.
    pub fn audiences(&self) -> Option<&[Audience]> {
        match self {
            Access::Public => Some(&[Audience::Public]),
            Access::Attendee(audiences) => Some(audiences),
            Access::Organizer(_) => None,
        }
    }

    pub fn is_organizer(&self) -> bool {
        matches!(self, Access::Organizer(_))
    }

    pub fn may_see(&self, audience: Audience) -> bool {
        self.audiences()
            .is_none_or(|audiences| audiences.contains(&audience))
    }

    pub fn audience_words(&self) -> Vec<&'static str> {
        match self.audiences() {
            Some(audiences) => audiences.iter().map(|a| a.as_str()).collect(),
            None => Audience::all().iter().map(|a| a.as_str()).collect(),
        }
    }
}

/// Resolve a presented token (organizer API token or manage token) or session cookie.
/// `Err(NotFound)` when a token was presented and matches nothing for this event.
pub fn resolve(
    conn: &mut DbConnection,
    event_id: &str,
    token: Option<&str>,
    session: Option<&str>,
) -> Result<Access, AppError> {
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        if let Some(organizer) = credentials::organizer_for_api_token(conn, &hash_token(token))? {
            return Ok(Access::Organizer(organizer.id));
        }
        let (rsvp, _) = rsvps::find_by_token(conn, token)?.ok_or(AppError::NotFound)?;
        if rsvp.event_id != event_id {
            return Err(AppError::NotFound);
        }
        if rsvp.status != RsvpStatus::Going {
            return Ok(Access::Public);
        }
        let mut audiences = vec![Audience::Public, Audience::Attendees];
        audiences.extend(rsvp.role.map(Audience::Role));
        return Ok(Access::Attendee(audiences));
    }
    if let Some(session) = session {
        let organizer = credentials::organizer_for_session(conn, &hash_token(session), Utc::now())?;
        if let Some(organizer) = organizer.filter(|o| !o.must_change_password) {
            return Ok(Access::Organizer(organizer.id));
        }
    }
    Ok(Access::Public)
}
