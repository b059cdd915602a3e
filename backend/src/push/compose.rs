//! What one push says, decided at the moment it is sent: the access policy is asked with the
//! subscriber's standing as it is now (a declined or cancelled RSVP gets nothing more), and the
//! lock-screen text is neutral unless the person chose `full` on their phone. A neutral push
//! never carries an update's text or a location; a full one carries a location only where the
//! policy lets this subscriber see it.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::push::Subscriber;
use crate::domain::access::{self as policy, Viewer};
use crate::domain::event::Event;
use crate::domain::live::{Audience, LiveUpdate, UpdateKind};
use crate::domain::push::{PushDetail, PushTopic};
use crate::domain::rsvp::RsvpStatus;
use crate::i18n::Lang;

/// The decrypted payload the phone's service worker reads (PRODUCT.md, Push).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payload {
    pub title: String,
    pub body: String,
    pub url: String,
    pub kind: String,
    pub event_id: String,
}

/// How soon a push service should deliver a message, and how long it may hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub urgent: bool,
    pub ttl: Duration,
}

/// Urgent messages (alerts, help, the home-safe nudge) are stale after this long.
const URGENT_TTL: Duration = Duration::from_secs(3600);
/// Other updates are kept for the rest of the day.
const ORDINARY_TTL: Duration = Duration::from_secs(12 * 3600);

/// One push, ready to encrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub payload: Payload,
    pub delivery: Delivery,
}

/// The subscriber as the access policy sees them now; `None`: nothing goes to them any more.
fn viewer(subscriber: &Subscriber) -> Option<(Viewer, bool)> {
    match subscriber {
        Subscriber::Organizer { enabled: true } => Some((Viewer::Organizer, false)),
        Subscriber::Organizer { enabled: false } | Subscriber::Attendee(None) => None,
        // A declined or cancelled RSVP gets nothing more, not even what goes to the public.
        Subscriber::Attendee(Some((standing, _)))
            if matches!(
                standing.status,
                RsvpStatus::Declined | RsvpStatus::Cancelled
            ) =>
        {
            None
        }
        Subscriber::Attendee(Some((standing, out_late))) => {
            Some((Viewer::Attendee(*standing), *out_late))
        }
    }
}

/// Update kinds that ask for attention at once.
fn is_urgent(kind: &str) -> bool {
    matches!(kind, "alert" | "help")
}

