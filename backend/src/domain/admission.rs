//! RSVP admission: whether an event takes an RSVP or a change to one, and as what (going,
//! waitlisted, pending). Pure decisions over the event and its counts as they are under the
//! event's lock; `db::rsvps` reads those, asks here, and stores the answer.

use chrono::{DateTime, Utc};

use super::event::{Event, Role};
use super::rsvp::RsvpStatus;
use super::FieldError;

/// Why the rules refuse an RSVP or a change to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this event was cancelled, so it takes no RSVPs")]
    EventCancelled,
    #[error("this event has ended, so it takes no RSVPs")]
    EventEnded,
    /// A field's fault (the API answers 422 naming `role`), known only against the event.
    #[error("this event does not offer that role")]
    RoleNotOffered,
    #[error("there are not enough places left for more guests")]
    NoPlacesForGuests,
    #[error("this RSVP was cancelled, so it can no longer be changed")]
    RsvpCancelled,
    #[error("this RSVP was cancelled")]
    NothingToDecide,
    #[error("only people going can check in or check out")]
    NotGoing,
    #[error("this event was cancelled")]
    PresenceAtCancelledEvent,
    #[error("this RSVP was cancelled or declined, so there is nothing to confirm")]
    NothingToReconfirm,
    #[error("this event has ended, so there is nothing to confirm")]
    ReconfirmAfterEnd,
    /// Not allowed (the API answers 403): an invitation-only event and no code.
    #[error("this event is by invitation only: an invite code is needed to RSVP")]
    InviteNeeded,
    /// Not allowed (403): the code sent does not admit anyone now.
    #[error("{0}")]
    InviteNotValid(super::invite::InviteProblem),
}

impl Refusal {
    /// The request field at fault, for refusals that are a field's.
    pub fn field(self) -> Option<&'static str> {
        match self {
            Refusal::RoleNotOffered => Some("role"),
            _ => None,
        }
    }

    /// Whether the refusal is one of permission (403) rather than of the event's state (409).
    pub fn forbids(self) -> bool {
        matches!(self, Refusal::InviteNeeded | Refusal::InviteNotValid(_))
    }

    /// As a field's error, for refusals that are a field's (forms show it beside the field).
    pub fn field_error(self) -> Option<FieldError> {
        self.field()
            .map(|field| FieldError::new(field, self.to_string()))
    }
}

/// Whether `places` more fit beside `taken` under the event's capacity.
pub fn fits(event: &Event, taken: i32, places: i32) -> bool {
    event
        .draft
        .capacity
        .is_none_or(|capacity| taken + places <= capacity)
}

fn check_role(event: &Event, role: Option<Role>) -> Result<(), Refusal> {
    match role {
        Some(role) if !event.draft.roles.contains(&role) => Err(Refusal::RoleNotOffered),
        _ => Ok(()),
    }
}

/// A new RSVP of `places` (the person and their guests) while `taken` places are taken: pending
/// when organizers approve each RSVP, going when it fits, waitlisted when not.
pub fn admit(
    event: &Event,
    taken: i32,
    places: i32,
    role: Option<Role>,
    now: DateTime<Utc>,
) -> Result<RsvpStatus, Refusal> {
    if event.is_cancelled() {
        return Err(Refusal::EventCancelled);
    }
    if event.has_ended(now) {
        return Err(Refusal::EventEnded);
    }
    check_role(event, role)?;
    Ok(if event.draft.approval_required {
        RsvpStatus::Pending
    } else if fits(event, taken, places) {
        RsvpStatus::Going
    } else {
        RsvpStatus::Waitlisted
    })
}

/// An RSVP as it stands, for judging a change to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub status: RsvpStatus,
    pub places: i32,
}

