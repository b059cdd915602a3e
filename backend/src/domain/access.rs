//! The access policy (safety rules 9 and 10): what one viewer may see of one event at one
//! moment — the event's location, each live update by its audience, a location carried by an
//! update, and other people's pseudonyms (who asked for help, who is not yet home safe). Every output (pages, API, calendars, emails, the update history, the websocket
//! replay and live stream) asks these functions at the moment it writes; nothing else decides.

use chrono::{DateTime, Utc};

use super::door::DoorLine;
use super::event::{Access, Event, LocationPrivacy, Role};
use super::live::{Audience, LiveUpdate, UpdateKind, RESPONDER_ROLES};
use super::rsvp::{Rsvp, RsvpStatus};

/// Where an attendee stands with an event *now*: read from their RSVP row each time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub status: RsvpStatus,
    pub approved: bool,
    pub role: Option<Role>,
}

impl Standing {
    pub fn of(rsvp: &Rsvp) -> Self {
        Standing {
            status: rsvp.status,
            approved: rsvp.approved,
            role: rsvp.role,
        }
    }
}

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Anyone, without a manage link (or with one for another event, or one that is gone).
    Public,
    Organizer,
    /// Someone holding a manage link for an RSVP to this event.
    Attendee(Standing),
}

impl Viewer {
    pub fn attendee(rsvp: &Rsvp) -> Self {
        Viewer::Attendee(Standing::of(rsvp))
    }
}

/// Whether an attendee is in: going, and approved where the event asks organizers to approve.
fn admitted(event: &Event, standing: &Standing) -> bool {
    standing.status == RsvpStatus::Going && (standing.approved || !event.draft.approval_required)
}

/// Whether `viewer` is outside an invitation-only event: the public, without an RSVP to it.
/// Outsiders see only its outline (`shows_details`), never its location or any live update.
fn outsider(event: &Event, viewer: &Viewer) -> bool {
    event.draft.access == Access::Invite && *viewer == Viewer::Public
}

/// Whether `viewer` may see an event's details (description, tags, counts, roles, the RSVP
/// form…) or only its outline (the cover title or neutral words, the time, and who it is for).
/// `invited` says the visitor holds a valid invite code for it. Organizers and attendees see
/// the details; the public sees them for an open event, or with a valid code. The location
/// still follows `may_see_location`: an invitation shows the page, not the place.
pub fn shows_details(event: &Event, viewer: &Viewer, invited: bool) -> bool {
    invited || !outsider(event, viewer)
}

/// Whether an event appears in public listings, feeds and the embed: never an invitation-only
/// one (organizers' own lists show everything).
pub fn publicly_listed(event: &Event) -> bool {
    event.draft.access == Access::Open && event.draft.visibility == super::event::Visibility::Listed
}

/// Whether `viewer` may see exact attendance numbers (the going count, places left, how many
/// took each role): organizers always; others only when the event's counts are `exact`. With
/// `rounded` or `hidden` a role's count would give away part of the exact number, so others
/// learn only whether each role's goal is met.
pub fn may_see_exact_counts(event: &Event, viewer: &Viewer) -> bool {
    *viewer == Viewer::Organizer || event.draft.count_display == super::event::CountDisplay::Exact
}

/// Whether `viewer` may see the event's location at `now` (whatever text it has).
pub fn may_see_location(event: &Event, viewer: &Viewer, now: DateTime<Utc>) -> bool {
    if outsider(event, viewer) {
        return false;
    }
    let standing = match viewer {
        Viewer::Organizer => return true,
        Viewer::Public => None,
        Viewer::Attendee(standing) => Some(standing),
    };
    let admitted = standing.is_some_and(|s| admitted(event, s));
    match event.draft.location_privacy {
        LocationPrivacy::Public => true,
        LocationPrivacy::Attendees => admitted,
        // Even after the reveal time only admitted attendees see it: the public never does.
        LocationPrivacy::RevealAt => {
            admitted && event.draft.location_reveal_at.is_some_and(|at| now >= at)
        }
        LocationPrivacy::Approved => admitted && standing.is_some_and(|s| s.approved),
    }
}

/// Whether `viewer` is in `audience` for this event.
pub fn in_audience(event: &Event, viewer: &Viewer, audience: Audience) -> bool {
    if outsider(event, viewer) {
        return false;
    }
    match (viewer, audience) {
        (Viewer::Organizer, _) | (_, Audience::Public) => true,
        (Viewer::Public, _) => false,
        (Viewer::Attendee(standing), Audience::Attendees) => admitted(event, standing),
        (Viewer::Attendee(standing), Audience::Role(role)) => {
            admitted(event, standing) && standing.role == Some(role)
        }
        (Viewer::Attendee(standing), Audience::Responders) => {
            admitted(event, standing) && standing.role.is_some_and(|r| RESPONDER_ROLES.contains(&r))
        }
    }
}

