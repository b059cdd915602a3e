//! What clients send about events: `EventInput` to create one and `EventPatch` to edit one, both
//! ending as a validated `EventDraft`, and the listing cursor the server gave out.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::domain::event::RoleNumbers;
use crate::domain::event::{
    rfc3339, Access, CountDisplay, Cursor, Event, EventDraft, EventKind, LocationPrivacy, Role,
    Visibility, DEFAULT_REMINDER_OFFSETS,
};
use crate::domain::question::{check_questions, Question, QuestionDraft, QuestionKind};
use crate::domain::series::{Frequency, Repeat};
use crate::domain::FieldError;
use std::collections::BTreeMap;

/// The cursor that names the page after `event` (opaque to clients).
pub fn encode_cursor(event: &Event) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", rfc3339(event.draft.starts_at), event.id))
}

pub fn decode_cursor(raw: &str) -> Result<Cursor, FieldError> {
    let bad = || FieldError::new("cursor", "this cursor is not one the server gave out");
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (at, id) = text.split_once('|').ok_or_else(bad)?;
    // Event ids are UUIDs: a control character (a NUL, which PostgreSQL refuses) is a forgery.
    if id.contains(char::is_control) {
        return Err(bad());
    }
    let starts_at = DateTime::parse_from_rfc3339(at)
        .map_err(|_| bad())?
        .with_timezone(&Utc);
    Ok(Cursor {
        starts_at,
        id: id.to_string(),
    })
}

fn public() -> LocationPrivacy {
    LocationPrivacy::Public
}
fn listed() -> Visibility {
    Visibility::Listed
}
fn exact() -> CountDisplay {
    CountDisplay::Exact
}

/// `POST /api/v1/events`. Only `title`, `kind`, `starts_at` and `ends_at` are required.
/// Text is trimmed before its length is counted (in characters); one-line fields refuse every
/// control character, several-line ones (`description`, `accessibility`) allow line breaks and
/// tabs. Beyond what each field's schema says: `ends_at` is after `starts_at` and at most 31 days
/// later; `location_privacy: reveal_at` needs a `location_reveal_at` before `ends_at`;
/// `location_privacy: approved` needs `approval_required`; `safe_by` is for actions, after
/// `starts_at`. Each is a `422` naming the field.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "title": "Know your rights", "kind": "workshop",
    "starts_at": "2030-05-01T18:00:00Z", "ends_at": "2030-05-01T20:00:00Z",
    "location": "Community room", "capacity": 40, "tags": ["legal", "know-your-rights"]
}))]
pub struct EventInput {
    #[schema(
        min_length = 1,
        max_length = 140,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: String,
    /// What the public sees instead of `title` (blank: none).
    #[serde(default)]
    #[schema(max_length = 140, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub cover_title: Option<String>,
    pub kind: EventKind,
    /// Markdown.
    #[serde(default)]
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub location: String,
    #[serde(default = "public")]
    pub location_privacy: LocationPrivacy,
    #[serde(default)]
    pub location_reveal_at: Option<DateTime<Utc>>,
    /// No limit when absent or `null`.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100_000)]
    pub capacity: Option<i32>,
    /// Lower-cased; spaces inside a tag become dashes; blank and repeated tags are dropped before
    /// they are counted.
    #[serde(default)]
    #[schema(max_items = 12, inline, value_type = Vec<Tag>)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub accessibility: String,
    /// A language code such as `en` or `es-MX` (blank: `en`).
    #[serde(default)]
    #[schema(
        max_length = 12,
        pattern = r"^$|^[A-Za-z0-9]{2,8}(-[A-Za-z0-9]{1,8})*$|^[A-Za-z0-9](-[A-Za-z0-9]{1,8})+$"
    )]
    pub language: String,
    #[serde(default = "listed")]
    pub visibility: Visibility,
    #[serde(default)]
    pub approval_required: bool,
    /// Default: every role for an action, none otherwise. Repeats are dropped.
    #[serde(default)]
    pub roles: Option<Vec<Role>>,
    /// Minutes before the start (default `[1440, 120]`); repeats are dropped before they are
    /// counted.
    #[serde(default)]
    #[schema(max_items = 5, inline, value_type = Option<Vec<ReminderOffset>>)]
    pub reminder_offsets_minutes: Option<Vec<i32>>,
    #[serde(default = "exact")]
    pub count_display: CountDisplay,
    /// How many people each role needs, e.g. `{"marshal": 3, "medic": 2}`: goals, not caps.
    /// Every role named must be one of `roles` (else `422` naming `roles_needed`); `0` is no goal.
    #[serde(default)]
    #[schema(value_type = Option<RolesNeeded>)]
    pub roles_needed: Option<BTreeMap<String, i64>>,
    /// Make a series: this event is the first occurrence, and the others follow at the same
    /// wall-clock time in the group's time zone.
    #[serde(default)]
    pub repeat: Option<RepeatInput>,
    /// Actions only, after `starts_at`: by when everyone who arrived should have checked out
    /// home safe. Then those who have not are nudged, and organizers and jail support are
    /// sent the list (a `safety` frame). Else `422` naming `safe_by`.
    #[serde(default)]
    pub safe_by: Option<DateTime<Utc>>,
    /// `invite`: only people holding an invite code may RSVP, the event is never listed, and
    /// without a code its page and API show only an outline.
    #[serde(default = "open")]
    pub access: Access,
    /// Who this space is for, shown on the event page even without a code (one line).
    #[serde(default)]
    #[schema(max_length = 280, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub who_for: String,
    /// Up to five questions asked with each RSVP.
    #[serde(default)]
    #[schema(max_items = 5)]
    pub questions: Vec<QuestionInput>,
}

