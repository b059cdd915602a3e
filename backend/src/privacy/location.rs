//! The one place that decides whether a viewer may see an event's location. Every output
//! (pages, API, and later feeds and emails) asks `location_for` and shows nothing else.

use chrono::{DateTime, Utc};

use crate::domain::event::{Event, LocationPrivacy};
use crate::domain::rsvp::{Rsvp, RsvpStatus};

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Public,
    Organizer,
    /// Someone holding a manage link for an RSVP to this event.
    Attendee {
        going: bool,
        approved: bool,
    },
}

impl Viewer {
    pub fn attendee(rsvp: &Rsvp) -> Self {
        Viewer::Attendee {
            going: rsvp.status == RsvpStatus::Going,
            approved: rsvp.approved,
        }
    }
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

pub fn location_for<'a>(event: &'a Event, viewer: Viewer, now: DateTime<Utc>) -> LocationView<'a> {
    let location = event.draft.location.as_str();
    if location.is_empty() {
        return LocationView::NotYetSet;
    }
    let (going, approved) = match viewer {
        Viewer::Organizer => return LocationView::Shown(location),
        Viewer::Public => (false, false),
        Viewer::Attendee { going, approved } => (going, approved),
    };
    match event.draft.location_privacy {
        LocationPrivacy::Public => LocationView::Shown(location),
        LocationPrivacy::Attendees if going => LocationView::Shown(location),
        LocationPrivacy::Attendees => LocationView::ForAttendees,
        // Even after the reveal time only going attendees see it: the public never does.
        LocationPrivacy::RevealAt => match event.draft.location_reveal_at {
            Some(at) if going && now >= at => LocationView::Shown(location),
            Some(at) => LocationView::RevealedAt(at),
            None => LocationView::ForAttendees,
        },
        LocationPrivacy::Approved if going && approved => LocationView::Shown(location),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventDraft;
    use chrono::Duration;

    fn event(privacy: LocationPrivacy, reveal_in: Duration) -> Event {
        let now = Utc::now();
        let draft = EventDraft {
            location: "The secret corner".into(),
            location_privacy: privacy,
            location_reveal_at: Some(now + reveal_in),
            ..crate::domain::event::sample_action()
        };
        Event::new(draft, now)
    }

    const GOING: Viewer = Viewer::Attendee {
        going: true,
        approved: false,
    };
    const WAITING: Viewer = Viewer::Attendee {
        going: false,
        approved: false,
    };
    const APPROVED: Viewer = Viewer::Attendee {
        going: true,
        approved: true,
    };

    #[test]
    fn each_mode_shows_the_location_only_to_whom_it_may() {
        let now = Utc::now();
        let shown = |e: &Event, v: Viewer| location_for(e, v, now).text().is_some();
        let attendees = event(LocationPrivacy::Attendees, Duration::zero());
        assert!(!shown(&attendees, Viewer::Public));
        assert!(!shown(&attendees, WAITING));
        assert!(shown(&attendees, GOING));
        assert!(shown(&attendees, Viewer::Organizer));

        let later = event(LocationPrivacy::RevealAt, Duration::hours(3));
        assert!(!shown(&later, GOING), "not before the reveal time");
        let revealed = event(LocationPrivacy::RevealAt, -Duration::minutes(1));
        assert!(shown(&revealed, GOING));
        assert!(!shown(&revealed, Viewer::Public), "never to the public");
        assert!(!shown(&revealed, WAITING));

        let approved = event(LocationPrivacy::Approved, Duration::zero());
        assert!(!shown(&approved, GOING));
        assert!(shown(&approved, APPROVED));
        assert!(!shown(&approved, Viewer::Public));

        assert!(shown(
            &event(LocationPrivacy::Public, Duration::zero()),
            Viewer::Public
        ));
    }
}