/// What to push about `topic` to this subscriber now, or `None` when it is not for them
/// (any more). `update` is the live update a `PushTopic::Update` names, if it still exists.
pub fn compose(
    topic: PushTopic,
    event: &Event,
    update: Option<&LiveUpdate>,
    subscriber: &Subscriber,
    detail: PushDetail,
    lang: Lang,
    now: DateTime<Utc>,
) -> Option<Message> {
    let (viewer, out_late) = viewer(subscriber)?;
    let url = match viewer {
        Viewer::Organizer => format!("/organize/events/{}/live", event.id),
        _ => format!("/events/{}/live", event.id),
    };
    let neutral_title = || {
        event
            .draft
            .cover_title
            .clone()
            .unwrap_or_else(|| lang.t("push-neutral-title"))
    };
    let title = match detail {
        PushDetail::Neutral => neutral_title(),
        PushDetail::Full => event.draft.title.clone(),
    };
    let (kind, body, urgent) = match topic {
        PushTopic::Update(_) => {
            let update = update?;
            let seen = policy::update_for(event, &viewer, update, now)?;
            let kind = update.kind.as_str();
            let urgent = is_urgent(kind);
            let body = match detail {
                PushDetail::Neutral if urgent => lang.t("push-neutral-urgent"),
                PushDetail::Neutral => lang.t("push-neutral-body"),
                PushDetail::Full => {
                    // A call for help says who asked (responders only see it at all).
                    let text = match (&update.pseudonym, update.kind) {
                        (Some(who), UpdateKind::Help) => format!("{who}: {}", update.text),
                        _ => update.text.clone(),
                    };
                    match seen.location {
                        Some(location) => format!("{text}\n{location}"),
                        None => text,
                    }
                }
            };
            (kind.to_string(), body, urgent)
        }
        PushTopic::SafeByNudge => {
            let going = matches!(viewer, Viewer::Attendee(_))
                && policy::in_audience(event, &viewer, Audience::Attendees);
            if !going || !out_late {
                return None;
            }
            let body = match detail {
                PushDetail::Neutral => lang.t("push-neutral-urgent"),
                PushDetail::Full => lang.t("push-safe-by-nudge"),
            };
            (topic.word().to_string(), body, true)
        }
        PushTopic::NotYetSafe => {
            // Who is not home yet is for organizers and jail support (as the `safety` frame).
            if !policy::may_see_missing(event, &viewer) {
                return None;
            }
            let body = match detail {
                PushDetail::Neutral => lang.t("push-neutral-urgent"),
                PushDetail::Full => lang.t("push-not-yet-safe"),
            };
            (topic.word().to_string(), body, true)
        }
    };
    Some(Message {
        payload: Payload {
            title,
            body,
            url,
            kind,
            event_id: event.id.clone(),
        },
        delivery: Delivery {
            urgent,
            ttl: if urgent { URGENT_TTL } else { ORDINARY_TTL },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Standing;
    use crate::domain::event::{EventDraft, LocationPrivacy, Role};
    use crate::domain::live::UpdateKind;
    use crate::domain::rsvp::RsvpStatus;

    fn event() -> Event {
        let draft = EventDraft {
            title: "Rally for decriminalization".into(),
            cover_title: Some("Saturday meetup".into()),
            location: "The secret corner".into(),
            location_privacy: LocationPrivacy::Attendees,
            roles: Role::ALL.to_vec(),
            ..crate::domain::event::sample_action()
        };
        Event::new(draft, Utc::now())
    }

    fn update(event: &Event, kind: UpdateKind, audience: Audience) -> LiveUpdate {
        LiveUpdate {
            event_id: event.id.clone(),
            seq: 1,
            kind,
            audience,
            text: "Police at the north corner".into(),
            location: (kind == UpdateKind::Location).then(|| "The back door".into()),
            created_at: Utc::now(),
            pseudonym: None,
        }
    }

    fn attendee(status: RsvpStatus, role: Option<Role>) -> Subscriber {
        Subscriber::Attendee(Some((
            Standing {
                status,
                approved: false,
                role,
            },
            false,
        )))
    }

    #[test]
    fn neutral_pushes_carry_neither_the_text_nor_a_place() {
        let event = event();
        let moved = update(&event, UpdateKind::Location, Audience::Attendees);
        let going = attendee(RsvpStatus::Going, None);
        let message = compose(
            PushTopic::Update(1),
            &event,
            Some(&moved),
            &going,
            PushDetail::Neutral,
            Lang::En,
            Utc::now(),
        )
        .expect("for them");
        let text = format!("{message:?}");
        assert!(!text.contains("Police") && !text.contains("back door"));
        assert!(!text.contains("Rally"), "{text}");
        assert_eq!(message.payload.title, "Saturday meetup");
        assert_eq!(message.payload.kind, "location");
        let full = compose(
            PushTopic::Update(1),
            &event,
            Some(&moved),
            &going,
            PushDetail::Full,
            Lang::En,
            Utc::now(),
        )
        .expect("for them");
        assert!(full.payload.body.contains("Police"));
        assert!(full.payload.body.contains("The back door"));
    }

    #[test]
    fn only_who_the_policy_lets_see_it_gets_it() {
        let event = event();
        let alert = update(&event, UpdateKind::Alert, Audience::Role(Role::Medic));
        let push = |subscriber: &Subscriber| {
            compose(
                PushTopic::Update(1),
                &event,
                Some(&alert),
                subscriber,
                PushDetail::Full,
                Lang::En,
                Utc::now(),
            )
        };
        let medic = push(&attendee(RsvpStatus::Going, Some(Role::Medic))).expect("a medic");
        assert!(medic.delivery.urgent);
        assert!(push(&attendee(RsvpStatus::Going, Some(Role::Marshal))).is_none());
        assert!(push(&attendee(RsvpStatus::Declined, Some(Role::Medic))).is_none());
        assert!(push(&attendee(RsvpStatus::Cancelled, Some(Role::Medic))).is_none());
        assert!(push(&Subscriber::Attendee(None)).is_none(), "purged");
        assert!(push(&Subscriber::Organizer { enabled: true }).is_some());
        assert!(push(&Subscriber::Organizer { enabled: false }).is_none());
    }

    #[test]
    fn a_full_push_shows_a_place_only_to_who_may_see_the_events() {
        let event = event();
        let moved = update(&event, UpdateKind::Location, Audience::Public);
        let waiting = compose(
            PushTopic::Update(1),
            &event,
            Some(&moved),
            &attendee(RsvpStatus::Waitlisted, None),
            PushDetail::Full,
            Lang::En,
            Utc::now(),
        )
        .expect("a public update");
        assert!(!waiting.payload.body.contains("back door"));
    }

    #[test]
    fn declined_and_cancelled_rsvps_get_nothing_not_even_public_news() {
        let event = event();
        let news = update(&event, UpdateKind::Announcement, Audience::Public);
        for gone in [RsvpStatus::Declined, RsvpStatus::Cancelled] {
            let message = compose(
                PushTopic::Update(news.seq),
                &event,
                Some(&news),
                &attendee(gone, None),
                PushDetail::Full,
                Lang::En,
                Utc::now(),
            );
            assert_eq!(message, None, "{gone}");
        }
        assert!(compose(
            PushTopic::Update(news.seq),
            &event,
            Some(&news),
            &attendee(RsvpStatus::Waitlisted, None),
            PushDetail::Full,
            Lang::En,
            Utc::now(),
        )
        .is_some());
    }
}
