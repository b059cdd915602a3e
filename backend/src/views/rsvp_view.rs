//! RSVP shapes: the web form as typed, the JSON the API takes and gives, and what the manage
//! and organizer pages show. Never the email itself: only whether there is one.

use serde::{Deserialize, Serialize};

use super::event_form::SelectOption;
use super::event_json::{rfc3339, EventJson};
use crate::db::rsvps::RsvpChange;
use crate::domain::event::{EventDraft, Role};
use crate::domain::rsvp::{refuse_email_without_mail, Rsvp, RsvpDraft, RsvpStatus};
use crate::domain::FieldError;
use crate::i18n::Lang;

/// The RSVP form on the event page and the edit form on the manage page.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RsvpFormValues {
    pub pseudonym: String,
    pub guests: String,
    pub role: String,
    pub needs: String,
    pub email: String,
    /// On the manage page: remove the saved email.
    pub remove_email: Option<String>,
    /// On the manage page: `save`, `cancel` or `delete`.
    pub action: String,
}

fn parse_guests(raw: &str) -> Result<i32, FieldError> {
    match raw.trim() {
        "" => Ok(0),
        value => value
            .parse()
            .map_err(|_| FieldError::new("guests", "guests is a number from 0 to 10")),
    }
}

fn parse_role(raw: &str) -> Result<Option<Role>, FieldError> {
    match raw.trim() {
        "" | "none" => Ok(None),
        word => Role::parse(word)
            .map(Some)
            .ok_or_else(|| FieldError::new("role", "choose one of the roles offered")),
    }
}

impl RsvpFormValues {
    /// The event page's form as an RSVP; `sends_mail` says whether an address may be given.
    pub fn to_draft(&self, sends_mail: bool) -> Result<RsvpDraft, FieldError> {
        refuse_email_without_mail(Some(&self.email), sends_mail)?;
        Ok(RsvpDraft {
            pseudonym: self.pseudonym.clone(),
            guests: parse_guests(&self.guests)?,
            role: parse_role(&self.role)?,
            needs: self.needs.clone(),
            email: Some(self.email.clone()),
        })
    }

    /// The manage page's edit form as a change. An empty email field keeps the saved one.
    pub fn to_change(&self, sends_mail: bool) -> Result<RsvpChange, FieldError> {
        refuse_email_without_mail(Some(&self.email), sends_mail)?;
        let email = if self.remove_email.is_some() {
            Some(None)
        } else if self.email.trim().is_empty() {
            None
        } else {
            Some(Some(self.email.clone()))
        };
        Ok(RsvpChange {
            pseudonym: Some(self.pseudonym.clone()),
            guests: Some(parse_guests(&self.guests)?),
            role: Some(parse_role(&self.role)?),
            needs: Some(self.needs.clone()),
            email,
            cancel: false,
        })
    }

    pub fn from_rsvp(rsvp: &Rsvp) -> Self {
        RsvpFormValues {
            pseudonym: rsvp.pseudonym.clone().unwrap_or_default(),
            guests: rsvp.guests.to_string(),
            role: rsvp
                .role
                .map(|r| r.as_str().to_string())
                .unwrap_or_default(),
            needs: rsvp.needs.clone().unwrap_or_default(),
            ..Default::default()
        }
    }

    /// Radio buttons for the roles this event offers, plus "no role".
    pub fn role_choices(&self, event: &EventDraft, lang: Lang) -> Vec<SelectOption> {
        let mut choices = vec![SelectOption {
            value: "",
            label: lang.t("role-none"),
            selected: self.role.is_empty(),
        }];
        choices.extend(event.roles.iter().map(|role| SelectOption {
            value: role.as_str(),
            label: lang.word("role", role.as_str()),
            selected: self.role == role.as_str(),
        }));
        choices
    }
}

/// `POST /api/v1/events/{id}/rsvps`
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RsvpInput {
    #[schema(min_length = 1, max_length = 64)]
    pub pseudonym: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10)]
    pub guests: i32,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub needs: String,
    /// Optional, for reminders; sealed, never shown back. Only on a server that sends email: one
    /// with no mail server configured refuses any address (`422` naming `email`).
    #[serde(default)]
    pub email: Option<String>,
}

impl RsvpInput {
    pub fn into_draft(self, sends_mail: bool) -> Result<RsvpDraft, FieldError> {
        refuse_email_without_mail(self.email.as_deref(), sends_mail)?;
        Ok(RsvpDraft {
            pseudonym: self.pseudonym,
            guests: self.guests,
            role: self.role,
            needs: self.needs,
            email: self.email,
        })
    }
}