fn open() -> Access {
    Access::Open
}

/// A question as organizers send it. Leave `id` out for a new question (it gets `qN`); keep
/// it when editing, so answers stay with their question.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct QuestionInput {
    #[serde(default)]
    #[schema(max_length = 16, pattern = r"^[a-z0-9_-]{1,16}$")]
    pub id: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    pub kind: QuestionKind,
    /// For `choice`: 2 to 10 options.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

impl QuestionInput {
    fn into_draft(self) -> QuestionDraft {
        QuestionDraft {
            id: self.id,
            label: self.label,
            kind: Some(self.kind),
            options: self.options,
            required: self.required,
        }
    }
}

fn questions_of(inputs: Vec<QuestionInput>) -> Result<Vec<Question>, FieldError> {
    check_questions(inputs.into_iter().map(QuestionInput::into_draft).collect())
}

/// `repeat` in `POST /api/v1/events`: `frequency`, `interval` (default 1, every N days, weeks
/// or months) and either `count` (occurrences, the first included, at most 52) or `until` (the
/// last occurrence starts at or before it; at most 52 occurrences). A monthly series keeps the
/// first occurrence's day of the month, or the month's last day when it has no such day.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct RepeatInput {
    pub frequency: Frequency,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 52)]
    pub interval: Option<i64>,
    #[serde(default)]
    #[schema(minimum = 1, maximum = 52)]
    pub count: Option<i64>,
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}

impl RepeatInput {
    pub fn parse(&self) -> Result<Repeat, FieldError> {
        Repeat::parse(self.frequency, self.interval, self.count, self.until)
    }
}

/// `roles_needed` in the document: role names as keys, 0 to 1000 people each. Only a schema;
/// the server reads an object of numbers and names `roles_needed` for anything else.
pub struct RolesNeeded;

impl utoipa::PartialSchema for RolesNeeded {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        let mut object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for role in Role::ALL {
            object = object.property(
                role.as_str(),
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .maximum(Some(crate::domain::event::MAX_QUOTA)),
            );
        }
        object.into()
    }
}

impl utoipa::ToSchema for RolesNeeded {}

/// A tag in the document: letters, digits, `-` and `_`, at most 32 characters (spaces inside
/// become dashes; the length is counted after that and after trimming). Only a schema;
/// tags travel as strings. By hand: utoipa's derive takes no length on a newtype.
pub struct Tag;

impl utoipa::PartialSchema for Tag {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(32))
            .pattern(Some(r"^[\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[\w-]*([\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+[\w-]+)*[\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"))
            .into()
    }
}

impl utoipa::ToSchema for Tag {}

/// A reminder in the document: 5 minutes to two weeks before the start. Only a schema.
pub struct ReminderOffset;

impl utoipa::PartialSchema for ReminderOffset {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int32,
            )))
            .minimum(Some(5))
            .maximum(Some(20_160))
            .into()
    }
}

impl utoipa::ToSchema for ReminderOffset {}

impl EventInput {
    /// The first occurrence's draft and the repeat rule, if any, both checked.
    pub fn into_series(mut self) -> Result<(EventDraft, Option<Repeat>), FieldError> {
        let repeat = self.repeat.take().map(|r| r.parse()).transpose()?;
        Ok((self.into_draft()?, repeat))
    }

