//! `umbrella demo`: a handful of realistic sample events of each kind, starting soon, so a new
//! install has something to look at.

use chrono::{DateTime, Duration, Utc};

use crate::db::{events, DbConnection};
use crate::domain::event::RoleNumbers;
use crate::domain::event::{
    CountDisplay, Event, EventDraft, EventKind, LocationPrivacy, Role, Visibility,
    DEFAULT_REMINDER_OFFSETS,
};
use crate::domain::FieldError;

struct Sample {
    kind: EventKind,
    title: &'static str,
    cover_title: Option<&'static str>,
    description: &'static str,
    days_ahead: i64,
    hour_utc: i64,
    hours_long: i64,
    location: &'static str,
    privacy: LocationPrivacy,
    capacity: Option<i32>,
    tags: &'static [&'static str],
    accessibility: &'static str,
    language: &'static str,
    approval_required: bool,
}

const SAMPLES: &[Sample] = &[
    Sample {
        kind: EventKind::Workshop,
        title: "Know your rights: police encounters",
        cover_title: Some("Community workshop"),
        description: "What you have to say, what you don't, and how to document a stop.\n\n\
            Led by a legal observer and a former worker. **No names needed.**",
        days_ahead: 3,
        hour_utc: 23,
        hours_long: 2,
        location: "Riverside Library, meeting room B",
        privacy: LocationPrivacy::Public,
        capacity: Some(30),
        tags: &["legal", "know-your-rights"],
        accessibility:
            "Step-free entrance. ASL interpreter on request. Childcare in the next room.",
        language: "en",
        approval_required: false,
    },
    Sample {
        kind: EventKind::Workshop,
        title: "Taller: seguridad digital para trabajadoras",
        cover_title: Some("Taller comunitario"),
        description: "Cómo separar tus cuentas, proteger tus fotos y tu teléfono.",
        days_ahead: 6,
        hour_utc: 0,
        hours_long: 2,
        location: "Shared with attendees",
        privacy: LocationPrivacy::Attendees,
        capacity: Some(15),
        tags: &["digital-safety", "español"],
        accessibility: "Accesible en silla de ruedas. Café y merienda.",
        language: "es",
        approval_required: false,
    },
    Sample {
        kind: EventKind::Workshop,
        title: "Harm reduction supplies and naloxone",
        cover_title: Some("Health meetup"),
        description: "Hands-on naloxone training; take-home kits and test strips for everyone.",
        days_ahead: 10,
        hour_utc: 22,
        hours_long: 2,
        location: "Eastside clinic community room",
        privacy: LocationPrivacy::Public,
        capacity: None,
        tags: &["harm-reduction", "health"],
        accessibility: "Quiet room available. Restrooms are gender neutral.",
        language: "en",
        approval_required: false,
    },
    Sample {
        kind: EventKind::Training,
        title: "Marshal training for the spring action",
        cover_title: Some("Volunteer training"),
        description: "Crowd safety, radio use, de-escalation basics. Required for marshals.",
        days_ahead: 5,
        hour_utc: 17,
        hours_long: 3,
        location: "Union hall, 2nd floor",
        privacy: LocationPrivacy::Approved,
        capacity: Some(20),
        tags: &["marshals", "safety"],
        accessibility: "Elevator access. Snacks provided.",
        language: "en",
        approval_required: true,
    },
    Sample {
        kind: EventKind::Training,
        title: "Jail support and legal hotline training",
        cover_title: None,
        description: "How jail support works after an action: intake, tracking, rides home.",
        days_ahead: 12,
        hour_utc: 23,
        hours_long: 2,
        location: "Online: link sent to attendees",
        privacy: LocationPrivacy::Attendees,
        capacity: Some(40),
        tags: &["jail-support", "legal"],
        accessibility: "Live captions.",
        language: "en",
        approval_required: false,
    },
    Sample {
        kind: EventKind::Training,
        title: "Street medic basics",
        cover_title: Some("First aid class"),
        description: "Eye flushes, heat illness, and staying safe as a medic in a crowd.",
        days_ahead: 17,
        hour_utc: 16,
        hours_long: 4,
        location: "Community center gym",
        privacy: LocationPrivacy::Public,
        capacity: Some(25),
        tags: &["medics", "health"],
        accessibility: "Step-free. Bring water.",
        language: "en",
        approval_required: false,
    },
    Sample {
        kind: EventKind::Action,
        title: "Rally: decriminalize survival",
        cover_title: Some("Saturday gathering"),
        description: "We march from the park to city hall. Wear red. Masks encouraged.\n\n\
            Marshals and medics will be on the route; legal observers present.",
        days_ahead: 14,
        hour_utc: 18,
        hours_long: 3,
        location: "Meet at the fountain, Central Park (north side)",
        privacy: LocationPrivacy::RevealAt,
        capacity: None,
        tags: &["rally", "decrim"],
        accessibility:
            "Route is flat and step-free; a rest stop at the halfway point. Ride share available.",
        language: "en",
        approval_required: false,
    },
    Sample {
        kind: EventKind::Action,
        title: "Court support for a community member",
        cover_title: Some("Morning meetup"),
        description: "Pack the courtroom. Dress neutral; no signs inside the building.",
        days_ahead: 8,
        hour_utc: 14,
        hours_long: 3,
        location: "County courthouse, room shared the night before",
        privacy: LocationPrivacy::Attendees,
        capacity: Some(50),
        tags: &["court-support"],
        accessibility: "Elevators inside; security screening at the door.",
        language: "en",
        approval_required: false,
    },
    Sample {
        kind: EventKind::Action,
        title: "City council testimony",
        cover_title: Some("Evening meeting"),
        description: "Testify or just fill the seats while the council debates the new ordinance.",
        days_ahead: 21,
        hour_utc: 23,
        hours_long: 3,
        location: "City hall, council chambers",
        privacy: LocationPrivacy::Public,
        capacity: None,
        tags: &["policy"],
        accessibility: "Hearing loop in the chamber. Spanish interpretation.",
        language: "en",
        approval_required: false,
    },
];