fn explicit<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /api/v1/rsvps/{token}`: any subset; `"status": "cancelled"` cancels; `"email": null`
/// removes the address.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RsvpPatch {
    #[schema(min_length = 1, max_length = 64)]
    pub pseudonym: Option<String>,
    #[schema(minimum = 0, maximum = 10)]
    pub guests: Option<i32>,
    #[serde(default, deserialize_with = "explicit")]
    pub role: Option<Option<Role>>,
    pub needs: Option<String>,
    /// A new address, or `null` to remove the saved one. A server with no mail server configured
    /// refuses any address (`422` naming `email`).
    #[serde(default, deserialize_with = "explicit")]
    pub email: Option<Option<String>>,
    pub status: Option<RsvpStatus>,
}

impl RsvpPatch {
    pub fn into_change(self, sends_mail: bool) -> Result<RsvpChange, FieldError> {
        refuse_email_without_mail(self.email.as_ref().and_then(Option::as_deref), sends_mail)?;
        let cancel = match self.status {
            None => false,
            Some(RsvpStatus::Cancelled) => true,
            Some(_) => {
                return Err(FieldError::new(
                    "status",
                    "the only status you can set is cancelled",
                ))
            }
        };
        Ok(RsvpChange {
            pseudonym: self.pseudonym,
            guests: self.guests,
            role: self.role,
            needs: self.needs,
            email: self.email,
            cancel,
        })
    }
}

/// An RSVP as JSON. `token` and `manage_url` only in the answer to the person who RSVPed;
/// `id` only for organizers; never the email.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RsvpJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manage_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub event_id: String,
    pub status: RsvpStatus,
    #[schema(required)]
    pub pseudonym: Option<String>,
    pub guests: i32,
    #[schema(required)]
    pub role: Option<Role>,
    #[schema(required)]
    pub needs: Option<String>,
    pub has_email: bool,
    pub approved: bool,
    pub checked_in: bool,
    pub home_safe: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<EventJson>,
}

impl RsvpJson {
    pub fn new(rsvp: &Rsvp) -> Self {
        RsvpJson {
            token: None,
            manage_url: None,
            id: None,
            event_id: rsvp.event_id.clone(),
            status: rsvp.status,
            pseudonym: rsvp.pseudonym.clone(),
            guests: rsvp.guests,
            role: rsvp.role,
            needs: rsvp.needs.clone(),
            has_email: rsvp.has_email,
            approved: rsvp.approved,
            checked_in: rsvp.checked_in,
            home_safe: rsvp.home_safe,
            created_at: rfc3339(rsvp.created_at),
            event: None,
        }
    }
}

/// Counts for organizers: RSVPs by status, places taken, and going people by role.
#[derive(Debug, Serialize, Default, utoipa::ToSchema)]
pub struct RsvpCounts {
    pub going: usize,
    pub waitlisted: usize,
    pub pending: usize,
    pub declined: usize,
    pub cancelled: usize,
    pub places_taken: i32,
    pub by_role: std::collections::BTreeMap<&'static str, usize>,
}

impl RsvpCounts {
    pub fn of(rsvps: &[Rsvp]) -> Self {
        let mut counts = RsvpCounts::default();
        for rsvp in rsvps {
            match rsvp.status {
                RsvpStatus::Going => {
                    counts.going += 1;
                    counts.places_taken += rsvp.places();
                    if let Some(role) = rsvp.role {
                        *counts.by_role.entry(role.as_str()).or_default() += 1;
                    }
                }
                RsvpStatus::Waitlisted => counts.waitlisted += 1,
                RsvpStatus::Pending => counts.pending += 1,
                RsvpStatus::Declined => counts.declined += 1,
                RsvpStatus::Cancelled => counts.cancelled += 1,
            }
        }
        counts
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RsvpListJson {
    pub rsvps: Vec<RsvpJson>,
    pub counts: RsvpCounts,
}

/// One RSVP on the organizer's list.
pub struct RsvpLine {
    pub id: String,
    pub pseudonym: String,
    pub guests: i32,
    pub role: String,
    pub needs: String,
    pub status: &'static str,
    pub status_label: String,
    pub has_email: bool,
    pub approved: bool,
    pub can_approve: bool,
    pub can_decline: bool,
    pub created: String,
}

impl RsvpLine {
    pub fn new(rsvp: &Rsvp, tz: chrono_tz::Tz, lang: Lang) -> Self {
        RsvpLine {
            id: rsvp.id.clone(),
            pseudonym: rsvp
                .pseudonym
                .clone()
                .unwrap_or_else(|| lang.t("rsvp-purged")),
            guests: rsvp.guests,
            role: role_label(rsvp.role, lang),
            needs: rsvp.needs.clone().unwrap_or_default(),
            status: rsvp.status.as_str(),
            status_label: lang.word("status", rsvp.status.as_str()),
            has_email: rsvp.has_email,
            approved: rsvp.approved,
            can_approve: !rsvp.approved
                && !matches!(rsvp.status, RsvpStatus::Cancelled)
                && rsvp.pseudonym.is_some(),
            can_decline: matches!(
                rsvp.status,
                RsvpStatus::Pending | RsvpStatus::Going | RsvpStatus::Waitlisted
            ) && rsvp.pseudonym.is_some(),
            created: super::time::moment(rsvp.created_at, tz, lang),
        }
    }
}

/// A day-of role's name, or nothing.
pub fn role_label(role: Option<Role>, lang: Lang) -> String {
    role.map_or_else(String::new, |role| lang.word("role", role.as_str()))
}

/// What the manage page says about the RSVP.
pub struct RsvpSummary {
    pub pseudonym: String,
    pub guests: i32,
    pub role: String,
    pub status: &'static str,
    pub status_label: String,
    pub has_email: bool,
    pub active: bool,
    pub going: bool,
    pub checked_in: bool,
    pub home_safe: bool,
}

impl RsvpSummary {
    pub fn new(rsvp: &Rsvp, lang: Lang) -> Self {
        RsvpSummary {
            pseudonym: rsvp.pseudonym.clone().unwrap_or_default(),
            guests: rsvp.guests,
            role: role_label(rsvp.role, lang),
            status: rsvp.status.as_str(),
            status_label: lang.word("status", rsvp.status.as_str()),
            has_email: rsvp.has_email,
            active: !matches!(rsvp.status, RsvpStatus::Cancelled | RsvpStatus::Declined),
            going: rsvp.status == RsvpStatus::Going,
            checked_in: rsvp.checked_in,
            home_safe: rsvp.home_safe,
        }
    }
}
