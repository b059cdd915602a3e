//! The API's event shapes: `EventJson` out (location only when the viewer may see it),
//! `EventInput` for create and `EventPatch` for edit, both ending as a validated `EventDraft`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use crate::db::events::Cursor;
use crate::domain::access::{location_for, Viewer};
use crate::domain::event::{
    CountDisplay, Event, EventDraft, EventKind, EventStatus, LocationPrivacy, Role, Visibility,
    DEFAULT_REMINDER_OFFSETS,
};
use crate::domain::FieldError;
use crate::error::AppError;

pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventJson {
    pub id: String,
    pub title: String,
    #[schema(required)]
    pub cover_title: Option<String>,
    pub kind: EventKind,
    pub description: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub location_privacy: LocationPrivacy,
    #[schema(required, format = DateTime)]
    pub location_reveal_at: Option<String>,
    #[schema(required)]
    pub capacity: Option<i32>,
    pub tags: Vec<String>,
    pub accessibility: String,
    pub language: String,
    pub visibility: Visibility,
    pub status: EventStatus,
    pub approval_required: bool,
    pub roles: Vec<Role>,
    pub reminder_offsets_minutes: Vec<i32>,
    pub count_display: CountDisplay,
    #[schema(required)]
    pub going_count: Option<i64>,
    pub url: String,
}

impl EventJson {
    /// The going count is shown as the event's `count_display` allows (organizers always see
    /// the exact number); the location only to a viewer who may see it at `now`.
    pub fn new(event: &Event, viewer: Viewer, public_base: &str, now: DateTime<Utc>) -> Self {
        let d = &event.draft;
        let going = i64::from(event.places_taken);
        let going_count = match viewer {
            Viewer::Organizer => Some(going),
            _ => d.count_display.shown(going),
        };
        EventJson {
            id: event.id.clone(),
            title: d.title.clone(),
            cover_title: d.cover_title.clone(),
            kind: d.kind,
            description: d.description.clone(),
            starts_at: rfc3339(d.starts_at),
            ends_at: rfc3339(d.ends_at),
            location: location_for(event, viewer, now).text().map(str::to_owned),
            location_privacy: d.location_privacy,
            location_reveal_at: d.location_reveal_at.map(rfc3339),
            capacity: d.capacity,
            tags: d.tags.clone(),
            accessibility: d.accessibility.clone(),
            language: d.language.clone(),
            visibility: d.visibility,
            status: event.status,
            approval_required: d.approval_required,
            roles: d.roles.clone(),
            reminder_offsets_minutes: d.reminder_offsets_minutes.clone(),
            count_display: d.count_display,
            going_count,
            url: format!("{public_base}/events/{}", event.id),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventListJson {
    pub events: Vec<EventJson>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[schema(required)]
    pub next_cursor: Option<String>,
}

pub fn encode_cursor(event: &Event) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", rfc3339(event.draft.starts_at), event.id))
}

pub fn decode_cursor(raw: &str) -> Result<Cursor, AppError> {
    let bad = || AppError::invalid("cursor", "this cursor is not one the server gave out");
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (at, id) = text.split_once('|').ok_or_else(bad)?;
    let starts_at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| bad())?
        .with_timezone(&Utc);
    Ok(Cursor {
        starts_at,
        id: id.to_string(),
    })
}

fn public() -> LocationPrivacy {
    LocationPrivacy::Public
}
fn listed() -> Visibility {
    Visibility::Listed
}
fn exact() -> CountDisplay {
    CountDisplay::Exact
}

/// `POST /api/v1/events`. Only `title`, `kind`, `starts_at` and `ends_at` are required.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EventInput {
    #[schema(min_length = 1, max_length = 140)]
    pub title: String,
    #[serde(default)]
    pub cover_title: Option<String>,
    pub kind: EventKind,
    #[serde(default)]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub location: String,
    #[serde(default = "public")]
    pub location_privacy: LocationPrivacy,
    #[serde(default)]
    pub location_reveal_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100_000)]
    pub capacity: Option<i32>,
    #[serde(default)]
    #[schema(max_items = 12)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub accessibility: String,
    #[serde(default)]
    pub language: String,
    #[serde(default = "listed")]
    pub visibility: Visibility,
    #[serde(default)]
    pub approval_required: bool,
    #[serde(default)]
    pub roles: Option<Vec<Role>>,
    #[serde(default)]
    pub reminder_offsets_minutes: Option<Vec<i32>>,
    #[serde(default = "exact")]
    pub count_display: CountDisplay,
}

