//! Events: their kinds and modes, and `EventDraft`, the validated shape every create and edit
//! (API or web form) passes through before it reaches the database.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, SubsecRound, Utc};

use super::{bounded_multiline_text, bounded_text, word_enum, FieldError};

word_enum!(
    /// What sort of gathering this is.
    EventKind { Workshop => "workshop", Training => "training", Action => "action" }
);

word_enum!(
    /// Who may see where an event takes place.
    LocationPrivacy {
        Public => "public",
        Attendees => "attendees",
        RevealAt => "reveal_at",
        Approved => "approved",
    }
);

word_enum!(
    /// Whether an event appears in listings and the public feed, or only by link.
    Visibility { Listed => "listed", Unlisted => "unlisted" }
);

word_enum!(
    /// Who may RSVP: anyone, or only people holding an invite code (such an event is never
    /// listed, and shows the public only an outline).
    Access { Open => "open", Invite => "invite" }
);

word_enum!(
    EventStatus { Scheduled => "scheduled", Cancelled => "cancelled" }
);

word_enum!(
    /// How the number of people going is shown to the public.
    CountDisplay { Exact => "exact", Rounded => "rounded", Hidden => "hidden" }
);

word_enum!(
    /// Day-of roles attendees may take at an action.
    Role {
        Marshal => "marshal",
        Medic => "medic",
        LegalObserver => "legal_observer",
        JailSupport => "jail_support",
        Driver => "driver",
        Deescalation => "deescalation",
    }
);

/// At most this many people in one role.
pub const MAX_QUOTA: i64 = 1000;

/// A number for each of some roles (needed, or filled): in `Role::ALL` order, never zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleNumbers(Vec<(Role, i64)>);

impl RoleNumbers {
    /// From pairs in any order; a later pair for a role replaces an earlier one, zeros drop.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Role, i64)>) -> Self {
        let mut numbers: Vec<(Role, i64)> = Vec::new();
        for (role, number) in pairs {
            numbers.retain(|(r, _)| *r != role);
            if number != 0 {
                numbers.push((role, number));
            }
        }
        numbers.sort_by_key(|(role, _)| Role::ALL.iter().position(|r| r == role));
        RoleNumbers(numbers)
    }

    /// Roles needed as an API client or the database writes them (role word → number).
    pub fn parse(map: &BTreeMap<String, i64>) -> Result<Self, FieldError> {
        let mut pairs = Vec::with_capacity(map.len());
        for (word, number) in map {
            let role = Role::parse(word)
                .ok_or_else(|| FieldError::new("roles_needed", format!("{word} is not a role")))?;
            if !(0..=MAX_QUOTA).contains(number) {
                return Err(FieldError::new(
                    "roles_needed",
                    format!("a role needs 0 to {MAX_QUOTA} people"),
                ));
            }
            pairs.push((role, *number));
        }
        Ok(RoleNumbers::from_pairs(pairs))
    }

    pub fn get(&self, role: Role) -> i64 {
        self.0
            .iter()
            .find(|(r, _)| *r == role)
            .map_or(0, |(_, number)| *number)
    }

    pub fn iter(&self) -> impl Iterator<Item = (Role, i64)> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Role word → number, as JSON writes it.
    pub fn to_map(&self) -> BTreeMap<&'static str, i64> {
        self.0.iter().map(|(role, n)| (role.as_str(), *n)).collect()
    }

    /// Every role of `offered` with a quota of its own: a quota on a role the event does not
    /// offer is refused (`roles_needed`).
    pub fn check_offered(&self, offered: &[Role]) -> Result<(), FieldError> {
        match self.0.iter().find(|(role, _)| !offered.contains(role)) {
            Some((role, _)) => Err(FieldError::new(
                "roles_needed",
                format!(
                    "{} is not one of the event's roles: offer it in roles first",
                    role.as_str()
                ),
            )),
            None => Ok(()),
        }
    }
}

impl CountDisplay {
    /// The count to show the public, as this setting allows.
    pub fn shown(self, going: i64) -> Option<i64> {
        match self {
            CountDisplay::Exact => Some(going),
            CountDisplay::Rounded => Some(going / 10 * 10),
            CountDisplay::Hidden => None,
        }
    }
}