fn draft(sample: &Sample, now: DateTime<Utc>) -> Result<EventDraft, FieldError> {
    let day = now.date_naive() + Duration::days(sample.days_ahead);
    let starts_at =
        day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() + Duration::hours(sample.hour_utc);
    let ends_at = starts_at + Duration::hours(sample.hours_long);
    let draft = EventDraft {
        kind: sample.kind,
        title: sample.title.into(),
        cover_title: sample.cover_title.map(str::to_owned),
        description: sample.description.into(),
        starts_at,
        ends_at,
        location: sample.location.into(),
        location_privacy: sample.privacy,
        location_reveal_at: Some(starts_at - Duration::hours(2)),
        capacity: sample.capacity,
        tags: sample.tags.iter().map(|t| t.to_string()).collect(),
        accessibility: sample.accessibility.into(),
        language: sample.language.into(),
        visibility: Visibility::Listed,
        approval_required: sample.approval_required,
        roles: match sample.kind {
            EventKind::Action => Role::ALL.to_vec(),
            EventKind::Training => vec![Role::Marshal, Role::Medic],
            EventKind::Workshop => Vec::new(),
        },
        reminder_offsets_minutes: DEFAULT_REMINDER_OFFSETS.to_vec(),
        count_display: if sample.kind == EventKind::Action {
            CountDisplay::Rounded
        } else {
            CountDisplay::Exact
        },
        // Actions ask everyone to check out home safe within an hour of the end.
        safe_by: (sample.kind == EventKind::Action).then(|| ends_at + Duration::hours(1)),
        access: crate::domain::event::Access::Open,
        who_for: String::new(),
        questions: Vec::new(),
        // An action shows what it still needs on the day.
        roles_needed: if sample.kind == EventKind::Action {
            RoleNumbers::from_pairs([(Role::Marshal, 3), (Role::Medic, 2)])
        } else {
            RoleNumbers::default()
        },
    };
    draft.validate()
}

/// Insert the sample events and return how many.
pub fn load(conn: &mut DbConnection, now: DateTime<Utc>) -> anyhow::Result<usize> {
    // Every sample is checked before any is stored.
    let drafts = SAMPLES
        .iter()
        .map(|sample| draft(sample, now))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| anyhow::anyhow!("a sample event is not valid: {}", error.message))?;
    for draft in drafts {
        let event = Event::new(draft, now);
        events::insert(conn, &event, None).map_err(crate::db::Error::into_anyhow)?;
    }
    Ok(SAMPLES.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_is_valid_and_upcoming() {
        let now = Utc::now();
        for sample in SAMPLES {
            let draft = draft(sample, now).unwrap_or_else(|e| panic!("{}: {e:?}", sample.title));
            assert!(draft.starts_at > now, "{}", sample.title);
        }
        for kind in EventKind::ALL {
            assert!(SAMPLES.iter().filter(|s| s.kind == *kind).count() >= 3);
        }
    }
}