impl EventInput {
    pub fn into_draft(self) -> Result<EventDraft, FieldError> {
        EventDraft {
            roles: self
                .roles
                .unwrap_or_else(|| EventDraft::default_roles(self.kind)),
            kind: self.kind,
            title: self.title,
            cover_title: self.cover_title,
            description: self.description,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            location: self.location,
            location_privacy: self.location_privacy,
            location_reveal_at: self.location_reveal_at,
            capacity: self.capacity,
            tags: self.tags,
            accessibility: self.accessibility,
            language: self.language,
            visibility: self.visibility,
            approval_required: self.approval_required,
            reminder_offsets_minutes: self
                .reminder_offsets_minutes
                .unwrap_or_else(|| DEFAULT_REMINDER_OFFSETS.to_vec()),
            count_display: self.count_display,
        }
        .validate()
    }
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn explicit<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /api/v1/events/{id}`: any subset of the fields; `null` clears an optional one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EventPatch {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "explicit")]
    pub cover_title: Option<Option<String>>,
    pub kind: Option<EventKind>,
    pub description: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub location: Option<String>,
    pub location_privacy: Option<LocationPrivacy>,
    #[serde(default, deserialize_with = "explicit")]
    pub location_reveal_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "explicit")]
    pub capacity: Option<Option<i32>>,
    pub tags: Option<Vec<String>>,
    pub accessibility: Option<String>,
    pub language: Option<String>,
    pub visibility: Option<Visibility>,
    pub approval_required: Option<bool>,
    pub roles: Option<Vec<Role>>,
    pub reminder_offsets_minutes: Option<Vec<i32>>,
    pub count_display: Option<CountDisplay>,
}

impl EventPatch {
    /// The event's current draft with this patch applied, validated as a whole.
    pub fn apply_to(self, current: &EventDraft) -> Result<EventDraft, FieldError> {
        let mut d = current.clone();
        macro_rules! take {
            ($($field:ident),+) => { $(if let Some(value) = self.$field { d.$field = value; })+ };
        }
        take!(
            title,
            cover_title,
            kind,
            description,
            starts_at,
            ends_at,
            location,
            location_privacy,
            location_reveal_at,
            capacity,
            tags,
            accessibility,
            language,
            visibility,
            approval_required,
            roles,
            reminder_offsets_minutes,
            count_display
        );
        d.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::parse_json;

    fn sample() -> Event {
        let input: EventInput = parse_json(
            br#"{"title": "Rally", "kind": "action", "starts_at": "2026-12-05T18:00:00-06:00",
                 "ends_at": "2026-12-05T20:00:00-06:00", "location": "Secret corner",
                 "location_privacy": "attendees", "cover_title": "Friends meetup"}"#,
        )
        .expect("parses");
        Event::new(input.into_draft().expect("valid"), Utc::now())
    }

    #[test]
    fn defaults_and_times_in_utc() {
        let event = sample();
        let json = EventJson::new(&event, Viewer::Public, "https://x.org", Utc::now());
        assert_eq!(json.starts_at, "2026-12-06T00:00:00Z");
        assert_eq!(json.reminder_offsets_minutes, vec![1440, 120]);
        assert_eq!(
            json.roles.len(),
            Role::ALL.len(),
            "actions offer every role by default"
        );
        assert_eq!(json.url, format!("https://x.org/events/{}", event.id));
    }

    #[test]
    fn hidden_location_is_absent_for_the_public() {
        let event = sample();
        let public = serde_json::to_string(&EventJson::new(&event, Viewer::Public, "", Utc::now()))
            .expect("json");
        assert!(!public.contains("Secret corner"));
        assert!(!public.contains("\"location\":"));
        let organizer =
            serde_json::to_string(&EventJson::new(&event, Viewer::Organizer, "", Utc::now()))
                .expect("json");
        assert!(organizer.contains("Secret corner"));
    }

    #[test]
    fn patch_null_clears_and_absent_keeps() {
        let event = sample();
        let patch: EventPatch =
            parse_json(br#"{"cover_title": null, "capacity": 5}"#).expect("parses");
        let draft = patch.apply_to(&event.draft).expect("valid");
        assert_eq!(draft.cover_title, None);
        assert_eq!(draft.capacity, Some(5));
        assert_eq!(draft.title, "Rally");
    }

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let event = sample();
        let cursor = decode_cursor(&encode_cursor(&event)).expect("decodes");
        assert_eq!(cursor.id, event.id);
        assert_eq!(cursor.starts_at, event.draft.starts_at);
        assert!(decode_cursor("!!!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("no separator")).is_err());
    }
}