/// A change through a manage link to `places` and `role`, while `taken` places are taken by
/// everyone going (this RSVP included). Going RSVPs may only grow into free places.
pub fn allow_edit(
    event: &Event,
    current: Standing,
    taken: i32,
    places: i32,
    role: Option<Role>,
) -> Result<(), Refusal> {
    if current.status == RsvpStatus::Cancelled {
        // Nothing comes back to life through an edit, a new sealed address least of all.
        return Err(Refusal::RsvpCancelled);
    }
    check_role(event, role)?;
    if current.status == RsvpStatus::Going
        && places > current.places
        && !fits(event, taken - current.places, places)
    {
        return Err(Refusal::NoPlacesForGuests);
    }
    Ok(())
}

/// An organizer's decision on an RSVP: its new status. Approval makes a pending or declined RSVP
/// going when it fits (waitlisted otherwise); other approved RSVPs keep their status.
pub fn decide(
    event: &Event,
    current: Standing,
    purged: bool,
    taken: i32,
    approve: bool,
) -> Result<RsvpStatus, Refusal> {
    if purged || current.status == RsvpStatus::Cancelled {
        return Err(Refusal::NothingToDecide);
    }
    Ok(match (approve, current.status) {
        (false, _) => RsvpStatus::Declined,
        (true, RsvpStatus::Pending | RsvpStatus::Declined) => {
            if fits(event, taken, current.places) {
                RsvpStatus::Going
            } else {
                RsvpStatus::Waitlisted
            }
        }
        (true, other) => other,
    })
}

/// Arrival or "home safe": only people going, and only at an event that was not cancelled.
pub fn allow_presence(event: &Event, status: RsvpStatus) -> Result<(), Refusal> {
    if status != RsvpStatus::Going {
        return Err(Refusal::NotGoing);
    }
    if event.is_cancelled() {
        return Err(Refusal::PresenceAtCancelledEvent);
    }
    Ok(())
}

/// Whether someone may answer "I'm still coming": only while their RSVP stands (going, on the
/// waitlist or waiting for approval) and the event is on and has not ended.
pub fn allow_reconfirm(
    event: &Event,
    status: RsvpStatus,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    if matches!(status, RsvpStatus::Cancelled | RsvpStatus::Declined) {
        return Err(Refusal::NothingToReconfirm);
    }
    if event.is_cancelled() {
        return Err(Refusal::EventCancelled);
    }
    if event.has_ended(now) {
        return Err(Refusal::ReconfirmAfterEnd);
    }
    Ok(())
}