/// Whether a message to `audience` (an announcement by email; a push) goes to the RSVP standing
/// so: it must be in the audience and still stand (a declined or cancelled RSVP gets nothing
/// more, even what went to everyone following).
pub fn messaged(event: &Event, standing: &Standing, audience: Audience) -> bool {
    !matches!(
        standing.status,
        RsvpStatus::Declined | RsvpStatus::Cancelled
    ) && in_audience(event, &Viewer::Attendee(*standing), audience)
}

/// Whether `viewer` may see who is not yet home safe after the event's "home safe by" time (the
/// `safety` frame's pseudonyms): organizers, and admitted attendees doing jail support.
pub fn may_see_missing(event: &Event, viewer: &Viewer) -> bool {
    match viewer {
        Viewer::Organizer => true,
        Viewer::Public => false,
        Viewer::Attendee(standing) => {
            admitted(event, standing) && standing.role == Some(Role::JailSupport)
        }
    }
}

/// The audiences `viewer` is in, in their usual order (for the websocket's `welcome`).
pub fn audiences(event: &Event, viewer: &Viewer) -> Vec<Audience> {
    Audience::all()
        .into_iter()
        .filter(|audience| in_audience(event, viewer, *audience))
        .collect()
}

/// An update as one viewer may see it: `None` when it is not for them; otherwise its location
/// only when they may also see the event's location (rule 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateSight<'a> {
    pub update: &'a LiveUpdate,
    pub location: Option<&'a str>,
}

pub fn update_for<'a>(
    event: &Event,
    viewer: &Viewer,
    update: &'a LiveUpdate,
    now: DateTime<Utc>,
) -> Option<UpdateSight<'a>> {
    if !in_audience(event, viewer, update.audience) {
        return None;
    }
    // A help request names who asked: it goes to the responders and nowhere else, whatever
    // audience a row might claim.
    if update.kind == UpdateKind::Help && update.audience != Audience::Responders {
        return None;
    }
    let location = update
        .location
        .as_deref()
        .filter(|_| may_see_location(event, viewer, now));
    Some(UpdateSight { update, location })
}

/// What a door volunteer holding a door link may see of one RSVP to the link's event: people
/// going, while they still have a name (not purged), with their guests, role and arrival only.
/// Needs, answers and the email never leave here, and a door link is shown no location at all
/// (whatever the event's privacy mode and the time).
pub fn door_line(rsvp: &Rsvp) -> Option<DoorLine> {
    if rsvp.status != RsvpStatus::Going {
        return None;
    }
    Some(DoorLine {
        rsvp_id: rsvp.id.clone(),
        pseudonym: rsvp.pseudonym.clone()?,
        guests: rsvp.guests,
        role: rsvp.role,
        arrived: rsvp.checked_in,
    })
}

/// Every kind of viewer there is for an event, for rules that must hold for all of them.
fn every_viewer() -> Vec<Viewer> {
    let mut viewers = vec![Viewer::Public, Viewer::Organizer];
    for status in RsvpStatus::ALL {
        for approved in [false, true] {
            for role in std::iter::once(None).chain(Role::ALL.iter().copied().map(Some)) {
                viewers.push(Viewer::Attendee(Standing {
                    status: *status,
                    approved,
                    role,
                }));
            }
        }
    }
    viewers
}

