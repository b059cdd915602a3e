//! Series and role quotas as pages show them: an event page's next occurrences, the organizer
//! editor's list of a series' occurrences (each with its own place and reveal time, one click
//! away), and each role's goal as "Marshals: 1 of 3" or, where counts are not exact, only
//! whether it is still needed.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::access::{location_for, may_see_exact_counts, Viewer};
use crate::domain::event::Event;
use crate::domain::quota::quotas;
use crate::i18n::time::{moment, span};
use crate::i18n::Lang;

/// Occurrences an event page lists at most.
pub const NEXT_OCCURRENCES: usize = 5;

/// One occurrence in a list.
pub struct OccurrenceLine {
    pub id: String,
    pub span: String,
    pub cancelled: bool,
    /// The occurrence this page is about.
    pub current: bool,
    /// Where, as this viewer may see it.
    pub location_line: String,
    /// Organizers: the location's privacy, and when it is revealed.
    pub privacy: String,
}

impl OccurrenceLine {
    pub fn new(
        event: &Event,
        viewer: Viewer,
        current_id: &str,
        tz: Tz,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Self {
        let d = &event.draft;
        let mut privacy = lang.word("privacy", d.location_privacy.as_str());
        if let Some(at) = d.location_reveal_at {
            privacy = format!("{privacy} ({})", moment(at, tz, lang));
        }
        OccurrenceLine {
            id: event.id.clone(),
            span: span(d.starts_at, d.ends_at, tz, lang),
            cancelled: event.is_cancelled(),
            current: event.id == current_id,
            location_line: super::location_line(&location_for(event, viewer, now), tz, lang),
            privacy,
        }
    }
}

/// The next occurrences after `current` the public may find: listed, not ended, in time order,
/// at most `NEXT_OCCURRENCES`.
pub fn next_occurrences(
    series: &[Event],
    current: &Event,
    tz: Tz,
    lang: Lang,
    now: DateTime<Utc>,
) -> Vec<OccurrenceLine> {
    series
        .iter()
        .filter(|event| event.id != current.id)
        .filter(|event| event.draft.starts_at > current.draft.starts_at)
        .filter(|event| crate::domain::access::publicly_listed(event) && !event.has_ended(now))
        .take(NEXT_OCCURRENCES)
        .map(|event| OccurrenceLine::new(event, Viewer::Public, &current.id, tz, lang, now))
        .collect()
}

/// Every occurrence, for the organizer's editor.
pub fn all_occurrences(
    series: &[Event],
    current: &Event,
    tz: Tz,
    lang: Lang,
    now: DateTime<Utc>,
) -> Vec<OccurrenceLine> {
    series
        .iter()
        .map(|event| OccurrenceLine::new(event, Viewer::Organizer, &current.id, tz, lang, now))
        .collect()
}

/// One role's goal as a page shows it.
pub struct QuotaLine {
    pub text: String,
    pub met: bool,
}

/// Each role's goal, named by the people in it: "Marshals: 1 of 3" to whoever may see exact
/// counts; otherwise only "Marshals: still needed" or "Marshals: enough people" (a role's
/// number would give away part of an attendance the event rounds or hides).
pub fn quota_lines(event: &Event, viewer: Viewer, lang: Lang) -> Vec<QuotaLine> {
    let exact = may_see_exact_counts(event, &viewer);
    quotas(event)
        .into_iter()
        .map(|quota| {
            let role = lang.word("roles", quota.role.as_str());
            let text = if exact {
                lang.t_with(
                    "quota-count",
                    &[
                        ("role", role.as_str().into()),
                        ("filled", quota.filled.into()),
                        ("needed", quota.needed.into()),
                    ],
                )
            } else if quota.is_met() {
                lang.t_text("quota-met", "role", &role)
            } else {
                lang.t_text("quota-open", "role", &role)
            };
            QuotaLine {
                text,
                met: quota.is_met(),
            }
        })
        .collect()
}

/// What the RSVP form says beside a role still short of its goal: how many more (when counts
/// are exact for this viewer), else that it is still needed; nothing once it is met.
pub fn role_hint(
    event: &Event,
    role: crate::domain::event::Role,
    viewer: Viewer,
    lang: Lang,
) -> Option<String> {
    let quota = quotas(event).into_iter().find(|q| q.role == role)?;
    if quota.is_met() {
        return None;
    }
    Some(if may_see_exact_counts(event, &viewer) {
        lang.t_count("quota-more-needed", quota.missing())
    } else {
        lang.t("quota-still-needed")
    })
}