pub const DEFAULT_REMINDER_OFFSETS: [i32; 2] = [1440, 120];
const MAX_TITLE: usize = 140;
const MAX_DESCRIPTION: usize = 20_000;
const MAX_LOCATION: usize = 500;
const MAX_ACCESSIBILITY: usize = 2_000;
const MAX_TAGS: usize = 12;
const MAX_TAG: usize = 32;
const MAX_CAPACITY: i32 = 100_000;
const MAX_REMINDERS: usize = 5;
/// Reminders go out at most two weeks ahead, at least five minutes ahead.
const REMINDER_RANGE_MINUTES: std::ops::RangeInclusive<i32> = 5..=20_160;
const MAX_EVENT_LENGTH_DAYS: i64 = 31;
/// "Who this space is for": one short statement.
pub const MAX_WHO_FOR: usize = 280;

/// Everything an organizer decides about an event. Built from API JSON or a web form, then
/// `validate`d; only validated drafts are stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub kind: EventKind,
    pub title: String,
    pub cover_title: Option<String>,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub location: String,
    pub location_privacy: LocationPrivacy,
    pub location_reveal_at: Option<DateTime<Utc>>,
    pub capacity: Option<i32>,
    pub tags: Vec<String>,
    pub accessibility: String,
    pub language: String,
    pub visibility: Visibility,
    pub approval_required: bool,
    pub roles: Vec<Role>,
    pub reminder_offsets_minutes: Vec<i32>,
    pub count_display: CountDisplay,
    /// Actions only: by when everyone who arrived should have checked out home safe; after it
    /// those who have not are nudged and organizers and jail support told (`safety`).
    pub safe_by: Option<DateTime<Utc>>,
    pub access: Access,
    pub who_for: String,
    pub questions: Vec<super::question::Question>,
    /// How many people each offered role needs (goals, not caps).
    pub roles_needed: RoleNumbers,
}

impl EventDraft {
    /// Check every field and normalise it (trimmed text, lower-case unique tags, sorted
    /// reminders). The first fault found is returned, naming its field.
    pub fn validate(mut self) -> Result<Self, FieldError> {
        self.title = bounded_text("title", &self.title, 1, MAX_TITLE)?;
        self.cover_title = match self.cover_title.as_deref() {
            None => None,
            Some(cover) if cover.trim().is_empty() && !cover.contains(char::is_control) => None,
            Some(cover) => Some(bounded_text("cover_title", cover, 1, MAX_TITLE)?),
        };
        self.description =
            bounded_multiline_text("description", &self.description, 0, MAX_DESCRIPTION)?;
        // Whole seconds: what the API shows is exactly what is stored and compared.
        self.starts_at = self.starts_at.trunc_subsecs(0);
        self.ends_at = self.ends_at.trunc_subsecs(0);
        self.location_reveal_at = self.location_reveal_at.map(|at| at.trunc_subsecs(0));
        if self.ends_at <= self.starts_at {
            return Err(FieldError::new(
                "ends_at",
                "the end must be after the start",
            ));
        }
        if self.ends_at - self.starts_at > Duration::days(MAX_EVENT_LENGTH_DAYS) {
            return Err(FieldError::new(
                "ends_at",
                format!("an event lasts at most {MAX_EVENT_LENGTH_DAYS} days"),
            ));
        }
        self.location = bounded_text("location", &self.location, 0, MAX_LOCATION)?;
        self.validate_reveal()?;
        self.validate_safe_by()?;
        if self.location_privacy == LocationPrivacy::Approved && !self.approval_required {
            // Without approval every RSVP is going at once, so "approved" would mean nothing.
            return Err(FieldError::new(
                "location_privacy",
                "sharing the location with approved RSVPs needs approval_required: organizers approve each RSVP",
            ));
        }
        if let Some(capacity) = self.capacity {
            if !(1..=MAX_CAPACITY).contains(&capacity) {
                return Err(FieldError::new(
                    "capacity",
                    format!("capacity is between 1 and {MAX_CAPACITY}, or left empty for no limit"),
                ));
            }
        }
        self.tags = normalise_tags(&self.tags)?;
        self.accessibility =
            bounded_multiline_text("accessibility", &self.accessibility, 0, MAX_ACCESSIBILITY)?;
        self.language = normalise_language(&self.language)?;
        self.roles = dedupe(&self.roles);
        self.roles_needed.check_offered(&self.roles)?;
        self.reminder_offsets_minutes = normalise_reminders(&self.reminder_offsets_minutes)?;
        self.who_for = bounded_text("who_for", &self.who_for, 0, MAX_WHO_FOR)?;
        if self.questions.len() > super::question::MAX_QUESTIONS {
            return Err(FieldError::new(
                "questions",
                format!("at most {} questions", super::question::MAX_QUESTIONS),
            ));
        }
        Ok(self)
    }

