//! RSVPs as they are shown: the JSON the API gives, the role choices on the forms, and what the
//! manage and organizer pages show. Never the email itself: only whether there is one.

use serde::Serialize;

use super::event_form::SelectOption;
use super::event_json::EventJson;
use crate::domain::access::Viewer;
use crate::domain::event::rfc3339;
use crate::domain::event::{Event, Role};
use crate::domain::question::{Answer, Question, QuestionKind};
use crate::domain::rsvp::{Rsvp, RsvpStatus};
use crate::i18n::Lang;
use crate::requests::rsvp::RsvpFormValues;

/// Radio buttons for the roles this event offers, plus "no role", as the form has them.
/// A role still short of its goal says so beside its name (`views::series::role_hint`).
pub fn role_choices(
    form: &RsvpFormValues,
    event: &Event,
    viewer: Viewer,
    lang: Lang,
) -> Vec<SelectOption> {
    let mut choices = vec![SelectOption {
        value: "",
        label: lang.t("role-none"),
        selected: form.role.is_empty(),
    }];
    choices.extend(event.draft.roles.iter().map(|role| {
        let name = lang.word("role", role.as_str());
        SelectOption {
            value: role.as_str(),
            label: match super::series::role_hint(event, *role, viewer, lang) {
                Some(hint) => format!("{name} ({hint})"),
                None => name,
            },
            selected: form.role == role.as_str(),
        }
    }));
    choices
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
    /// Answered "I'm still coming" on the confirm page the day-ahead reminder links to.
    pub reconfirmed: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<EventJson>,
    /// Organizers' list only: the answers to the event's questions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<AnswerJson>>,
}

/// One answer, with its question's label as it was when answered (so answers stay readable
/// after the questions change).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnswerJson {
    /// The question's id.
    pub id: String,
    pub label: String,
    pub value: String,
}

impl AnswerJson {
    pub fn new(answer: &Answer) -> Self {
        AnswerJson {
            id: answer.id.clone(),
            label: answer.label.clone(),
            value: answer.value.clone(),
        }
    }
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
            reconfirmed: rsvp.reconfirmed,
            created_at: rfc3339(rsvp.created_at),
            event: None,
            answers: None,
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
    /// Going RSVPs that answered "I'm still coming" to the day-ahead reminder.
    pub reconfirmed: usize,
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
                    if rsvp.reconfirmed {
                        counts.reconfirmed += 1;
                    }
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
    pub reconfirmed: bool,
    pub can_approve: bool,
    pub can_decline: bool,
    pub created: String,
    /// Answers to the event's questions: (label as answered, answer).
    pub answers: Vec<(String, String)>,
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
            reconfirmed: rsvp.reconfirmed && rsvp.status != RsvpStatus::Cancelled,
            can_approve: !rsvp.approved
                && !matches!(rsvp.status, RsvpStatus::Cancelled)
                && rsvp.pseudonym.is_some(),
            can_decline: matches!(
                rsvp.status,
                RsvpStatus::Pending | RsvpStatus::Going | RsvpStatus::Waitlisted
            ) && rsvp.pseudonym.is_some(),
            created: crate::i18n::time::moment(rsvp.created_at, tz, lang),
            answers: Vec::new(),
        }
    }
}

/// A question as the RSVP forms ask it: its field's name and id, and for a choice or yes/no
/// question the options (value, label, chosen).
pub struct QuestionField {
    pub name: String,
    pub id: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub options: Vec<(String, String, bool)>,
    /// The field an error names: `answers.<id>`.
    pub error_field: String,
}

/// The event's questions as form fields, with the values as last sent.
pub fn question_fields(
    questions: &[Question],
    form: &RsvpFormValues,
    lang: Lang,
) -> Vec<QuestionField> {
    questions
        .iter()
        .zip(form.answer_fields())
        .enumerate()
        .map(|(at, (question, value))| {
            let options = match question.kind {
                QuestionKind::Text => Vec::new(),
                QuestionKind::Choice => question
                    .options
                    .iter()
                    .map(|option| (option.clone(), option.clone(), option == value))
                    .collect(),
                QuestionKind::YesNo => ["yes", "no"]
                    .into_iter()
                    .map(|word| (word.to_string(), lang.word("answer", word), word == value))
                    .collect(),
            };
            QuestionField {
                name: format!("answer_{}", at + 1),
                id: format!("answers.{}", question.id),
                label: question.label.clone(),
                kind: question.kind.as_str(),
                required: question.required,
                value: value.to_string(),
                options,
                error_field: format!("answers.{}", question.id),
            }
        })
        .collect()
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
    pub reconfirmed: bool,
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
            reconfirmed: rsvp.reconfirmed,
        }
    }
}
