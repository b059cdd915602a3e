//! What people see: askama page templates (in `frontend/templates`) and the view models that
//! feed them, plus the API's JSON shapes and the Atom feed. Views format; they never decide who
//! may see what (that is the access policy, `domain::access`).

pub mod atom;
pub mod door;
pub mod event_form;
pub mod event_json;
pub mod invites;
pub mod organizer_home;
pub mod outreach;
pub mod pages;
pub mod qr;
pub mod rsvp_view;
pub mod series;
pub mod time;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::access::{location_for, LocationView, Viewer};
use crate::domain::event::{CountDisplay, Event};
use crate::i18n::time::{day_heading, moment, span, time_of_day};
use crate::i18n::{Lang, Locale};

/// The frame around every page, and the words of the page's language.
pub struct Chrome {
    pub title: String,
    /// The signed-in organizer's handle, on organizer pages.
    pub organizer: Option<String>,
    pub lang: Lang,
    /// The language switch: this page in the other language.
    pub switch_href: String,
}

impl Chrome {
    pub fn public(title: impl Into<String>, locale: &Locale) -> Self {
        Chrome {
            title: title.into(),
            organizer: None,
            lang: locale.lang,
            switch_href: locale.switch_href.clone(),
        }
    }

    pub fn organizer(title: impl Into<String>, handle: &str, locale: &Locale) -> Self {
        Chrome {
            organizer: Some(handle.to_string()),
            ..Chrome::public(title, locale)
        }
    }

    /// A message of the page's language (templates call `chrome.t("…")`).
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    pub fn t_count(&self, id: &str, count: impl Count) -> String {
        self.lang.t_count(id, count.count())
    }

    pub fn t_text(&self, id: &str, name: &'static str, value: impl AsRef<str>) -> String {
        self.lang.t_text(id, name, value.as_ref())
    }

    /// Every audience's name but the public's, for the live page's script.
    pub fn audience_names(&self) -> Vec<(&'static str, String)> {
        let mut names = vec![
            ("attendees", self.lang.word("audience", "attendees")),
            ("responders", self.lang.word("audience", "responders")),
        ];
        names.extend(
            crate::domain::event::Role::ALL
                .iter()
                .map(|role| (role.as_str(), self.lang.word("role", role.as_str()))),
        );
        names
    }

    /// A message with two numbers, such as "5 places of 40".
    pub fn t_pair(
        &self,
        id: &str,
        first: &'static str,
        a: impl Count,
        second: &'static str,
        b: impl Count,
    ) -> String {
        use fluent_templates::fluent_bundle::FluentValue;
        self.lang.t_with(
            id,
            &[
                (first, FluentValue::from(a.count())),
                (second, FluentValue::from(b.count())),
            ],
        )
    }
}

/// A number a message can count, as templates hand it over (by value or by reference).
pub trait Count {
    fn count(&self) -> i64;
}

