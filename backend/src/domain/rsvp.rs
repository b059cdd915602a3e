//! RSVPs: a chosen name and little else. `RsvpDraft` is the validated shape of what a person
//! sends; `Rsvp` is what is stored (with personal fields gone once purged).

use chrono::{DateTime, Utc};

use super::event::Role;
use super::{bounded_multiline_text, bounded_text, word_enum, FieldError};

word_enum!(
    RsvpStatus {
        Going => "going",
        Waitlisted => "waitlisted",
        Pending => "pending",
        Declined => "declined",
        Cancelled => "cancelled",
    }
);

/// How many RSVPs an event has in the states organizers watch: numbers only, never who.
/// `checked_in` and `home_safe` count going RSVPs, and stay counted after the purge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub going: i64,
    /// Places the going RSVPs take (each is 1 + guests).
    pub places: i64,
    pub waitlisted: i64,
    pub pending: i64,
    pub checked_in: i64,
    pub home_safe: i64,
}

pub const MAX_PSEUDONYM: usize = 64;
pub const MAX_GUESTS: i32 = 10;
pub const MAX_NEEDS: usize = 1_000;
const MAX_EMAIL: usize = 254;

/// The name someone goes by here: 1 to 64 characters, trimmed, any script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pseudonym(String);

impl Pseudonym {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text("pseudonym", raw, 1, MAX_PSEUDONYM).map(Pseudonym)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How many people come along: 0 to 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guests(i32);

impl Guests {
    pub fn parse(count: i32) -> Result<Self, FieldError> {
        if (0..=MAX_GUESTS).contains(&count) {
            Ok(Guests(count))
        } else {
            Err(FieldError::new(
                "guests",
                format!("guests is a number from 0 to {MAX_GUESTS}"),
            ))
        }
    }

    pub fn count(self) -> i32 {
        self.0
    }

    /// Places taken: the person and their guests.
    pub fn places(self) -> i32 {
        1 + self.0
    }
}

/// What someone needs to take part (access, childcare…): up to 1,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Needs(String);

impl Needs {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_multiline_text("needs", raw, 0, MAX_NEEDS).map(Needs)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An address for reminders, checked for shape; sealed before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// A field that may be left empty: blank is no address.
    pub fn parse_optional(raw: Option<&str>) -> Result<Option<Self>, FieldError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(email) => check_email(email).map(|email| Some(EmailAddress(email))),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a person sends to RSVP, parsed. Whether the event offers the role is the event's to
/// say, under its lock (`admission::admit`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsvpDraft {
    pub pseudonym: Pseudonym,
    pub guests: Guests,
    pub role: Option<Role>,
    pub needs: Needs,
    pub email: Option<EmailAddress>,
    /// The invite code sent with it (an invitation-only event needs one).
    pub invite: Option<super::invite::InviteCode>,
    /// Answers to the event's questions, checked against them (`question::check_answers`).
    pub answers: Vec<super::question::Answer>,
}

/// What a person changes through their manage link, parsed. `None` leaves a field as it is.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RsvpChange {
    pub pseudonym: Option<Pseudonym>,
    pub guests: Option<Guests>,
    pub role: Option<Option<Role>>,
    pub needs: Option<Needs>,
    /// `Some(None)` removes the email.
    pub email: Option<Option<EmailAddress>>,
    /// New answers to the event's questions (all of them, checked); `None` keeps the old ones.
    pub answers: Option<Vec<super::question::Answer>>,
    pub cancel: bool,
}

/// With no mail server configured this server sends no email, so it takes no address: one
/// sent anyway is refused, not silently kept.
pub fn refuse_email_without_mail(email: Option<&str>, sends_mail: bool) -> Result<(), FieldError> {
    match email.map(str::trim) {
        Some(email) if !email.is_empty() && !sends_mail => Err(FieldError::new(
            "email",
            "this server sends no email, so it takes no address; leave it empty",
        )),
        _ => Ok(()),
    }
}

fn check_email(email: &str) -> Result<String, FieldError> {
    let valid = email.len() <= MAX_EMAIL
        && email_address::EmailAddress::parse_with_options(
            email,
            email_address::Options::default().without_display_text(),
        )
        .is_ok_and(|address| address.domain().contains('.'));
    if valid {
        Ok(email.to_string())
    } else {
        Err(FieldError::new(
            "email",
            "that does not look like an email address; leave it empty if you prefer",
        ))
    }
}

/// What someone marks on the day through their manage link: arrival, or "home safe" after
/// (which counts as arrived too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    CheckedIn,
    HomeSafe,
}

/// A stored RSVP. After purge the personal fields are `None` and only status and guests remain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rsvp {
    /// Random id organizers use; never the manage token.
    pub id: String,
    pub event_id: String,
    pub pseudonym: Option<String>,
    pub guests: i32,
    pub role: Option<Role>,
    pub needs: Option<String>,
    pub has_email: bool,
    pub status: RsvpStatus,
    pub approved: bool,
    /// Arrived on the day (checked in through the manage link).
    pub checked_in: bool,
    /// Checked out "home safe" after the event.
    pub home_safe: bool,
    /// Answered "I'm still coming" to the day-ahead reminder.
    pub reconfirmed: bool,
    pub created_at: DateTime<Utc>,
}

impl Rsvp {
    /// Places this RSVP takes: the person and their guests.
    pub fn places(&self) -> i32 {
        1 + self.guests
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_script_and_trims() {
        assert_eq!(
            Pseudonym::parse("  Red ☂ ").expect("valid").as_str(),
            "Red ☂"
        );
        assert!(Pseudonym::parse("Мария 玛丽亚").is_ok());
        assert_eq!(EmailAddress::parse_optional(Some(" ")), Ok(None));
        assert_eq!(EmailAddress::parse_optional(None), Ok(None));
        let email = EmailAddress::parse_optional(Some(" someone@example.org "));
        assert_eq!(
            email.expect("valid").map(|e| e.as_str().to_string()),
            Some("someone@example.org".into())
        );
        assert_eq!(Guests::parse(10).map(Guests::places), Ok(11));
    }

    #[test]
    fn names_the_field_at_fault() {
        assert_eq!(
            Pseudonym::parse("   ").expect_err("blank").field,
            "pseudonym"
        );
        assert_eq!(
            Pseudonym::parse(&"x".repeat(65)).expect_err("long").field,
            "pseudonym"
        );
        assert_eq!(Guests::parse(-1).expect_err("negative").field, "guests");
        assert_eq!(Guests::parse(11).expect_err("many").field, "guests");
        assert_eq!(
            Needs::parse(&"x".repeat(1001)).expect_err("long").field,
            "needs"
        );
        for bad in ["not an email", "a@localhost"] {
            let error = EmailAddress::parse_optional(Some(bad)).expect_err(bad);
            assert_eq!(error.field, "email");
        }
    }
}