    fn validate_reveal(&mut self) -> Result<(), FieldError> {
        if self.location_privacy != LocationPrivacy::RevealAt {
            self.location_reveal_at = None;
            return Ok(());
        }
        match self.location_reveal_at {
            None => Err(FieldError::new(
                "location_reveal_at",
                "say when the location is shared with attendees",
            )),
            Some(reveal) if reveal >= self.ends_at => Err(FieldError::new(
                "location_reveal_at",
                "the location must be shared before the event ends",
            )),
            Some(_) => Ok(()),
        }
    }

    fn validate_safe_by(&mut self) -> Result<(), FieldError> {
        self.safe_by = self.safe_by.map(|at| at.trunc_subsecs(0));
        match self.safe_by {
            Some(_) if self.kind != EventKind::Action => Err(FieldError::new(
                "safe_by",
                "only actions have a home-safe-by time",
            )),
            Some(at) if at <= self.starts_at => Err(FieldError::new(
                "safe_by",
                "the home-safe-by time must be after the start",
            )),
            _ => Ok(()),
        }
    }

    /// The default roles an action offers; other kinds offer none unless the organizer says.
    pub fn default_roles(kind: EventKind) -> Vec<Role> {
        match kind {
            EventKind::Action => Role::ALL.to_vec(),
            _ => Vec::new(),
        }
    }
}

fn dedupe<T: PartialEq + Copy>(items: &[T]) -> Vec<T> {
    let mut unique = Vec::with_capacity(items.len());
    for item in items {
        if !unique.contains(item) {
            unique.push(*item);
        }
    }
    unique
}

/// Tags are lower-case words of letters, digits and dashes (spaces become dashes).
fn normalise_tags(tags: &[String]) -> Result<Vec<String>, FieldError> {
    let mut normalised: Vec<String> = Vec::new();
    for raw in tags {
        let tag: String = raw
            .trim()
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join("-");
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > MAX_TAG {
            return Err(FieldError::new(
                "tags",
                format!("a tag is at most {MAX_TAG} characters"),
            ));
        }
        if !tag
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            return Err(FieldError::new(
                "tags",
                "tags use only letters, digits, '-' and '_'",
            ));
        }
        if !normalised.contains(&tag) {
            normalised.push(tag);
        }
    }
    if normalised.len() > MAX_TAGS {
        return Err(FieldError::new("tags", format!("at most {MAX_TAGS} tags")));
    }
    Ok(normalised)
}

/// A language tag such as `en`, `es` or `es-MX`.
fn normalise_language(raw: &str) -> Result<String, FieldError> {
    let language = raw.trim();
    let language = if language.is_empty() { "en" } else { language };
    let well_formed = (2..=12).contains(&language.len())
        && language.split('-').all(|part| {
            !part.is_empty() && part.len() <= 8 && part.chars().all(|c| c.is_ascii_alphanumeric())
        });
    if !well_formed {
        return Err(FieldError::new(
            "language",
            "a language code such as en or es",
        ));
    }
    Ok(language.to_string())
}

