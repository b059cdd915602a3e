//! RSVPs: a chosen name and little else. `RsvpDraft` is the validated shape of what a person
//! sends; `Rsvp` is what is stored (with personal fields gone once purged).

use chrono::{DateTime, Utc};

use super::event::{EventDraft, Role};
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

pub const MAX_PSEUDONYM: usize = 64;
pub const MAX_GUESTS: i32 = 10;
pub const MAX_NEEDS: usize = 1_000;
const MAX_EMAIL: usize = 254;

/// What a person sends to RSVP or to change their RSVP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsvpDraft {
    pub pseudonym: String,
    pub guests: i32,
    pub role: Option<Role>,
    pub needs: String,
    pub email: Option<String>,
}

impl RsvpDraft {
    /// Check every field against the event it is for.
    pub fn validate(mut self, event: &EventDraft) -> Result<Self, FieldError> {
        self.pseudonym = bounded_text("pseudonym", &self.pseudonym, 1, MAX_PSEUDONYM)?;
        if !(0..=MAX_GUESTS).contains(&self.guests) {
            return Err(FieldError::new(
                "guests",
                format!("guests is a number from 0 to {MAX_GUESTS}"),
            ));
        }
        if let Some(role) = self.role {
            if !event.roles.contains(&role) {
                return Err(FieldError::new(
                    "role",
                    "this event does not offer that role",
                ));
            }
        }
        self.needs = bounded_multiline_text("needs", &self.needs, 0, MAX_NEEDS)?;
        self.email = match self.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(email) => Some(check_email(email)?),
        };
        Ok(self)
    }
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

    fn event() -> EventDraft {
        EventDraft {
            roles: vec![Role::Medic],
            ..crate::domain::event::sample_action()
        }
    }

    fn draft() -> RsvpDraft {
        RsvpDraft {
            pseudonym: "  Red ☂ ".into(),
            guests: 1,
            role: Some(Role::Medic),
            needs: String::new(),
            email: Some(" ".into()),
        }
    }

    #[test]
    fn accepts_any_script_and_trims() {
        let valid = draft().validate(&event()).expect("valid");
        assert_eq!(valid.pseudonym, "Red ☂");
        assert_eq!(valid.email, None);
        let mut other = draft();
        other.pseudonym = "Мария 玛丽亚".into();
        other.email = Some("someone@example.org".into());
        assert!(other.validate(&event()).is_ok());
    }

    #[test]
    fn names_the_field_at_fault() {
        let field = |change: fn(&mut RsvpDraft)| {
            let mut d = draft();
            change(&mut d);
            d.validate(&event()).expect_err("invalid").field
        };
        assert_eq!(field(|d| d.pseudonym = "   ".into()), "pseudonym");
        assert_eq!(field(|d| d.pseudonym = "x".repeat(65)), "pseudonym");
        assert_eq!(field(|d| d.guests = -1), "guests");
        assert_eq!(field(|d| d.guests = 11), "guests");
        assert_eq!(field(|d| d.role = Some(Role::Driver)), "role");
        assert_eq!(field(|d| d.needs = "x".repeat(1001)), "needs");
        assert_eq!(field(|d| d.email = Some("not an email".into())), "email");
        assert_eq!(field(|d| d.email = Some("a@localhost".into())), "email");
    }
}
