//! Live updates on the day of an action: what kind, for whom (`Audience`), and who may follow
//! which audiences.

use chrono::{DateTime, Utc};

use super::event::Role;
use super::{bounded_multiline_text, bounded_text, word_enum, FieldError};

word_enum!(
    /// What an update is. `help` is an attendee's "I need help", never an organizer's post.
    UpdateKind {
        Announcement => "announcement",
        Location => "location",
        Alert => "alert",
        Status => "status",
        Help => "help",
    }
);

/// Who an update is for: everyone following, people going, one day-of role, or the
/// responders (organizers, medics, legal observers and jail support: who answers "I need help").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    Public,
    Attendees,
    Role(Role),
    Responders,
}

/// The day-of roles among the responders (organizers are always responders).
pub const RESPONDER_ROLES: [Role; 3] = [Role::Medic, Role::LegalObserver, Role::JailSupport];

impl Audience {
    pub fn parse(word: &str) -> Option<Self> {
        match word {
            "public" => Some(Audience::Public),
            "attendees" => Some(Audience::Attendees),
            "responders" => Some(Audience::Responders),
            other => Role::parse(other).map(Audience::Role),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Attendees => "attendees",
            Audience::Role(role) => role.as_str(),
            Audience::Responders => "responders",
        }
    }

    /// Every audience, for organizers.
    pub fn all() -> Vec<Audience> {
        let mut all = vec![Audience::Public, Audience::Attendees];
        all.extend(Role::ALL.iter().map(|role| Audience::Role(*role)));
        all.push(Audience::Responders);
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
    /// them. `help` is not a kind organizers post.
    pub fn parse(
        kind: UpdateKind,
        audience: &str,
        text: String,
        location: Option<String>,
        roles: &[Role],
    ) -> Result<Self, FieldError> {
        if kind == UpdateKind::Help {
            return Err(FieldError::new(
                "kind",
                "help requests come from attendees: choose announcement, location, alert or status",
            ));
        }
        let audience = Audience::parse(audience)
            .filter(|audience| match audience {
                Audience::Role(role) => roles.contains(role),
                _ => true,
            })
            .ok_or_else(|| {
                FieldError::new(
                    "audience",
                    "choose who gets it: public, attendees, responders, or a role this event offers",
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

/// The longest "I need help" text, in characters.
pub const MAX_HELP_TEXT: usize = 280;

/// What someone asking for help may add: one line, at most 280 characters, possibly nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HelpText(String);

impl HelpText {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        bounded_text("text", text, 0, MAX_HELP_TEXT).map(HelpText)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
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
    /// For `help`: the pseudonym of who asked, as their RSVP has it now (none once it is
    /// deleted or purged).
    pub pseudonym: Option<String>,
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
        assert_eq!(Audience::parse("responders"), Some(Audience::Responders));
    }

    #[test]
    fn organizers_do_not_post_help_and_help_is_one_short_line() {
        let refused = UpdateDraft::parse(UpdateKind::Help, "responders", "x".into(), None, &[])
            .expect_err("attendees ask for help");
        assert_eq!(refused.field, "kind");
        assert!(UpdateDraft::parse(UpdateKind::Alert, "responders", "x".into(), None, &[]).is_ok());
        assert_eq!(HelpText::parse("  ").expect("empty is fine").as_str(), "");
        assert_eq!(
            HelpText::parse(&"x".repeat(281)).expect_err("long").field,
            "text"
        );
        assert_eq!(HelpText::parse("a\nb").expect_err("one line").field, "text");
        assert!(HelpText::parse(&"é".repeat(280)).is_ok());
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