fn normalise_reminders(offsets: &[i32]) -> Result<Vec<i32>, FieldError> {
    let mut offsets = dedupe(offsets);
    if offsets.len() > MAX_REMINDERS {
        return Err(FieldError::new(
            "reminder_offsets_minutes",
            format!("at most {MAX_REMINDERS} reminders"),
        ));
    }
    if let Some(bad) = offsets
        .iter()
        .find(|minutes| !REMINDER_RANGE_MINUTES.contains(minutes))
    {
        return Err(FieldError::new(
            "reminder_offsets_minutes",
            format!(
                "{bad} is out of range: reminders go {} to {} minutes before the start",
                REMINDER_RANGE_MINUTES.start(),
                REMINDER_RANGE_MINUTES.end()
            ),
        ));
    }
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    Ok(offsets)
}

/// A stored event, read back from the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: String,
    pub draft: EventDraft,
    pub description_html: String,
    pub status: EventStatus,
    pub sequence: i32,
    /// Places taken by going RSVPs (each is 1 + guests).
    pub places_taken: i32,
    /// The series this event is an occurrence of, if any.
    pub series_id: Option<String>,
    /// Going RSVPs in each role (read with the event).
    pub roles_filled: RoleNumbers,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Event {
    /// A new scheduled event from a validated draft, with a random id.
    pub fn new(draft: EventDraft, now: DateTime<Utc>) -> Self {
        Event {
            id: uuid::Uuid::new_v4().to_string(),
            description_html: super::markdown::render(&draft.description),
            draft,
            status: EventStatus::Scheduled,
            sequence: 0,
            places_taken: 0,
            series_id: None,
            roles_filled: RoleNumbers::default(),
            created_at: now,
            updated_at: now,
        }
    }

    /// Apply an organizer's edit. Every change bumps `sequence`, which calendars rely on.
    pub fn revise(&mut self, draft: EventDraft, now: DateTime<Utc>) {
        self.description_html = super::markdown::render(&draft.description);
        self.draft = draft;
        self.sequence += 1;
        self.updated_at = now;
    }

    pub fn cancel(&mut self, now: DateTime<Utc>) {
        self.status = EventStatus::Cancelled;
        self.sequence += 1;
        self.updated_at = now;
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == EventStatus::Cancelled
    }

    pub fn has_ended(&self, now: DateTime<Utc>) -> bool {
        self.draft.ends_at <= now
    }

    /// Started and not yet ended (an action in progress, say).
    pub fn is_under_way(&self, now: DateTime<Utc>) -> bool {
        self.draft.starts_at <= now && !self.has_ended(now)
    }
}

/// A plain valid action starting in a day, for other modules' tests to adjust.
#[cfg(test)]
pub(crate) fn sample_action() -> EventDraft {
    let starts_at = Utc::now() + Duration::days(1);
    EventDraft {
        kind: EventKind::Action,
        title: "Rally".into(),
        cover_title: None,
        description: String::new(),
        starts_at,
        ends_at: starts_at + Duration::hours(2),
        location: String::new(),
        location_privacy: LocationPrivacy::Public,
        location_reveal_at: None,
        capacity: None,
        tags: vec![],
        accessibility: String::new(),
        language: "en".into(),
        visibility: Visibility::Listed,
        approval_required: false,
        roles: vec![],
        reminder_offsets_minutes: vec![],
        count_display: CountDisplay::Exact,
        safe_by: None,
        access: Access::Open,
        who_for: String::new(),
        questions: vec![],
        roles_needed: RoleNumbers::default(),
    }
}

/// Where a listing page starts: after this event in (start time, id) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub starts_at: DateTime<Utc>,
    pub id: String,
}

/// A time as the API and the live stream write it: RFC 3339 in UTC, to the second.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Database timestamps are UTC without an offset.
pub fn to_naive(time: DateTime<Utc>) -> NaiveDateTime {
    time.naive_utc()
}

