//! Door links as they are shown: the door volunteer's list (`/door/{token}`), the organizer's
//! page that makes and revokes links, and the API's JSON. The door list shows only what
//! `domain::door::DoorLine` carries: no needs, answers, email or location.

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::pages::FormError;
use super::rsvp_view::role_label;
use super::Chrome;
use crate::domain::door::{DoorCounts, DoorLine, DoorLink, NameSearch};
use crate::domain::event::{rfc3339, Event};
use crate::i18n::time::{moment, span};
use crate::i18n::Lang;

/// One person on the door list, as the page shows them.
pub struct DoorRow {
    pub rsvp_id: String,
    pub pseudonym: String,
    /// The name lower-cased, for the filter-as-you-type script.
    pub search_name: String,
    pub guests: i32,
    pub role: String,
    pub arrived: bool,
}

/// `GET /door/{token}`: who is going, a search, and an "arrived" button each. The page's title
/// stays neutral and the event is named by its cover title when it has one (the page sits on a
/// volunteer's phone, in view at the door and in its history); no location is ever on it.
#[derive(Template)]
#[template(path = "door.html")]
pub struct DoorPage {
    pub chrome: Chrome,
    pub door_path: String,
    pub event_title: String,
    pub when: String,
    pub cancelled: bool,
    pub expires: String,
    /// The search as typed (empty: none).
    pub search: String,
    pub rows: Vec<DoorRow>,
    /// Everyone going, whatever the search shows.
    pub counts: DoorCounts,
    pub notice: Option<String>,
}

impl DoorPage {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        chrome: Chrome,
        door_path: String,
        link: &DoorLink,
        event: &Event,
        lines: &[DoorLine],
        search: Option<&NameSearch>,
        tz: Tz,
        lang: Lang,
    ) -> Self {
        let rows = lines
            .iter()
            .filter(|line| search.is_none_or(|search| search.matches(&line.pseudonym)))
            .map(|line| DoorRow {
                rsvp_id: line.rsvp_id.clone(),
                search_name: line.pseudonym.to_lowercase(),
                pseudonym: line.pseudonym.clone(),
                guests: line.guests,
                role: role_label(line.role, lang),
                arrived: line.arrived,
            })
            .collect();
        DoorPage {
            chrome,
            door_path,
            event_title: event
                .draft
                .cover_title
                .clone()
                .unwrap_or_else(|| event.draft.title.clone()),
            when: span(event.draft.starts_at, event.draft.ends_at, tz, lang),
            cancelled: event.is_cancelled(),
            expires: moment(link.expires_at, tz, lang),
            search: search.map(|s| s.as_str().to_string()).unwrap_or_default(),
            rows,
            counts: DoorCounts::of(lines),
            notice: None,
        }
    }
}

/// One link on the organizer's page (never its token).
pub struct DoorLinkLine {
    pub id: String,
    pub created: String,
    pub expires: String,
    pub expired: bool,
}

impl DoorLinkLine {
    pub fn new(link: &DoorLink, tz: Tz, lang: Lang, now: DateTime<Utc>) -> Self {
        DoorLinkLine {
            id: link.id.clone(),
            created: moment(link.created_at, tz, lang),
            expires: moment(link.expires_at, tz, lang),
            expired: !crate::domain::door::is_open(link.expires_at, now),
        }
    }
}

/// `/organize/events/{id}/door`: make a door link, see the links, revoke one.
#[derive(Template)]
#[template(path = "organize/door_links.html")]
pub struct DoorLinksPage {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    /// A link just made: shown this once, in full.
    pub new_link: Option<String>,
    pub links: Vec<DoorLinkLine>,
    /// The end the form would give by default (two hours after the event ends).
    pub default_expiry: String,
    /// The form's field as typed.
    pub expires_at: String,
    pub errors: Vec<FormError>,
    pub notice: Option<String>,
}

impl DoorLinksPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.text(self.chrome.lang))
    }
}

/// A door link in the API (never its token).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DoorLinkJson {
    pub id: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

impl DoorLinkJson {
    pub fn new(link: &DoorLink) -> Self {
        DoorLinkJson {
            id: link.id.clone(),
            created_at: rfc3339(link.created_at),
            expires_at: rfc3339(link.expires_at),
        }
    }
}

/// The answer to making a link: its `url` (`/door/{token}`) is shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewDoorLinkJson {
    pub id: String,
    /// `/door/{token}`, relative to the site: give it to the door volunteer.
    pub url: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

impl NewDoorLinkJson {
    pub fn new(link: &DoorLink, token: &str) -> Self {
        NewDoorLinkJson {
            id: link.id.clone(),
            url: door_path(token),
            created_at: rfc3339(link.created_at),
            expires_at: rfc3339(link.expires_at),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DoorLinkListJson {
    pub door_links: Vec<DoorLinkJson>,
}

/// The door list's path for a token.
pub fn door_path(token: &str) -> String {
    format!("/door/{token}")
}
