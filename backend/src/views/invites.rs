//! Invite codes as they are shown: the organizer's page that makes, lists and revokes them,
//! the API's JSON, and the outline of an invitation-only event that a visitor without a valid
//! code sees (cover title or neutral words, the time, who it is for: nothing else).

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::pages::FormError;
use super::Chrome;
use crate::domain::event::{rfc3339, Event};
use crate::domain::invite::{Invite, InviteCode};
use crate::i18n::time::{moment, span};
use crate::i18n::Lang;

/// The event page's address with a code: what organizers hand out.
pub fn invite_path(event_id: &str, code: &InviteCode) -> String {
    format!("/events/{event_id}?invite={}", code.display())
}

/// An invite in the API (never its code).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InviteJson {
    pub id: String,
    /// RSVPs it still admits; `null` for no limit.
    #[schema(required)]
    pub uses_left: Option<i32>,
    #[schema(required, format = DateTime)]
    pub expires_at: Option<String>,
    pub revoked: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl InviteJson {
    pub fn new(invite: &Invite) -> Self {
        InviteJson {
            id: invite.id.clone(),
            uses_left: invite.uses_left,
            expires_at: invite.expires_at.map(rfc3339),
            revoked: invite.revoked,
            created_at: rfc3339(invite.created_at),
        }
    }
}

/// The answer to making an invite: its `code` and `url` are shown this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewInviteJson {
    pub id: String,
    /// The code, in groups of four (case, spaces and hyphens do not matter when typed).
    pub code: String,
    /// `/events/{id}?invite=CODE`, relative to the site.
    pub url: String,
    #[schema(required)]
    pub uses_left: Option<i32>,
    #[schema(required, format = DateTime)]
    pub expires_at: Option<String>,
}

impl NewInviteJson {
    pub fn new(invite: &Invite, code: &InviteCode) -> Self {
        NewInviteJson {
            id: invite.id.clone(),
            code: code.display(),
            url: invite_path(&invite.event_id, code),
            uses_left: invite.uses_left,
            expires_at: invite.expires_at.map(rfc3339),
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InviteListJson {
    pub invites: Vec<InviteJson>,
}

/// One invite on the organizer's page.
pub struct InviteLine {
    pub id: String,
    pub created: String,
    /// "3 uses left", "no limit"…
    pub uses: String,
    pub expires: Option<String>,
    /// Why it admits nobody any more, if it does not.
    pub closed: Option<String>,
}

impl InviteLine {
    pub fn new(invite: &Invite, tz: Tz, lang: Lang, now: DateTime<Utc>) -> Self {
        InviteLine {
            id: invite.id.clone(),
            created: moment(invite.created_at, tz, lang),
            uses: match invite.uses_left {
                Some(left) => lang.t_count("invites-uses-left", i64::from(left)),
                None => lang.t("invites-no-limit"),
            },
            expires: invite.expires_at.map(|at| moment(at, tz, lang)),
            closed: invite
                .check(now)
                .err()
                .map(|problem| lang.word("invite-closed", problem_word(problem))),
        }
    }
}

/// The word naming an invite problem in the messages (`invite-problem-*`).
pub fn problem_word(problem: crate::domain::invite::InviteProblem) -> &'static str {
    use crate::domain::invite::InviteProblem;
    match problem {
        InviteProblem::Unknown => "unknown",
        InviteProblem::UsedUp => "used_up",
        InviteProblem::Expired => "expired",
        InviteProblem::Revoked => "revoked",
    }
}

/// `/organize/events/{id}/invites`: make a code, see the codes, revoke one.
#[derive(Template)]
#[template(path = "organize/invites.html")]
pub struct InvitesPage {
    pub chrome: Chrome,
    pub event_id: String,
    /// Whether the event is invitation-only (else codes are not asked for yet).
    pub invite_only: bool,
    /// A code just made: shown this once, with its link.
    pub new_code: Option<String>,
    pub new_link: Option<String>,
    pub invites: Vec<InviteLine>,
    pub uses: String,
    pub expires_at: String,
    pub errors: Vec<FormError>,
    pub notice: Option<String>,
}

impl InvitesPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.text(self.chrome.lang))
    }
}

/// What a visitor without a valid code sees of an invitation-only event.
#[derive(Template)]
#[template(path = "event_outline.html")]
pub struct EventOutlinePage {
    pub chrome: Chrome,
    pub id: String,
    pub span: String,
    pub who_for: String,
    pub cancelled: bool,
    /// The code as typed, when it did not work, and why.
    pub code: String,
    pub problem: Option<String>,
}

impl EventOutlinePage {
    /// The outline under `chrome` (whose title is `title_for` the event).
    pub fn new(chrome: Chrome, event: &Event, tz: Tz, lang: Lang) -> Self {
        EventOutlinePage {
            chrome,
            id: event.id.clone(),
            span: span(event.draft.starts_at, event.draft.ends_at, tz, lang),
            who_for: event.draft.who_for.clone(),
            cancelled: event.is_cancelled(),
            code: String::new(),
            problem: None,
        }
    }

    /// The heading: the cover title, or neutral words.
    pub fn title_for(event: &Event, lang: Lang) -> String {
        event
            .draft
            .cover_title
            .clone()
            .unwrap_or_else(|| lang.t("invite-neutral-title"))
    }
}