/// Which waitlisted RSVPs (their places, oldest first) move to going while `taken` places are
/// taken: each that fits, in order. None while the event is cancelled or approves each RSVP.
/// Returns their positions in `waiting` and the places taken after.
pub fn promote(event: &Event, mut taken: i32, waiting: &[i32]) -> (Vec<usize>, i32) {
    let mut promoted = Vec::new();
    if event.is_cancelled() || event.draft.approval_required {
        return (promoted, taken);
    }
    for (position, &places) in waiting.iter().enumerate() {
        if fits(event, taken, places) {
            taken += places;
            promoted.push(position);
        }
    }
    (promoted, taken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{sample_action, EventStatus};

    fn event(capacity: Option<i32>, approval: bool) -> Event {
        let mut draft = sample_action();
        draft.capacity = capacity;
        draft.approval_required = approval;
        draft.roles = vec![Role::Medic];
        Event::new(draft, Utc::now())
    }

    fn standing(status: RsvpStatus, places: i32) -> Standing {
        Standing { status, places }
    }

    #[test]
    fn a_new_rsvp_is_going_waitlisted_or_pending() {
        let now = Utc::now();
        let open = event(Some(10), false);
        assert_eq!(admit(&open, 8, 2, None, now), Ok(RsvpStatus::Going));
        assert_eq!(admit(&open, 9, 2, None, now), Ok(RsvpStatus::Waitlisted));
        assert_eq!(
            admit(&event(None, false), 10_000, 11, None, now),
            Ok(RsvpStatus::Going)
        );
        assert_eq!(
            admit(&event(Some(10), true), 0, 1, None, now),
            Ok(RsvpStatus::Pending)
        );
    }

    #[test]
    fn closed_events_and_unoffered_roles_are_refused() {
        let now = Utc::now();
        let mut cancelled = event(None, false);
        cancelled.status = EventStatus::Cancelled;
        assert_eq!(
            admit(&cancelled, 0, 1, None, now),
            Err(Refusal::EventCancelled)
        );
        let open = event(None, false);
        let after = open.draft.ends_at;
        assert_eq!(admit(&open, 0, 1, None, after), Err(Refusal::EventEnded));
        assert_eq!(
            admit(&open, 0, 1, Some(Role::Driver), now),
            Err(Refusal::RoleNotOffered)
        );
        assert_eq!(Refusal::RoleNotOffered.field(), Some("role"));
        assert_eq!(
            admit(&open, 0, 1, Some(Role::Medic), now),
            Ok(RsvpStatus::Going)
        );
    }

    #[test]
    fn still_coming_only_while_the_rsvp_stands_and_the_event_is_ahead() {
        let open = event(None, false);
        let before = open.draft.starts_at;
        let after = open.draft.ends_at;
        assert_eq!(allow_reconfirm(&open, RsvpStatus::Going, before), Ok(()));
        assert_eq!(
            allow_reconfirm(&open, RsvpStatus::Waitlisted, before),
            Ok(())
        );
        assert_eq!(
            allow_reconfirm(&open, RsvpStatus::Going, after),
            Err(Refusal::ReconfirmAfterEnd)
        );
        assert_eq!(
            allow_reconfirm(&open, RsvpStatus::Declined, before),
            Err(Refusal::NothingToReconfirm)
        );
    }

    #[test]
    fn going_rsvps_grow_only_into_free_places() {
        let full = event(Some(4), false);
        let going = standing(RsvpStatus::Going, 2);
        assert_eq!(allow_edit(&full, going, 4, 2, None), Ok(()));
        assert_eq!(allow_edit(&full, going, 4, 1, None), Ok(()));
        assert_eq!(
            allow_edit(&full, going, 4, 3, None),
            Err(Refusal::NoPlacesForGuests)
        );
        assert_eq!(allow_edit(&full, going, 3, 3, None), Ok(()));
        // Waiting RSVPs take no places yet, so they may grow.
        let waiting = standing(RsvpStatus::Waitlisted, 1);
        assert_eq!(allow_edit(&full, waiting, 4, 5, None), Ok(()));
        assert_eq!(
            allow_edit(&full, standing(RsvpStatus::Cancelled, 1), 0, 1, None),
            Err(Refusal::RsvpCancelled)
        );
    }

    #[test]
    fn approval_admits_what_fits() {
        let small = event(Some(3), true);
        let pending = standing(RsvpStatus::Pending, 2);
        assert_eq!(
            decide(&small, pending, false, 1, true),
            Ok(RsvpStatus::Going)
        );
        assert_eq!(
            decide(&small, pending, false, 2, true),
            Ok(RsvpStatus::Waitlisted)
        );
        assert_eq!(
            decide(&small, pending, false, 0, false),
            Ok(RsvpStatus::Declined)
        );
        let going = standing(RsvpStatus::Going, 2);
        assert_eq!(decide(&small, going, false, 3, true), Ok(RsvpStatus::Going));
        assert_eq!(
            decide(&small, pending, true, 0, true),
            Err(Refusal::NothingToDecide)
        );
    }

    #[test]
    fn the_waitlist_moves_up_in_order_each_that_fits() {
        let open = event(Some(5), false);
        assert_eq!(promote(&open, 2, &[2, 3, 1]), (vec![0, 2], 5));
        assert_eq!(promote(&event(None, false), 2, &[4, 4]), (vec![0, 1], 10));
        assert_eq!(promote(&event(Some(5), true), 0, &[1]), (vec![], 0));
    }

    #[test]
    fn only_people_going_mark_presence() {
        let open = event(None, false);
        assert_eq!(allow_presence(&open, RsvpStatus::Going), Ok(()));
        assert_eq!(
            allow_presence(&open, RsvpStatus::Waitlisted),
            Err(Refusal::NotGoing)
        );
    }
}
