//! What organizers send to make a door link, and what a door volunteer sends from the door
//! list: its search and its "arrived" button, parsed into the domain's types.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::domain::door::{parse_rsvp_id, NameSearch};
use crate::domain::FieldError;

/// `POST /api/v1/events/{id}/door-links`. `expires_at` must be in the future and at most 7 days
/// after the event ends (otherwise `422` naming `expires_at`).
/// (No example in the document: any fixed time would be too late for some event, or past.)
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DoorLinkInput {
    /// When the link stops working; left out or `null`, the event's end plus 2 hours.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

/// The organizer page's form: an optional end, typed in the group's time zone (blank: the
/// default), read with `views::time::from_input`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DoorLinkForm {
    pub expires_at: String,
}

/// `GET /door/{token}?q=NAME`: the plain search that works without JavaScript.
#[derive(Debug, Default, Deserialize)]
pub struct DoorQuery {
    pub q: Option<String>,
    /// After an "arrived" button: whose arrival was just recorded (to say so).
    pub arrived: Option<String>,
}

impl DoorQuery {
    pub fn search(&self) -> Result<Option<NameSearch>, FieldError> {
        NameSearch::parse(self.q.as_deref())
    }
}

/// `POST /door/{token}`: the "arrived" button of one RSVP, with the search it was pressed
/// under (so the list comes back as it was).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ArrivalForm {
    pub rsvp_id: String,
    pub q: String,
}

/// An arrival to record: which RSVP, and the search to show afterwards.
pub struct Arrival {
    pub rsvp_id: String,
    pub search: Option<NameSearch>,
}

impl ArrivalForm {
    pub fn parse(&self) -> Result<Arrival, FieldError> {
        Ok(Arrival {
            rsvp_id: parse_rsvp_id(&self.rsvp_id)?,
            search: NameSearch::parse(Some(&self.q))?,
        })
    }
}
