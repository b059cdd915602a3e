//! The organizer's home as shown: each upcoming event's card with its counts and links (events
//! under way and today's first), past events with only the counts that outlive the purge, and
//! the event hub's parts: its settings, its pending RSVPs and the tools each event offers.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::access::{location_for, Viewer};
use crate::domain::event::{Access, Event, Visibility};
use crate::domain::rsvp::Tally;
use crate::i18n::time::span;
use crate::i18n::Lang;

/// One upcoming event on the dashboard: what it is, its numbers, where to go from here.
pub struct HomeCard {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: String,
    pub span: String,
    pub location_line: String,
    pub cancelled: bool,
    pub unlisted: bool,
    pub tally: Tally,
    /// Places left, when the event has a capacity (never below zero).
    pub places_left: Option<i64>,
    /// Starting within 48 hours with roles short of their goal: each such role, "Marshals: 1 of 3".
    pub roles_short: Vec<String>,
    /// Each role's goal, "Marshals: 1 of 3" (every quota, filled or not).
    pub quotas: Vec<super::series::QuotaLine>,
}

impl HomeCard {
    pub fn new(event: &Event, tally: Tally, tz: Tz, lang: Lang, now: DateTime<Utc>) -> Self {
        let d = &event.draft;
        HomeCard {
            id: event.id.clone(),
            title: d.title.clone(),
            kind: d.kind.as_str(),
            kind_label: lang.word("kind", d.kind.as_str()),
            span: span(d.starts_at, d.ends_at, tz, lang),
            location_line: super::location_line(
                &location_for(event, Viewer::Organizer, now),
                tz,
                lang,
            ),
            cancelled: event.is_cancelled(),
            unlisted: d.visibility == Visibility::Unlisted,
            places_left: places_left(event, &tally),
            tally,
            roles_short: if crate::domain::quota::flagged(event, now) {
                super::series::quota_lines(event, Viewer::Organizer, lang)
                    .into_iter()
                    .filter(|line| !line.met)
                    .map(|line| line.text)
                    .collect()
            } else {
                Vec::new()
            },
            quotas: super::series::quota_lines(event, Viewer::Organizer, lang),
        }
    }
}

/// Capacity less the places going RSVPs take, when there is a capacity.
pub fn places_left(event: &Event, tally: &Tally) -> Option<i64> {
    event
        .draft
        .capacity
        .map(|capacity| (i64::from(capacity) - tally.places).max(0))
}

/// The dashboard's upcoming events: under way now, then the rest of today, then later.
#[derive(Default)]
pub struct HomeSections {
    pub under_way: Vec<HomeCard>,
    pub today: Vec<HomeCard>,
    pub later: Vec<HomeCard>,
}

impl HomeSections {
    /// `events` in start order, as the listing gives them; "today" is the group's day.
    pub fn arrange(
        events: &[Event],
        tallies: &HashMap<String, Tally>,
        tz: Tz,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Self {
        let today = now.with_timezone(&tz).date_naive();
        let mut sections = HomeSections::default();
        for event in events {
            let tally = tallies.get(&event.id).copied().unwrap_or_default();
            let card = HomeCard::new(event, tally, tz, lang, now);
            if event.is_under_way(now) && !event.is_cancelled() {
                sections.under_way.push(card);
            } else if event.draft.starts_at.with_timezone(&tz).date_naive() == today {
                sections.today.push(card);
            } else {
                sections.later.push(card);
            }
        }
        sections
    }

    pub fn is_empty(&self) -> bool {
        self.under_way.is_empty() && self.today.is_empty() && self.later.is_empty()
    }
}

/// One past event: when, what, and the anonymous counts the purge leaves (going, arrived,
/// home safe). Nothing here names anyone.
pub struct PastLine {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    pub kind_label: String,
    pub span: String,
    pub cancelled: bool,
    pub going: i64,
    pub checked_in: i64,
    pub home_safe: i64,
}

impl PastLine {
    pub fn new(event: &Event, tally: Tally, tz: Tz, lang: Lang) -> Self {
        let d = &event.draft;
        PastLine {
            id: event.id.clone(),
            title: d.title.clone(),
            kind: d.kind.as_str(),
            kind_label: lang.word("kind", d.kind.as_str()),
            span: span(d.starts_at, d.ends_at, tz, lang),
            cancelled: event.is_cancelled(),
            going: tally.going,
            checked_in: tally.checked_in,
            home_safe: tally.home_safe,
        }
    }
}

/// A per-event tool the hub links to.
pub struct EventTool {
    pub label: String,
    pub href: String,
}

/// Every per-event tool, in the order the hub lists them. A new tool (door links, invites, a
/// flyer…) is one more line here and shows on every event's hub.
pub fn event_tools(event: &Event, lang: Lang) -> Vec<EventTool> {
    let id = &event.id;
    let tool = |label: &str, href: String| EventTool {
        label: lang.t(label),
        href,
    };
    let invite_only = event.draft.access == Access::Invite;
    let mut tools = vec![tool("hub-tool-public-page", format!("/events/{id}"))];
    // An invitation-only event has no public live page, calendar file or flyer (outsiders see
    // only its outline): no links to them.
    if !invite_only {
        tools.extend([
            tool("hub-tool-public-live", format!("/events/{id}/live")),
            tool("hub-tool-calendar", format!("/events/{id}/event.ics")),
        ]);
    }
    tools.extend([
        tool("door-links-nav", format!("/organize/events/{id}/door")),
        tool("invites-nav", format!("/organize/events/{id}/invites")),
    ]);
    if !invite_only {
        tools.push(tool("editor-flyer", format!("/events/{id}/flyer")));
    }
    if event.draft.cover_title.is_some() && !invite_only {
        tools.push(tool(
            "editor-flyer-cover",
            format!("/events/{id}/flyer?cover=1"),
        ));
    }
    tools
}

/// The event's settings an organizer checks at a glance, as label and value.
pub fn settings(event: &Event, lang: Lang) -> Vec<(String, String)> {
    let d = &event.draft;
    let yes_no = |yes: bool| lang.t(if yes { "yes" } else { "no" });
    vec![
        (
            lang.t("editor-privacy"),
            lang.word("privacy", d.location_privacy.as_str()),
        ),
        (
            lang.t("editor-visibility"),
            lang.word("visibility", d.visibility.as_str()),
        ),
        (lang.t("editor-approval"), yes_no(d.approval_required)),
        (
            lang.t("editor-count-display"),
            lang.word("count-display", d.count_display.as_str()),
        ),
        (lang.t("editor-language"), language_name(&d.language)),
    ]
}

/// A language code as people read it: the name of one of the site's languages, else the code.
pub fn language_name(code: &str) -> String {
    Lang::ALL
        .into_iter()
        .find(|lang| lang.code().eq_ignore_ascii_case(code))
        .map_or_else(|| code.to_string(), |lang| lang.endonym().to_string())
}
