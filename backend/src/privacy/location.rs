//! The one place that decides whether a viewer may see an event's location. Every output
//! (pages, API, and later feeds and emails) asks `location_for` and shows nothing else.

use chrono::{DateTime, Utc};

use crate::domain::event::{Event, LocationPrivacy};

/// Who is looking. RSVP holders join this when RSVPs exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Public,
    Organizer,
}

/// What a viewer is told about where an event is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationView<'a> {
    Shown(&'a str),
    /// No location has been given yet.
    NotYetSet,
    /// Shared with attendees through their private link.
    ForAttendees,
    /// Shared with attendees from this time.
    RevealedAt(DateTime<Utc>),
    /// Shared with attendees an organizer approved.
    ForApproved,
}

pub fn location_for<'a>(event: &'a Event, viewer: Viewer) -> LocationView<'a> {
    let location = event.draft.location.as_str();
    if location.is_empty() {
        return LocationView::NotYetSet;
    }
    if viewer == Viewer::Organizer {
        return LocationView::Shown(location);
    }
    match event.draft.location_privacy {
        LocationPrivacy::Public => LocationView::Shown(location),
        LocationPrivacy::Attendees => LocationView::ForAttendees,
        // Even after the reveal time only attendees see it: the public never does.
        LocationPrivacy::RevealAt => match event.draft.location_reveal_at {
            Some(at) => LocationView::RevealedAt(at),
            None => LocationView::ForAttendees,
        },
        LocationPrivacy::Approved => LocationView::ForApproved,
    }
}

impl LocationView<'_> {
    /// The location text, only when it may be shown.
    pub fn text(&self) -> Option<&str> {
        match self {
            LocationView::Shown(text) => Some(text),
            _ => None,
        }
    }
}
