//! Door links: what a door volunteer holding one may see and do. The link's token is parsed
//! here (a pure function the fuzz target calls); the volunteer sees the going RSVPs' pseudonym,
//! guests, role and arrival only (never needs, answers or email, and no location at all), and
//! may mark one arrived.

use chrono::{DateTime, Duration, Utc};

use super::event::{Event, Role};
use super::rsvp::MAX_PSEUDONYM;
use super::FieldError;

/// Characters in a door link's token: 32 random bytes, base64url without padding.
pub const TOKEN_CHARS: usize = 43;

/// A link lasts, by default, until this long after its event ends.
pub const DEFAULT_AFTER_END_HOURS: i64 = 2;

/// A link may last at most this long after its event ends: after the purge it would show
/// nothing anyway, and a live link to a list of names is a risk for nothing.
pub const MAX_AFTER_END_DAYS: i64 = 7;

/// A door link as organizers see it: never its token, which exists only in the answer that
/// made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorLink {
    pub id: String,
    pub event_id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The secret part of `/door/{token}`, in the shape the server hands out. Anything else (too
/// short or long, other characters) cannot be a door link, and is not looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorToken(String);

impl DoorToken {
    pub fn parse(raw: &str) -> Option<Self> {
        let shaped = raw.len() == TOKEN_CHARS
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        shaped.then(|| DoorToken(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// When a new link stops working: the time asked for, or the event's end plus two hours. It
/// must be in the future and at most `MAX_AFTER_END_DAYS` after the event ends.
pub fn expiry(
    event: &Event,
    asked: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, FieldError> {
    let ends = event.draft.ends_at;
    let expires_at = asked.unwrap_or(ends + Duration::hours(DEFAULT_AFTER_END_HOURS));
    if expires_at <= now {
        return Err(FieldError::new(
            "expires_at",
            "expires_at must be in the future",
        ));
    }
    if expires_at > ends + Duration::days(MAX_AFTER_END_DAYS) {
        return Err(FieldError::new(
            "expires_at",
            format!("expires_at is at most {MAX_AFTER_END_DAYS} days after the event ends"),
        ));
    }
    Ok(expires_at)
}

/// Whether a link that expires at `expires_at` still opens at `now`.
pub fn is_open(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < expires_at
}

/// The RSVP id an "arrived" button sends: a UUID, as the server makes them.
pub fn parse_rsvp_id(raw: &str) -> Result<String, FieldError> {
    uuid::Uuid::try_parse(raw.trim())
        .map(|id| id.hyphenated().to_string())
        .map_err(|_| FieldError::new("rsvp_id", "rsvp_id is not an RSVP's id"))
}

/// A name typed into the door list's search: trimmed, at most a pseudonym's length, one line.
/// Blank is no search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameSearch(String);

impl NameSearch {
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        let Some(raw) = raw else {
            return Ok(None);
        };
        let text = super::bounded_text("q", raw, 0, MAX_PSEUDONYM)?;
        Ok((!text.is_empty()).then_some(NameSearch(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `pseudonym` holds the search, ignoring case.
    pub fn matches(&self, pseudonym: &str) -> bool {
        pseudonym.to_lowercase().contains(&self.0.to_lowercase())
    }
}

/// One person on the door list: all a door volunteer may see of an RSVP (the access policy
/// makes it: `access::door_line`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorLine {
    pub rsvp_id: String,
    pub pseudonym: String,
    pub guests: i32,
    pub role: Option<Role>,
    pub arrived: bool,
}

/// The door list's counts: people (RSVPs) going and arrived, and places (with guests).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DoorCounts {
    pub going: usize,
    pub arrived: usize,
    pub places_going: i32,
    pub places_arrived: i32,
}

impl DoorCounts {
    pub fn of(lines: &[DoorLine]) -> Self {
        let mut counts = DoorCounts::default();
        for line in lines {
            counts.going += 1;
            counts.places_going += 1 + line.guests;
            if line.arrived {
                counts.arrived += 1;
                counts.places_arrived += 1 + line.guests;
            }
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::sample_action;

    #[test]
    fn only_the_shape_the_server_hands_out_is_a_token() {
        let good = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234";
        assert_eq!(good.len(), TOKEN_CHARS);
        assert_eq!(DoorToken::parse(good).map(|t| t.0), Some(good.into()));
        for bad in [
            "",
            "short",
            &good[1..],
            &format!("{good}x"),
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_0123/",
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_0123\0",
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_012é",
        ] {
            assert_eq!(DoorToken::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_link_lasts_until_two_hours_after_the_end_by_default() {
        let event = Event::new(sample_action(), Utc::now());
        let ends = event.draft.ends_at;
        let now = event.draft.starts_at - Duration::days(1);
        assert_eq!(expiry(&event, None, now), Ok(ends + Duration::hours(2)));
        let soon = now + Duration::hours(1);
        assert_eq!(expiry(&event, Some(soon), now), Ok(soon));
        for bad in [now, now - Duration::seconds(1), ends + Duration::days(8)] {
            assert_eq!(
                expiry(&event, Some(bad), now).map_err(|e| e.field),
                Err("expires_at".into())
            );
        }
        assert!(is_open(soon, now) && !is_open(soon, soon));
    }

    #[test]
    fn arrivals_count_people_and_places() {
        let line = |arrived| DoorLine {
            rsvp_id: "id".into(),
            pseudonym: "Heron".into(),
            guests: 2,
            role: Some(Role::Medic),
            arrived,
        };
        let counts = DoorCounts::of(&[line(true), line(false)]);
        assert_eq!((counts.going, counts.arrived), (2, 1));
        assert_eq!((counts.places_going, counts.places_arrived), (6, 3));
    }

    #[test]
    fn searches_ignore_case_and_blank_is_none() {
        let search = NameSearch::parse(Some("  her "))
            .expect("valid")
            .expect("some");
        assert!(search.matches("Heron") && !search.matches("Robin"));
        assert_eq!(NameSearch::parse(Some("   ")), Ok(None));
        assert_eq!(NameSearch::parse(None), Ok(None));
        assert!(NameSearch::parse(Some("a\nb")).is_err());
        assert!(parse_rsvp_id("not-a-uuid").is_err());
        let id = uuid::Uuid::new_v4().to_string();
        assert_eq!(parse_rsvp_id(&id), Ok(id));
    }
}