pub fn from_naive(time: NaiveDateTime) -> DateTime<Utc> {
    time.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn draft() -> EventDraft {
        let starts_at = Utc::now() + Duration::days(3);
        EventDraft {
            kind: EventKind::Workshop,
            title: "  Know your rights  ".into(),
            cover_title: Some("   ".into()),
            description: "Bring questions.".into(),
            starts_at,
            ends_at: starts_at + Duration::hours(2),
            location: "Community room".into(),
            location_privacy: LocationPrivacy::Public,
            location_reveal_at: Some(starts_at),
            capacity: Some(20),
            tags: vec!["Legal Aid".into(), "legal-aid".into(), " ".into()],
            accessibility: "Wheelchair access".into(),
            language: "".into(),
            visibility: Visibility::Listed,
            approval_required: false,
            roles: vec![Role::Medic, Role::Medic],
            reminder_offsets_minutes: vec![120, 1440, 120],
            count_display: CountDisplay::Exact,
            safe_by: None,
            access: Access::Open,
            who_for: String::new(),
            questions: vec![],
            roles_needed: RoleNumbers::default(),
        }
    }

    #[test]
    fn home_safe_by_is_for_actions_after_the_start() {
        let mut action = draft();
        action.kind = EventKind::Action;
        action.safe_by = Some(action.starts_at);
        assert_eq!(
            action.clone().validate().expect_err("at the start").field,
            "safe_by"
        );
        action.safe_by = Some(action.ends_at + Duration::hours(3));
        assert!(action.clone().validate().is_ok());
        let mut workshop = draft();
        workshop.safe_by = Some(workshop.ends_at);
        assert_eq!(
            workshop.validate().expect_err("actions only").field,
            "safe_by"
        );
    }

    #[test]
    fn validation_normalises() {
        let valid = draft().validate().expect("valid");
        assert_eq!(valid.title, "Know your rights");
        assert_eq!(valid.cover_title, None);
        assert_eq!(valid.tags, vec!["legal-aid".to_string()]);
        assert_eq!(valid.language, "en");
        assert_eq!(valid.roles, vec![Role::Medic]);
        assert_eq!(valid.reminder_offsets_minutes, vec![1440, 120]);
        assert_eq!(
            valid.location_reveal_at, None,
            "only reveal_at events keep a reveal time"
        );
    }

    #[test]
    fn validation_names_the_field() {
        let field = |change: fn(&mut EventDraft)| {
            let mut d = draft();
            change(&mut d);
            d.validate().expect_err("invalid").field
        };
        assert_eq!(field(|d| d.title = " ".into()), "title");
        assert_eq!(field(|d| d.title = "x".repeat(141)), "title");
        assert_eq!(field(|d| d.ends_at = d.starts_at), "ends_at");
        assert_eq!(field(|d| d.capacity = Some(0)), "capacity");
        assert_eq!(field(|d| d.tags = vec!["no/slashes".into()]), "tags");
        assert_eq!(field(|d| d.language = "english please".into()), "language");
        assert_eq!(field(|d| d.who_for = "x".repeat(281)), "who_for");
        assert_eq!(field(|d| d.who_for = "Sex workers\nonly".into()), "who_for");
        assert_eq!(
            field(|d| d.reminder_offsets_minutes = vec![0]),
            "reminder_offsets_minutes"
        );
        assert_eq!(
            field(|d| {
                d.location_privacy = LocationPrivacy::RevealAt;
                d.location_reveal_at = None;
            }),
            "location_reveal_at"
        );
        assert_eq!(
            field(|d| d.location_privacy = LocationPrivacy::Approved),
            "location_privacy"
        );
        assert_eq!(
            field(|d| d.roles_needed = RoleNumbers::from_pairs([(Role::Marshal, 2)])),
            "roles_needed"
        );
    }

    #[test]
    fn any_script_counts_by_character() {
        let mut d = draft();
        d.title = "Taller de derechos 权利 ✊".repeat(5);
        assert!(d.validate().is_ok());
    }

    #[test]
    fn rounded_counts_hide_the_exact_number() {
        assert_eq!(CountDisplay::Rounded.shown(17), Some(10));
        assert_eq!(CountDisplay::Exact.shown(17), Some(17));
        assert_eq!(CountDisplay::Hidden.shown(17), None);
    }

    #[test]
    fn words_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert_eq!(EventKind::parse("party"), None);
    }
}
