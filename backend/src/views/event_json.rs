//! The API's event shapes as it writes them: `EventJson` (location only when the viewer may see
//! it) and `EventListJson`. What clients send is in `requests::event`.

use chrono::{DateTime, Utc};
use serde::Serialize;

use std::collections::BTreeMap;

use crate::domain::access::{location_for, may_see_exact_counts, Viewer};
use crate::domain::event::rfc3339;
use crate::domain::event::{
    Access, CountDisplay, Event, EventKind, EventStatus, LocationPrivacy, Role, Visibility,
};
use crate::domain::question::Question;
use crate::domain::quota::still_needed;

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
    /// Actions only: by when everyone who arrived should have checked out home safe.
    #[schema(required, format = DateTime)]
    pub safe_by: Option<String>,
    #[schema(required)]
    pub going_count: Option<i64>,
    pub url: String,
    /// The series this event is an occurrence of (`GET /api/v1/series/{series_id}`), or `null`.
    #[schema(required)]
    pub series_id: Option<String>,
    /// How many people each role needs (goals, not caps).
    #[schema(value_type = BTreeMap<String, i64>)]
    pub roles_needed: BTreeMap<&'static str, i64>,
    /// Going RSVPs in each role. `null` for the public when `count_display` is `rounded` or
    /// `hidden` (a role's count would give away part of the exact number).
    #[schema(required, value_type = Option<BTreeMap<String, i64>>)]
    pub roles_filled: Option<BTreeMap<&'static str, i64>>,
    /// The roles whose goal is not met yet (shown to everyone).
    pub roles_still_needed: Vec<Role>,
    pub access: Access,
    pub who_for: String,
    /// Asked with each RSVP (answers go in the RSVP's `answers`).
    #[schema(value_type = Vec<QuestionJson>)]
    pub questions: Vec<Question>,
}

/// One RSVP question as the API writes it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuestionJson {
    pub id: String,
    pub label: String,
    pub kind: crate::domain::question::QuestionKind,
    pub options: Vec<String>,
    pub required: bool,
}

/// What the public sees of an invitation-only event without a valid code: its cover title (or
/// neutral words), its time and who it is for. `outline` is always `true`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventOutlineJson {
    pub id: String,
    pub title: String,
    #[schema(format = DateTime)]
    pub starts_at: String,
    #[schema(format = DateTime)]
    pub ends_at: String,
    pub status: EventStatus,
    pub access: Access,
    pub who_for: String,
    pub outline: bool,
    pub url: String,
}

impl EventOutlineJson {
    /// `neutral`: the words used when the event has no cover title.
    pub fn new(event: &Event, neutral: &str, public_base: &str) -> Self {
        let d = &event.draft;
        EventOutlineJson {
            id: event.id.clone(),
            title: d.cover_title.clone().unwrap_or_else(|| neutral.to_string()),
            starts_at: rfc3339(d.starts_at),
            ends_at: rfc3339(d.ends_at),
            status: event.status,
            access: d.access,
            who_for: d.who_for.clone(),
            outline: true,
            url: format!("{public_base}/events/{}", event.id),
        }
    }
}

/// `GET /api/v1/events/{id}`: the event, or only its outline (`access::shows_details`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum EventOrOutline {
    Event(Box<EventJson>),
    Outline(EventOutlineJson),
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
            safe_by: d.safe_by.map(rfc3339),
            going_count,
            url: format!("{public_base}/events/{}", event.id),
            access: d.access,
            who_for: d.who_for.clone(),
            questions: d.questions.clone(),
            series_id: event.series_id.clone(),
            roles_needed: d.roles_needed.to_map(),
            roles_filled: may_see_exact_counts(event, &viewer).then(|| {
                d.roles
                    .iter()
                    .map(|role| (role.as_str(), event.roles_filled.get(*role)))
                    .collect()
            }),
            roles_still_needed: still_needed(event),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::event::tests::sample;

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
}
