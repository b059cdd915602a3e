//! What people send about their RSVP: the web form as typed, and the API's JSON bodies, each
//! parsed here into the domain's types (`RsvpDraft`, `RsvpChange`) before anything else runs.

use serde::Deserialize;

use std::collections::BTreeMap;

use crate::domain::event::Role;
use crate::domain::invite::{InviteCode, InviteProblem};
use crate::domain::question::{check_answers, Question};
use crate::domain::rsvp::{
    refuse_email_without_mail, EmailAddress, Guests, Needs, Pseudonym, Rsvp, RsvpChange, RsvpDraft,
    RsvpStatus,
};
use crate::domain::FieldError;

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
    /// On the manage page: `save`, `cancel`, `delete`, `checkin`, `safe`, `reconfirm` or `help`.
    pub action: String,
    /// With `help`: what the responders should know (optional, one line).
    pub help_text: String,
    /// The invite code (a hidden field once the page was opened with `?invite=`).
    pub invite_code: String,
    /// Answers to the event's questions, by the question's place (1 to 5): radio buttons send
    /// nothing when none is chosen, so each question has a name of its own.
    pub answer_1: String,
    pub answer_2: String,
    pub answer_3: String,
    pub answer_4: String,
    pub answer_5: String,
}

/// An invite code as sent: blank is none; anything that cannot be a code is `Unknown`.
pub fn invite_code(raw: Option<&str>) -> Result<Option<InviteCode>, InviteProblem> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(raw) => InviteCode::parse(raw)
            .map(Some)
            .ok_or(InviteProblem::Unknown),
    }
}

