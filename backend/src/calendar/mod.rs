//! Calendar exports (RFC 5545, written by the `icalendar` crate, which escapes text and folds
//! lines at 75 octets): one event, the public feed, and an RSVP's private feed. Discreet by
//! default: an event with a cover title appears under it, with no description of what it is.

use chrono::{DateTime, Duration, Utc};
use icalendar::{
    Alarm, Calendar, Component, EventLike, EventStatus as IcalStatus, Property, Trigger,
};

use crate::domain::access::{location_for, Viewer};
use crate::domain::event::Event;

/// Calendar apps are asked to poll about once an hour.
const REFRESH_HOURS: i64 = 1;
/// The public feed shows events that ended at most this long ago.
pub const FEED_HISTORY_DAYS: i64 = 30;

/// An empty calendar with the properties every output carries.
pub fn calendar(name: &str) -> Calendar {
    let mut calendar = Calendar::empty();
    calendar
        .append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//Umbrella//Events//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new("X-WR-CALNAME", name))
        .ttl(&Duration::hours(REFRESH_HOURS));
    calendar
}

/// What only an RSVP's private feed adds.
pub struct PrivateDetails<'a> {
    pub manage_url: &'a str,
    /// A cancelled or declined RSVP shows its event as cancelled, so calendars drop it.
    pub still_going: bool,
}

/// The name an event goes by in calendars: its cover title when it has one.
pub fn calendar_title(event: &Event) -> &str {
    event
        .draft
        .cover_title
        .as_deref()
        .unwrap_or(&event.draft.title)
}

/// One VEVENT, as `viewer` may see it.
pub fn vevent(
    event: &Event,
    viewer: Viewer,
    public_base: &str,
    now: DateTime<Utc>,
    private: Option<&PrivateDetails<'_>>,
) -> icalendar::Event {
    let d = &event.draft;
    let url = format!("{public_base}/events/{}", event.id);
    let title = calendar_title(event);
    // Without a cover title the organizer chose to say what the event is; with one, say nothing.
    let mut description = match d.cover_title {
        Some(_) => format!("Details: {url}"),
        None if d.description.is_empty() => url.clone(),
        None => format!("{}\n\n{url}", d.description),
    };
    if let Some(private) = private {
        description.push_str(&format!(
            "\n\nYour RSVP (keep this link private): {}",
            private.manage_url
        ));
    }
    let cancelled = event.is_cancelled() || private.is_some_and(|p| !p.still_going);
    let mut vevent = icalendar::Event::new();
    vevent
        .uid(&format!("{}@umbrella", event.id))
        .summary(title)
        .description(&description)
        .starts(d.starts_at)
        .ends(d.ends_at)
        .timestamp(event.updated_at)
        .last_modified(event.updated_at)
        .created(event.created_at)
        .sequence(u32::try_from(event.sequence).unwrap_or(0))
        .url(&url)
        .status(if cancelled {
            IcalStatus::Cancelled
        } else {
            IcalStatus::Confirmed
        });
    if let Some(location) = location_for(event, viewer, now).text() {
        vevent.location(location);
    }
    if private.is_some() && !cancelled {
        for minutes in &d.reminder_offsets_minutes {
            vevent.alarm(Alarm::display(
                title,
                Trigger::before_start(Duration::minutes(i64::from(*minutes))),
            ));
        }
    }
    vevent.done()
}

/// Serialize a calendar (CRLF line endings, folded lines).
pub fn render(calendar: &Calendar) -> String {
    calendar.to_string()
}

/// Whether an event belongs in the public feed at `now`: ended at most 30 days ago, and a
/// cancelled one only until it would have ended (so subscribed calendars remove it).
pub fn in_public_feed(event: &Event, now: DateTime<Utc>) -> bool {
    let recent = event.draft.ends_at >= now - Duration::days(FEED_HISTORY_DAYS);
    recent && !(event.is_cancelled() && event.has_ended(now))
}