macro_rules! count_impl {
    ($($t:ty),+) => {$(
        impl Count for $t {
            fn count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )+};
}
count_impl!(i32, i64, usize);

impl<T: Count> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

/// What a page says about where an event is.
pub fn location_line(view: &LocationView<'_>, tz: Tz, lang: Lang) -> String {
    match view {
        LocationView::Shown(text) => (*text).to_string(),
        LocationView::NotYetSet => lang.t("location-not-set"),
        LocationView::ForAttendees => lang.t("location-for-attendees"),
        LocationView::RevealedAt(at) => {
            lang.t_text("location-revealed-at", "when", &moment(*at, tz, lang))
        }
        LocationView::ForApproved => lang.t("location-for-approved"),
    }
}

/// One event in a list.
pub struct EventCard {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: String,
    pub starts: String,
    pub span: String,
    pub cancelled: bool,
    pub unlisted: bool,
    pub location_line: String,
    pub tags: Vec<String>,
}

impl EventCard {
    pub fn new(event: &Event, viewer: Viewer, tz: Tz, lang: Lang, now: DateTime<Utc>) -> Self {
        let d = &event.draft;
        EventCard {
            id: event.id.clone(),
            title: d.title.clone(),
            kind: d.kind.as_str(),
            kind_label: lang.word("kind", d.kind.as_str()),
            starts: time_of_day(d.starts_at, tz, lang),
            span: span(d.starts_at, d.ends_at, tz, lang),
            cancelled: event.is_cancelled(),
            unlisted: d.visibility == crate::domain::event::Visibility::Unlisted,
            location_line: location_line(&location_for(event, viewer, now), tz, lang),
            tags: d.tags.clone(),
        }
    }
}

/// Events under the day they start on, in the group's time zone.
pub struct DayGroup {
    pub heading: String,
    pub events: Vec<EventCard>,
}

pub fn group_by_day(
    events: &[Event],
    viewer: Viewer,
    tz: Tz,
    lang: Lang,
    now: DateTime<Utc>,
) -> Vec<DayGroup> {
    let mut days: Vec<DayGroup> = Vec::new();
    for event in events {
        let heading = day_heading(event.draft.starts_at, tz, lang);
        let card = EventCard::new(event, viewer, tz, lang, now);
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
    pub kind_label: String,
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
    pub roles: Vec<String>,
    /// Places left, when the event has a capacity, as its count display allows: the number
    /// only when counts are exact; otherwise just whether it is full.
    pub places_left_line: Option<String>,
    /// Whether people can still RSVP (scheduled and not ended).
    pub rsvp_open: bool,
    /// Who this space is for (empty: not said).
    pub who_for: String,
    /// Each role's goal, as this viewer may see it.
    pub quotas: Vec<series::QuotaLine>,
    /// The next occurrences of its series (filled in by the page that lists them).
    pub next_occurrences: Vec<series::OccurrenceLine>,
}

impl EventDetail {
    pub fn new(event: &Event, viewer: Viewer, tz: Tz, lang: Lang, now: DateTime<Utc>) -> Self {
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
            0 if rounded && going > 0 => lang.t("going-a-few"),
            0 => lang.t("going-nobody"),
            _ if rounded => lang.t_count("going-rounded", count),
            _ => lang.t_count("going-count", count),
        });
        let exact = viewer == Viewer::Organizer || d.count_display == CountDisplay::Exact;
        let places_left_line = d
            .capacity
            .map(|capacity| (capacity - event.places_taken).max(0))
            .and_then(|left| match left {
                // Capacity less places left is the exact count the display hides.
                _ if exact => Some(lang.t_count("places-left", i64::from(left))),
                0 => Some(lang.t("places-full")),
                _ => None,
            });
        EventDetail {
            id: event.id.clone(),
            title: d.title.clone(),
            kind: d.kind.as_str(),
            kind_label: lang.word("kind", d.kind.as_str()),
            span: span(d.starts_at, d.ends_at, tz, lang),
            cancelled: event.is_cancelled(),
            ended: event.has_ended(now),
            location_shown: location.text().is_some(),
            location_line: location_line(&location, tz, lang),
            description_html: event.description_html.clone(),
            accessibility: d.accessibility.clone(),
            language: d.language.clone(),
            capacity_line: d
                .capacity
                .map(|capacity| lang.t_count("capacity-places", i64::from(capacity))),
            going_line,
            tags: d.tags.clone(),
            roles: d
                .roles
                .iter()
                .map(|role| lang.word("role", role.as_str()))
                .collect(),
            places_left_line,
            rsvp_open: !event.is_cancelled() && !event.has_ended(now),
            who_for: d.who_for.clone(),
            quotas: series::quota_lines(event, viewer, lang),
            next_occurrences: Vec::new(),
        }
    }
}

/// A rendered page as a response.
pub fn render_html<T: askama::Template>(
    page: &T,
) -> Result<actix_web::HttpResponse, askama::Error> {
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

/// The query of a filtered address (`?kind=…&tag=…`), empty without a filter.
pub fn filter_query(kind: Option<crate::domain::event::EventKind>, tag: Option<&str>) -> String {
    let mut query = Vec::new();
    if let Some(kind) = kind {
        query.push(format!("kind={}", kind.as_str()));
    }
    if let Some(tag) = tag {
        query.push(format!("tag={}", url_encode(tag)));
    }
    if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    }
}