    pub fn into_draft(self) -> Result<EventDraft, FieldError> {
        let questions = questions_of(self.questions)?;
        let roles_needed = match &self.roles_needed {
            Some(map) => RoleNumbers::parse(map)?,
            None => RoleNumbers::default(),
        };
        EventDraft {
            access: self.access,
            who_for: self.who_for,
            questions,
            roles_needed,
            roles: self
                .roles
                .unwrap_or_else(|| EventDraft::default_roles(self.kind)),
            kind: self.kind,
            title: self.title,
            cover_title: self.cover_title,
            description: self.description,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            location: self.location,
            location_privacy: self.location_privacy,
            location_reveal_at: self.location_reveal_at,
            capacity: self.capacity,
            tags: self.tags,
            accessibility: self.accessibility,
            language: self.language,
            visibility: self.visibility,
            approval_required: self.approval_required,
            reminder_offsets_minutes: self
                .reminder_offsets_minutes
                .unwrap_or_else(|| DEFAULT_REMINDER_OFFSETS.to_vec()),
            count_display: self.count_display,
            safe_by: self.safe_by,
        }
        .validate()
    }
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn explicit<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `PATCH /api/v1/events/{id}`: any subset of the fields; `null` clears an optional one and
/// leaves any other as it is. Each field is checked as in `EventInput`, then the event as changed
/// is validated as a whole (so `ends_at` after `starts_at` holds for the result).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EventPatch {
    #[schema(
        min_length = 1,
        max_length = 140,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*[^\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\u0000-\u001F\u007F-\u009F][^\u0000-\u001F\u007F-\u009F]*$"
    )]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(max_length = 140, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub cover_title: Option<Option<String>>,
    pub kind: Option<EventKind>,
    #[schema(
        max_length = 20000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub description: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub location: Option<String>,
    pub location_privacy: Option<LocationPrivacy>,
    #[serde(default, deserialize_with = "explicit")]
    pub location_reveal_at: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "explicit")]
    #[schema(minimum = 1, maximum = 100_000)]
    pub capacity: Option<Option<i32>>,
    #[schema(max_items = 12, inline, value_type = Option<Vec<Tag>>)]
    pub tags: Option<Vec<String>>,
    #[schema(
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub accessibility: Option<String>,
    #[schema(
        max_length = 12,
        pattern = r"^$|^[A-Za-z0-9]{2,8}(-[A-Za-z0-9]{1,8})*$|^[A-Za-z0-9](-[A-Za-z0-9]{1,8})+$"
    )]
    pub language: Option<String>,
    pub visibility: Option<Visibility>,
    pub approval_required: Option<bool>,
    pub roles: Option<Vec<Role>>,
    #[schema(max_items = 5, inline, value_type = Option<Vec<ReminderOffset>>)]
    pub reminder_offsets_minutes: Option<Vec<i32>>,
    pub count_display: Option<CountDisplay>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "explicit")]
    pub safe_by: Option<Option<DateTime<Utc>>>,
    pub access: Option<Access>,
    #[schema(max_length = 280, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub who_for: Option<String>,
    /// The whole list of questions (keep each `id` to keep its answers with it).
    #[schema(max_items = 5)]
    pub questions: Option<Vec<QuestionInput>>,
    /// Replaces every goal (`{}` removes them all).
    #[schema(value_type = Option<RolesNeeded>)]
    pub roles_needed: Option<BTreeMap<String, i64>>,
}

impl EventPatch {
    /// The event's current draft with this patch applied, validated as a whole.
    pub fn apply_to(self, current: &EventDraft) -> Result<EventDraft, FieldError> {
        let mut d = current.clone();
        if let Some(questions) = self.questions {
            d.questions = questions_of(questions)?;
        }
        if let Some(map) = &self.roles_needed {
            d.roles_needed = RoleNumbers::parse(map)?;
        }
        macro_rules! take {
            ($($field:ident),+) => { $(if let Some(value) = self.$field { d.$field = value; })+ };
        }
        take!(
            title,
            cover_title,
            kind,
            description,
            starts_at,
            ends_at,
            location,
            location_privacy,
            location_reveal_at,
            capacity,
            tags,
            accessibility,
            language,
            visibility,
            approval_required,
            roles,
            reminder_offsets_minutes,
            count_display,
            safe_by,
            access,
            who_for
        );
        d.validate()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An event made from an API body, for other modules' tests too.
    pub(crate) fn sample() -> Event {
        let input: EventInput = serde_json::from_slice(
            br#"{"title": "Rally", "kind": "action", "starts_at": "2026-12-05T18:00:00-06:00",
                 "ends_at": "2026-12-05T20:00:00-06:00", "location": "Secret corner",
                 "location_privacy": "attendees", "cover_title": "Friends meetup"}"#,
        )
        .expect("parses");
        Event::new(input.into_draft().expect("valid"), Utc::now())
    }

    #[test]
    fn patch_null_clears_and_absent_keeps() {
        let event = sample();
        let patch: EventPatch =
            serde_json::from_slice(br#"{"cover_title": null, "capacity": 5}"#).expect("parses");
        let draft = patch.apply_to(&event.draft).expect("valid");
        assert_eq!(draft.cover_title, None);
        assert_eq!(draft.capacity, Some(5));
        assert_eq!(draft.title, "Rally");
    }

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        let event = sample();
        let cursor = decode_cursor(&encode_cursor(&event)).expect("decodes");
        assert_eq!(cursor.id, event.id);
        assert_eq!(cursor.starts_at, event.draft.starts_at);
        assert!(decode_cursor("!!!").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("no separator")).is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("2026-01-01T00:00:00Z|a\0")).is_err());
    }
}