fn parse_guests(raw: &str) -> Result<Guests, FieldError> {
    match raw.trim() {
        "" => Guests::parse(0),
        value => value
            .parse()
            .map_err(|_| FieldError::new("guests", "guests is a number from 0 to 10"))
            .and_then(Guests::parse),
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
    /// The answer fields in question order.
    pub fn answer_fields(&self) -> [&str; 5] {
        [
            self.answer_1.as_str(),
            self.answer_2.as_str(),
            self.answer_3.as_str(),
            self.answer_4.as_str(),
            self.answer_5.as_str(),
        ]
    }

    /// The answers as sent, by question id (blank ones left out).
    fn answers_sent(&self, questions: &[Question]) -> Vec<(String, String)> {
        questions
            .iter()
            .zip(self.answer_fields())
            .filter(|(_, value)| !value.trim().is_empty())
            .map(|(question, value)| (question.id.clone(), value.to_string()))
            .collect()
    }

    /// The event page's form as an RSVP to an event asking `questions`; `sends_mail` says
    /// whether an address may be given. The invite code is read apart (`invite_code`).
    pub fn to_draft(
        &self,
        sends_mail: bool,
        questions: &[Question],
    ) -> Result<RsvpDraft, FieldError> {
        refuse_email_without_mail(Some(&self.email), sends_mail)?;
        Ok(RsvpDraft {
            pseudonym: Pseudonym::parse(&self.pseudonym)?,
            guests: parse_guests(&self.guests)?,
            role: parse_role(&self.role)?,
            needs: Needs::parse(&self.needs)?,
            email: EmailAddress::parse_optional(Some(&self.email))?,
            invite: None,
            answers: check_answers(questions, &self.answers_sent(questions))?,
        })
    }

    /// The manage page's edit form as a change. An empty email field keeps the saved one, and
    /// answer fields all left empty keep the saved answers (they are never shown back).
    pub fn to_change(
        &self,
        sends_mail: bool,
        questions: &[Question],
    ) -> Result<RsvpChange, FieldError> {
        let sent = self.answers_sent(questions);
        let answers = if sent.is_empty() {
            None
        } else {
            Some(check_answers(questions, &sent)?)
        };
        refuse_email_without_mail(Some(&self.email), sends_mail)?;
        let email = if self.remove_email.is_some() {
            Some(None)
        } else if self.email.trim().is_empty() {
            None
        } else {
            Some(EmailAddress::parse_optional(Some(&self.email))?)
        };
        Ok(RsvpChange {
            pseudonym: Some(Pseudonym::parse(&self.pseudonym)?),
            guests: Some(parse_guests(&self.guests)?),
            role: Some(parse_role(&self.role)?),
            needs: Some(Needs::parse(&self.needs)?),
            email,
            answers,
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
}

/// `POST /api/v1/events/{id}/rsvps`. Text is trimmed before its length is counted (in
/// characters); `pseudonym` refuses every control character, `needs` allows line breaks and tabs.
/// A `role` must be one the event offers (`422` naming `role`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"pseudonym": "Robin", "guests": 1, "needs": "step-free access"}))]
pub struct RsvpInput {
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub pseudonym: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 10)]
    pub guests: i32,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub needs: String,
    /// Optional, for reminders; sealed, never shown back. Only on a server that sends email: one
    /// with no mail server configured refuses any address (`422` naming `email`).
    #[serde(default)]
    #[schema(inline, value_type = Option<EmailOrBlank>)]
    pub email: Option<String>,
    /// For an invitation-only event: the invite code (case, spaces and hyphens do not matter).
    /// Without a valid one the RSVP is refused (`403`).
    #[serde(default)]
    pub invite_code: Option<String>,
    /// Answers to the event's `questions`, by question id: any text for `text`, one of the
    /// `options` for `choice`, `yes` or `no` for `yes_no`. A missing required answer or an
    /// answer not offered is `422` naming `answers.<id>`. Sealed; only organizers see them.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub answers: Option<BTreeMap<String, String>>,
}

impl RsvpInput {
    /// The RSVP to an event asking `questions`. The invite code is read apart (`invite_code`).
    pub fn into_draft(
        self,
        sends_mail: bool,
        questions: &[Question],
    ) -> Result<RsvpDraft, FieldError> {
        refuse_email_without_mail(self.email.as_deref(), sends_mail)?;
        let sent: Vec<(String, String)> = self.answers.unwrap_or_default().into_iter().collect();
        Ok(RsvpDraft {
            pseudonym: Pseudonym::parse(&self.pseudonym)?,
            guests: Guests::parse(self.guests)?,
            role: self.role,
            needs: Needs::parse(&self.needs)?,
            email: EmailAddress::parse_optional(self.email.as_deref())?,
            invite: None,
            answers: check_answers(questions, &sent)?,
        })
    }
}

fn explicit<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /api/v1/rsvps/{token}`: any subset; `"status": "cancelled"` cancels; `"email": null`
/// removes the address. Each field is checked as in `RsvpInput`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RsvpPatch {
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub pseudonym: Option<String>,
    #[schema(minimum = 0, maximum = 10)]
    pub guests: Option<i32>,
    #[serde(default, deserialize_with = "explicit")]
    pub role: Option<Option<Role>>,
    #[schema(
        max_length = 1000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub needs: Option<String>,
    /// A new address, or `null` to remove the saved one. A server with no mail server configured
    /// refuses any address (`422` naming `email`).
    #[serde(default, deserialize_with = "explicit")]
    #[schema(inline, value_type = Option<EmailOrBlank>)]
    pub email: Option<Option<String>>,
    /// Only `cancelled` may be set.
    #[schema(inline, value_type = Option<CancelledWord>)]
    pub status: Option<RsvpStatus>,
    /// New answers to the event's questions, all of them (checked as in `RsvpInput`); they
    /// replace the saved ones. Left out, the saved answers stay.
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub answers: Option<BTreeMap<String, String>>,
}

impl RsvpPatch {
    /// The answers sent, checked against the event's `questions` (`None` when none were sent).
    pub fn answers(
        &self,
        questions: &[Question],
    ) -> Result<Option<Vec<crate::domain::question::Answer>>, FieldError> {
        self.answers
            .as_ref()
            .map(|sent| {
                let sent: Vec<(String, String)> =
                    sent.iter().map(|(id, v)| (id.clone(), v.clone())).collect();
                check_answers(questions, &sent)
            })
            .transpose()
    }
}

/// An address of at most 254 bytes with a dot in its domain, or blank for none. Only a schema.
pub struct EmailOrBlank;

impl utoipa::PartialSchema for EmailOrBlank {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, SchemaFormat, Type};
        AnyOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Email,
                    )))
                    .max_length(Some(254)),
            )
            .item(crate::requests::blank())
            .into()
    }
}

impl utoipa::ToSchema for EmailOrBlank {}

/// The one status a person sets: `cancelled`. Only a schema.
pub struct CancelledWord;

impl utoipa::PartialSchema for CancelledWord {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(["cancelled"]))
            .into()
    }
}

impl utoipa::ToSchema for CancelledWord {}

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
            pseudonym: self
                .pseudonym
                .as_deref()
                .map(Pseudonym::parse)
                .transpose()?,
            guests: self.guests.map(Guests::parse).transpose()?,
            role: self.role,
            needs: self.needs.as_deref().map(Needs::parse).transpose()?,
            email: self
                .email
                .map(|email| EmailAddress::parse_optional(email.as_deref()))
                .transpose()?,
            answers: None,
            cancel,
        })
    }
}
