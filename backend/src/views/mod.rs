//! What people see: askama page templates (in `frontend/templates`) and the view models that
//! feed them, plus the API's JSON shapes. Views format; they never decide who may see what
//! (that is `privacy::location`).

pub mod error_page;
pub mod event_form;
pub mod event_json;
pub mod pages;
pub mod qr;
pub mod rsvp_view;
pub mod time;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::event::{CountDisplay, Event};
use crate::privacy::location::{location_for, LocationView, Viewer};

/// The frame around every page.
pub struct Chrome {
    pub title: String,
    /// The signed-in organizer's handle, on organizer pages.
    pub organizer: Option<String>,
}

impl Chrome {
    pub fn public(title: impl Into<String>) -> Self {
        Chrome {
            title: title.into(),
            organizer: None,
        }
    }

    pub fn organizer(title: impl Into<String>, handle: &str) -> Self {
        Chrome {
            title: title.into(),
            organizer: Some(handle.to_string()),
        }
    }
}

/// What a page says about where an event is.
pub fn location_line(view: &LocationView<'_>, tz: Tz) -> String {
    match view {
        LocationView::Shown(text) => (*text).to_string(),
        LocationView::NotYetSet => "Location to be announced".into(),
        LocationView::ForAttendees => "Location shared with attendees".into(),
        LocationView::RevealedAt(at) => format!(
            "Location shared with attendees at {}",
            time::moment(*at, tz)
        ),
        LocationView::ForApproved => "Location shared with approved attendees".into(),
    }
}

/// One event in a list.
pub struct EventCard {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub starts: String,
    pub span: String,
    pub cancelled: bool,
    pub unlisted: bool,
    pub location_line: String,
    pub tags: Vec<String>,
}

impl EventCard {
    pub fn new(event: &Event, viewer: Viewer, tz: Tz, now: DateTime<Utc>) -> Self {
        let d = &event.draft;
        EventCard {
            id: event.id.clone(),
            title: d.title.clone(),
            kind: d.kind.as_str(),
            kind_label: d.kind.label(),
            starts: time::time_of_day(d.starts_at, tz),
            span: time::span(d.starts_at, d.ends_at, tz),
            cancelled: event.is_cancelled(),
            unlisted: d.visibility == crate::domain::event::Visibility::Unlisted,
            location_line: location_line(&location_for(event, viewer, now), tz),
            tags: d.tags.clone(),
        }
    }
}

/// Events under the day they start on, in the group's time zone.
pub struct DayGroup {
    pub heading: String,
    pub events: Vec<EventCard>,
}

pub fn group_by_day(events: &[Event], viewer: Viewer, tz: Tz, now: DateTime<Utc>) -> Vec<DayGroup> {
    let mut days: Vec<DayGroup> = Vec::new();
    for event in events {
        let heading = time::day_heading(event.draft.starts_at, tz);
        let card = EventCard::new(event, viewer, tz, now);
        match days.last_mut() {
            Some(day) if day.heading == heading => day.events.push(card),
            _ => days.push(DayGroup {
                heading,
                events: vec![card],
            }),
        }
    }
    days
}

/// A link in a filter bar.
pub struct FilterLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// Everything the event page shows.
pub struct EventDetail {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub span: String,
    pub cancelled: bool,
    pub ended: bool,
    pub location_line: String,
    pub location_shown: bool,
    pub description_html: String,
    pub accessibility: String,
    pub language: String,
    pub capacity_line: Option<String>,
    pub going_line: Option<String>,
    pub tags: Vec<String>,
    pub roles: Vec<&'static str>,
    /// Places left, when the event has a capacity.
    pub places_left: Option<i32>,
    /// Whether people can still RSVP (scheduled and not ended).
    pub rsvp_open: bool,
}

impl EventDetail {
    pub fn new(event: &Event, viewer: Viewer, tz: Tz, now: DateTime<Utc>) -> Self {
        let d = &event.draft;
        let location = location_for(event, viewer, now);
        let going = i64::from(event.places_taken);
        let rounded = d.count_display == CountDisplay::Rounded && viewer != Viewer::Organizer;
        let shown = if viewer == Viewer::Organizer {
            Some(going)
        } else {
            d.count_display.shown(going)
        };
        let going_line = shown.map(|count| match count {
            0 if rounded && going > 0 => "A few people going".to_string(),
            0 => "Nobody yet: be the first".to_string(),
            _ if rounded => format!("{count}+ going"),
            1 => "1 person going".to_string(),
            _ => format!("{count} people going"),
        });
        let places_left = d
            .capacity
            .map(|capacity| (capacity - event.places_taken).max(0));
        EventDetail {
            id: event.id.clone(),
            title: d.title.clone(),
            kind: d.kind.as_str(),
            kind_label: d.kind.label(),
            span: time::span(d.starts_at, d.ends_at, tz),
            cancelled: event.is_cancelled(),
            ended: event.has_ended(now),
            location_shown: location.text().is_some(),
            location_line: location_line(&location, tz),
            description_html: event.description_html.clone(),
            accessibility: d.accessibility.clone(),
            language: d.language.clone(),
            capacity_line: d.capacity.map(|capacity| format!("{capacity} places")),
            going_line,
            tags: d.tags.clone(),
            roles: d.roles.iter().map(|role| role.label()).collect(),
            places_left,
            rsvp_open: !event.is_cancelled() && !event.has_ended(now),
        }
    }
}

/// A rendered page as a response.
pub fn render_html<T: askama::Template>(
    page: &T,
) -> Result<actix_web::HttpResponse, crate::error::AppError> {
    Ok(actix_web::HttpResponse::Ok()
        .content_type(HTML)
        .body(page.render()?))
}

/// The content type of every page.
pub const HTML: &str = "text/html; charset=utf-8";

/// Percent-encode a value for a query string.
pub fn url_encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}
