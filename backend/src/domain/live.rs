//! Live updates on the day of an action: what kind, for whom (`Audience`), and who may follow
//! which audiences.

use chrono::{DateTime, Utc};

use super::event::Role;
use super::{bounded_multiline_text, bounded_text, word_enum, FieldError};

word_enum!(
    UpdateKind { Announcement => "announcement", Location => "location", Alert => "alert", Status => "status" }
);

/// Who an update is for: everyone following, people going, or one day-of role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    Public,
    Attendees,
    Role(Role),
}

impl Audience {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "public" => Some(Audience::Public),
            "attendees" => Some(Audience::Attendees),
            other => Role::parse(other).map(Audience::Role),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Attendees => "attendees",
            Audience::Role(role) => role.as_str(),
        }
    }

    /// Every audience, for organizers.
    pub fn all() -> Vec<Audience> {
        let mut all = vec![Audience::Public, Audience::Attendees];
        all.extend(Role::ALL.iter().map(|role| Audience::Role(*role)));
        all
    }
}

pub const MAX_UPDATE_TEXT: usize = 2_000;
const MAX_UPDATE_LOCATION: usize = 500;

/// What an organizer posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateDraft {
    pub kind: UpdateKind,
    pub audience: Audience,
    pub text: String,
    pub location: Option<String>,
}

impl UpdateDraft {
    /// An organizer's update for an event that offers `roles`: a role audience must be one of
    /// them.
    pub fn parse(
        kind: UpdateKind,
        audience: &str,
        text: String,
        location: Option<String>,
        roles: &[Role],
    ) -> Result<Self, FieldError> {
        let audience = Audience::parse(audience)
            .filter(|audience| match audience {
                Audience::Role(role) => roles.contains(role),
                _ => true,
            })
            .ok_or_else(|| {
                FieldError::new(
                    "audience",
                    "choose who gets it: public, attendees, or a role this event offers",
                )
            })?;
        UpdateDraft {
            kind,
            audience,
            text,
            location,
        }
        .validate()
    }

    pub fn validate(mut self) -> Result<Self, FieldError> {
        self.text = bounded_multiline_text("text", &self.text, 1, MAX_UPDATE_TEXT)?;
        let given = self.location.as_deref().filter(|location| {
            // Blank means none; a control character is refused below, not taken for blank.
            !location.trim().is_empty() || location.contains(char::is_control)
        });
        self.location = match (self.kind, given) {
            (UpdateKind::Location, None) => {
                return Err(FieldError::new(
                    "location",
                    "a location update needs the new location",
                ))
            }
            (UpdateKind::Location, Some(location)) => {
                Some(bounded_text("location", location, 1, MAX_UPDATE_LOCATION)?)
            }
            (_, _) => None,
        };
        Ok(self)
    }
}

/// A stored update, numbered per event from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveUpdate {
    pub event_id: String,
    pub seq: i32,
    pub kind: UpdateKind,
    pub audience: Audience,
    pub text: String,
    pub location: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(kind: UpdateKind, text: &str, location: Option<&str>) -> UpdateDraft {
        UpdateDraft {
            kind,
            audience: Audience::Public,
            text: text.into(),
            location: location.map(str::to_owned),
        }
    }

    #[test]
    fn audiences_are_words() {
        for audience in Audience::all() {
            assert_eq!(Audience::parse(audience.as_str()), Some(audience));
        }
        assert_eq!(Audience::parse("everyone"), None);
    }

    #[test]
    fn updates_are_checked() {
        assert!(
            draft(UpdateKind::Announcement, "Meet at the fountain", None)
                .validate()
                .is_ok()
        );
        assert_eq!(
            draft(UpdateKind::Alert, " ", None)
                .validate()
                .expect_err("empty")
                .field,
            "text"
        );
        assert_eq!(
            draft(UpdateKind::Alert, &"x".repeat(2_001), None)
                .validate()
                .expect_err("long")
                .field,
            "text"
        );
        assert_eq!(
            draft(UpdateKind::Location, "Moving", None)
                .validate()
                .expect_err("where")
                .field,
            "location"
        );
        let moved = draft(UpdateKind::Location, "Moving", Some(" City hall steps "))
            .validate()
            .expect("valid");
        assert_eq!(moved.location.as_deref(), Some("City hall steps"));
        assert_eq!(
            draft(UpdateKind::Alert, "Police", Some("ignored"))
                .validate()
                .expect("valid")
                .location,
            None
        );
    }
}