/// Whether a location update to `audience` may become the event's stored location: only when
/// everyone who may ever see the event's location is also in that audience (rule 10), so a
/// role-only or attendees-only update never moves a location the public can see.
pub fn update_moves_location(event: &Event, audience: Audience) -> bool {
    // The latest moment: whoever may see the location at any time counts.
    let ever = DateTime::<Utc>::MAX_UTC;
    every_viewer()
        .iter()
        .filter(|viewer| may_see_location(event, viewer, ever))
        .all(|viewer| in_audience(event, viewer, audience))
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
    if may_see_location(event, &viewer, now) {
        return LocationView::Shown(location);
    }
    match (event.draft.location_privacy, event.draft.location_reveal_at) {
        (LocationPrivacy::RevealAt, Some(at)) => LocationView::RevealedAt(at),
        (LocationPrivacy::Approved, _) => LocationView::ForApproved,
        _ => LocationView::ForAttendees,
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
    use crate::domain::live::UpdateKind;
    use chrono::Duration;

    #[test]
    fn the_door_sees_going_people_without_their_needs() {
        let mut rsvp = Rsvp {
            id: "id".into(),
            event_id: "event".into(),
            pseudonym: Some("Heron".into()),
            guests: 2,
            role: Some(Role::Medic),
            needs: Some("a chair".into()),
            has_email: true,
            status: RsvpStatus::Going,
            approved: false,
            checked_in: true,
            home_safe: false,
            reconfirmed: false,
            created_at: Utc::now(),
        };
        let line = door_line(&rsvp).expect("going");
        assert!(!format!("{line:?}").contains("chair"));
        assert!(line.arrived && line.guests == 2);
        for status in [
            RsvpStatus::Waitlisted,
            RsvpStatus::Pending,
            RsvpStatus::Cancelled,
        ] {
            rsvp.status = status;
            assert_eq!(door_line(&rsvp), None, "{status}");
        }
        rsvp.status = RsvpStatus::Going;
        rsvp.pseudonym = None;
        assert_eq!(door_line(&rsvp), None, "purged");
    }

    #[test]
    fn outsiders_see_nothing_of_an_invitation_only_event() {
        let now = Utc::now();
        let draft = EventDraft {
            location: "The back room".into(),
            access: Access::Invite,
            ..crate::domain::event::sample_action()
        };
        let event = Event::new(draft, now);
        assert!(!may_see_location(&event, &Viewer::Public, now));
        assert!(!in_audience(&event, &Viewer::Public, Audience::Public));
        assert!(!shows_details(&event, &Viewer::Public, false));
        assert!(shows_details(&event, &Viewer::Public, true));
        assert!(shows_details(&event, &Viewer::Organizer, false));
        assert!(!publicly_listed(&event));
        let going = Viewer::Attendee(Standing {
            status: RsvpStatus::Going,
            approved: false,
            role: None,
        });
        assert!(may_see_location(&event, &going, now));
        assert!(in_audience(&event, &going, Audience::Public));
    }

    fn event(privacy: LocationPrivacy, reveal_in: Duration, approval: bool) -> Event {
        let now = Utc::now();
        let draft = EventDraft {
            location: "The secret corner".into(),
            location_privacy: privacy,
            location_reveal_at: Some(now + reveal_in),
            approval_required: approval,
            roles: Role::ALL.to_vec(),
            ..crate::domain::event::sample_action()
        };
        Event::new(draft, now)
    }

    fn attendee(status: RsvpStatus, approved: bool, role: Option<Role>) -> Viewer {
        Viewer::Attendee(Standing {
            status,
            approved,
            role,
        })
    }

    const GOING: Viewer = Viewer::Attendee(Standing {
        status: RsvpStatus::Going,
        approved: false,
        role: None,
    });
    const WAITING: Viewer = Viewer::Attendee(Standing {
        status: RsvpStatus::Waitlisted,
        approved: false,
        role: None,
    });
    const APPROVED: Viewer = Viewer::Attendee(Standing {
        status: RsvpStatus::Going,
        approved: true,
        role: None,
    });

    #[test]
    fn each_mode_shows_the_location_only_to_whom_it_may() {
        let now = Utc::now();
        let shown = |e: &Event, v: Viewer| location_for(e, v, now).text().is_some();
        let attendees = event(LocationPrivacy::Attendees, Duration::zero(), false);
        assert!(!shown(&attendees, Viewer::Public));
        assert!(!shown(&attendees, WAITING));
        assert!(shown(&attendees, GOING));
        assert!(shown(&attendees, Viewer::Organizer));

        let later = event(LocationPrivacy::RevealAt, Duration::hours(3), false);
        assert!(!shown(&later, GOING), "not before the reveal time");
        let revealed = event(LocationPrivacy::RevealAt, -Duration::minutes(1), false);
        assert!(shown(&revealed, GOING));
        assert!(!shown(&revealed, Viewer::Public), "never to the public");
        assert!(!shown(&revealed, WAITING));

        let approved = event(LocationPrivacy::Approved, Duration::zero(), true);
        assert!(!shown(&approved, GOING));
        assert!(shown(&approved, APPROVED));
        assert!(!shown(&approved, Viewer::Public));

        let public = event(LocationPrivacy::Public, Duration::zero(), false);
        assert!(shown(&public, Viewer::Public));
    }

    #[test]
    fn only_people_in_may_hear_attendee_and_role_updates() {
        let open = event(LocationPrivacy::Public, Duration::zero(), false);
        let medic = attendee(RsvpStatus::Going, false, Some(Role::Medic));
        assert!(in_audience(&open, &medic, Audience::Attendees));
        assert!(in_audience(&open, &medic, Audience::Role(Role::Medic)));
        assert!(!in_audience(&open, &medic, Audience::Role(Role::Marshal)));
        for status in [
            RsvpStatus::Waitlisted,
            RsvpStatus::Pending,
            RsvpStatus::Declined,
            RsvpStatus::Cancelled,
        ] {
            let out = attendee(status, true, Some(Role::Medic));
            assert_eq!(audiences(&open, &out), vec![Audience::Public], "{status:?}");
        }
        let vetted = event(LocationPrivacy::Attendees, Duration::zero(), true);
        let unapproved = attendee(RsvpStatus::Going, false, Some(Role::Medic));
        assert_eq!(audiences(&vetted, &unapproved), vec![Audience::Public]);
        assert_eq!(audiences(&vetted, &Viewer::Organizer), Audience::all());
    }

    #[test]
    fn help_and_the_missing_list_reach_responders_only() {
        let open = event(LocationPrivacy::Public, Duration::zero(), false);
        for role in Role::ALL {
            let going = attendee(RsvpStatus::Going, false, Some(*role));
            let responder = RESPONDER_ROLES.contains(role);
            assert_eq!(
                in_audience(&open, &going, Audience::Responders),
                responder,
                "{role}"
            );
            let out = attendee(RsvpStatus::Declined, true, Some(*role));
            assert!(!in_audience(&open, &out, Audience::Responders), "{role}");
            assert_eq!(
                may_see_missing(&open, &going),
                *role == Role::JailSupport,
                "{role}"
            );
        }
        assert!(in_audience(&open, &Viewer::Organizer, Audience::Responders));
        assert!(!in_audience(&open, &Viewer::Public, Audience::Responders));
        assert!(!in_audience(&open, &GOING, Audience::Responders));
        assert!(may_see_missing(&open, &Viewer::Organizer));
        assert!(!may_see_missing(&open, &Viewer::Public));
        let astray = LiveUpdate {
            event_id: open.id.clone(),
            seq: 1,
            kind: UpdateKind::Help,
            audience: Audience::Public,
            text: "help".into(),
            location: None,
            created_at: Utc::now(),
            pseudonym: Some("Heron".into()),
        };
        assert!(update_for(&open, &Viewer::Public, &astray, Utc::now()).is_none());
        assert!(!update_moves_location(&open, Audience::Responders));
    }

    #[test]
    fn messages_reach_only_people_who_still_stand() {
        let open = event(LocationPrivacy::Public, Duration::zero(), false);
        let standing = |status| Standing {
            status,
            approved: false,
            role: Some(Role::Medic),
        };
        assert!(messaged(
            &open,
            &standing(RsvpStatus::Going),
            Audience::Public
        ));
        assert!(messaged(
            &open,
            &standing(RsvpStatus::Waitlisted),
            Audience::Public
        ));
        assert!(!messaged(
            &open,
            &standing(RsvpStatus::Waitlisted),
            Audience::Attendees
        ));
        assert!(messaged(
            &open,
            &standing(RsvpStatus::Going),
            Audience::Responders
        ));
        for gone in [RsvpStatus::Declined, RsvpStatus::Cancelled] {
            assert!(
                !messaged(&open, &standing(gone), Audience::Public),
                "{gone}"
            );
        }
    }

    #[test]
    fn an_update_carries_its_location_only_to_who_may_see_the_events() {
        let hidden = event(LocationPrivacy::Approved, Duration::zero(), true);
        let update = LiveUpdate {
            event_id: hidden.id.clone(),
            seq: 1,
            kind: UpdateKind::Location,
            audience: Audience::Public,
            text: "Moving".into(),
            location: Some("The back door".into()),
            created_at: Utc::now(),
            pseudonym: None,
        };
        let now = Utc::now();
        let seen = update_for(&hidden, &Viewer::Public, &update, now).expect("public text");
        assert_eq!(seen.location, None, "the text, not the place");
        let seen = update_for(&hidden, &APPROVED, &update, now).expect("for them");
        assert_eq!(seen.location, Some("The back door"));
    }

    #[test]
    fn only_an_update_everyone_who_sees_the_location_hears_may_move_it() {
        let public = event(LocationPrivacy::Public, Duration::zero(), false);
        assert!(update_moves_location(&public, Audience::Public));
        assert!(!update_moves_location(&public, Audience::Attendees));
        assert!(!update_moves_location(
            &public,
            Audience::Role(Role::Marshal)
        ));
        for (privacy, approval) in [
            (LocationPrivacy::Attendees, false),
            (LocationPrivacy::RevealAt, false),
            (LocationPrivacy::Approved, true),
        ] {
            let private = event(privacy, Duration::hours(1), approval);
            assert!(update_moves_location(&private, Audience::Public));
            assert!(update_moves_location(&private, Audience::Attendees));
            assert!(!update_moves_location(
                &private,
                Audience::Role(Role::Medic)
            ));
        }
    }
}
