//! The organizer's event form: its values as typed (so a rejected form comes back as it was
//! sent), their conversion to an `EventDraft`, and the choices its selects offer.

use chrono_tz::Tz;
use serde::Deserialize;

use super::time::{from_input, to_input};
use crate::domain::event::RoleNumbers;
use crate::domain::event::{
    Access, CountDisplay, Event, EventDraft, EventKind, LocationPrivacy, Role, Visibility,
    DEFAULT_REMINDER_OFFSETS,
};
use crate::domain::question::{check_questions, QuestionDraft, QuestionKind, MAX_QUESTIONS};
use crate::domain::series::{Frequency, Repeat};
use crate::domain::FieldError;
use crate::i18n::Lang;

/// Every field as the browser sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct EventFormValues {
    pub kind: String,
    pub title: String,
    pub cover_title: String,
    pub description: String,
    pub starts_at: String,
    pub ends_at: String,
    pub location: String,
    pub location_privacy: String,
    pub location_reveal_at: String,
    pub capacity: String,
    pub tags: String,
    pub accessibility: String,
    pub language: String,
    pub visibility: String,
    pub approval_required: Option<String>,
    pub roles: Vec<String>,
    pub reminder_hours: String,
    pub count_display: String,
    /// Actions only: by when everyone should be home safe (blank: no check).
    pub safe_by: String,
    /// `open` or `invite`.
    pub access: String,
    pub who_for: String,
    /// The question rows, five of each, in order (a row with an empty label is no question).
    pub question_id: Vec<String>,
    pub question_label: Vec<String>,
    pub question_kind: Vec<String>,
    /// One option a line.
    pub question_options: Vec<String>,
    /// `required` or `optional` (a select, so every row sends one).
    pub question_required: Vec<String>,
    /// How many each role needs (blank: no goal), one field a role.
    pub needed_marshal: String,
    pub needed_medic: String,
    pub needed_legal_observer: String,
    pub needed_jail_support: String,
    pub needed_driver: String,
    pub needed_deescalation: String,
    /// A new series: `daily`, `weekly`, `monthly`, or blank for a single event.
    pub repeat_frequency: String,
    pub repeat_interval: String,
    pub repeat_count: String,
    /// The last day a new series may start on (a date in the group's time zone).
    pub repeat_until: String,
    /// Editing an occurrence: `one` (this one) or `following` (this and the later ones).
    pub scope: String,
}

/// One question row of the event form.
pub struct QuestionRow {
    pub number: usize,
    pub id: String,
    pub label: String,
    pub kinds: Vec<SelectOption>,
    pub options: String,
    pub required: bool,
}

/// The form's quota field of each role.
fn needed_field(form: &EventFormValues, role: Role) -> &String {
    match role {
        Role::Marshal => &form.needed_marshal,
        Role::Medic => &form.needed_medic,
        Role::LegalObserver => &form.needed_legal_observer,
        Role::JailSupport => &form.needed_jail_support,
        Role::Driver => &form.needed_driver,
        Role::Deescalation => &form.needed_deescalation,
    }
}

fn needed_field_mut(form: &mut EventFormValues, role: Role) -> &mut String {
    match role {
        Role::Marshal => &mut form.needed_marshal,
        Role::Medic => &mut form.needed_medic,
        Role::LegalObserver => &mut form.needed_legal_observer,
        Role::JailSupport => &mut form.needed_jail_support,
        Role::Driver => &mut form.needed_driver,
        Role::Deescalation => &mut form.needed_deescalation,
    }
}

/// One role's quota field in the form.
pub struct QuotaField {
    pub role: &'static str,
    pub label: String,
    pub value: String,
}

/// One `<option>` or checkbox.
pub struct SelectOption {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

fn hours(minutes: &[i32]) -> String {
    minutes
        .iter()
        .map(|m| {
            if m % 60 == 0 {
                (m / 60).to_string()
            } else {
                format!("{:.2}", f64::from(*m) / 60.0)
                    .trim_end_matches('0')
                    .to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl EventFormValues {
    /// A blank form with the usual defaults.
    pub fn blank() -> Self {
        EventFormValues {
            kind: EventKind::Workshop.as_str().into(),
            location_privacy: LocationPrivacy::Public.as_str().into(),
            visibility: Visibility::Listed.as_str().into(),
            count_display: CountDisplay::Exact.as_str().into(),
            language: "en".into(),
            reminder_hours: hours(&DEFAULT_REMINDER_OFFSETS),
            access: Access::Open.as_str().into(),
            ..Default::default()
        }
    }

    /// The form filled in from a stored event.
    pub fn from_event(event: &Event, tz: Tz) -> Self {
        let d = &event.draft;
        EventFormValues {
            kind: d.kind.as_str().into(),
            title: d.title.clone(),
            cover_title: d.cover_title.clone().unwrap_or_default(),
            description: d.description.clone(),
            starts_at: to_input(d.starts_at, tz),
            ends_at: to_input(d.ends_at, tz),
            location: d.location.clone(),
            location_privacy: d.location_privacy.as_str().into(),
            location_reveal_at: d
                .location_reveal_at
                .map(|at| to_input(at, tz))
                .unwrap_or_default(),
            capacity: d.capacity.map(|c| c.to_string()).unwrap_or_default(),
            tags: d.tags.join(", "),
            accessibility: d.accessibility.clone(),
            language: d.language.clone(),
            visibility: d.visibility.as_str().into(),
            approval_required: d.approval_required.then(|| "on".into()),
            roles: d.roles.iter().map(|r| r.as_str().to_string()).collect(),
            reminder_hours: hours(&d.reminder_offsets_minutes),
            count_display: d.count_display.as_str().into(),
            safe_by: d.safe_by.map(|at| to_input(at, tz)).unwrap_or_default(),
            access: d.access.as_str().into(),
            who_for: d.who_for.clone(),
            question_id: d.questions.iter().map(|q| q.id.clone()).collect(),
            question_label: d.questions.iter().map(|q| q.label.clone()).collect(),
            question_kind: d.questions.iter().map(|q| q.kind.as_str().into()).collect(),
            question_options: d.questions.iter().map(|q| q.options.join("\n")).collect(),
            question_required: d
                .questions
                .iter()
                .map(|q| if q.required { "required" } else { "optional" }.into())
                .collect(),
            ..Default::default()
        }
        .with_quotas(&d.roles_needed)
    }

    fn with_quotas(mut self, needed: &RoleNumbers) -> Self {
        for (role, number) in needed.iter() {
            *needed_field_mut(&mut self, role) = number.to_string();
        }
        self
    }

    /// Every role's quota field, as typed.
    pub fn quota_fields(&self, lang: &Lang) -> Vec<QuotaField> {
        Role::ALL
            .iter()
            .map(|role| QuotaField {
                role: role.as_str(),
                label: lang.word("role", role.as_str()),
                value: needed_field(self, *role).clone(),
            })
            .collect()
    }

    fn roles_needed(&self) -> Result<RoleNumbers, FieldError> {
        let mut pairs = Vec::new();
        for role in Role::ALL {
            let raw = needed_field(self, *role).trim();
            if raw.is_empty() {
                continue;
            }
            let number = raw
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=crate::domain::event::MAX_QUOTA).contains(n))
                .ok_or_else(|| {
                    FieldError::new(
                        "roles_needed",
                        "how many people a role needs is a whole number, or empty",
                    )
                })?;
            pairs.push((*role, number));
        }
        Ok(RoleNumbers::from_pairs(pairs))
    }

    /// The repeat rule of a new series, if the form asks for one. `repeat_until` is a day: the
    /// series may start on it until its end, in the group's time zone.
    pub fn repeat(&self, tz: Tz) -> Result<Option<Repeat>, FieldError> {
        let frequency = match self.repeat_frequency.trim() {
            "" => return Ok(None),
            word => Frequency::parse(word).ok_or_else(|| {
                FieldError::new("repeat.frequency", "choose daily, weekly or monthly")
            })?,
        };
        let number = |raw: &str, field: &'static str| -> Result<Option<i64>, FieldError> {
            match raw.trim() {
                "" => Ok(None),
                value => value
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| FieldError::new(field, "a whole number")),
            }
        };
        let until = match self.repeat_until.trim() {
            "" => None,
            day => {
                let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| {
                    FieldError::new("repeat.until", "enter a date, e.g. 2027-03-31")
                })?;
                let end_of_day = date.and_hms_opt(23, 59, 59).ok_or_else(|| {
                    FieldError::new("repeat.until", "enter a date, e.g. 2027-03-31")
                })?;
                Some(crate::domain::series::resolve(end_of_day, tz))
            }
        };
        Repeat::parse(
            frequency,
            number(&self.repeat_interval, "repeat.interval")?,
            number(&self.repeat_count, "repeat.count")?,
            until,
        )
        .map(Some)
    }

    pub fn frequencies(&self, lang: &Lang) -> Vec<SelectOption> {
        let lang = *lang;
        let mut choices = vec![SelectOption {
            value: "",
            label: lang.t("repeat-none"),
            selected: self.repeat_frequency.trim().is_empty(),
        }];
        choices.extend(options(
            Frequency::ALL,
            self.repeat_frequency.trim(),
            "repeat",
            lang,
        ));
        choices
    }

    /// Whether "this and following" is chosen (editing an occurrence of a series).
    pub fn following(&self) -> bool {
        self.scope == "following"
    }

    /// The question rows as sent (blank labels dropped), checked.
    fn questions(&self) -> Result<Vec<crate::domain::question::Question>, FieldError> {
        let at = |list: &Vec<String>, i: usize| list.get(i).cloned().unwrap_or_default();
        let mut drafts = Vec::new();
        for i in 0..self.question_label.len() {
            let label = at(&self.question_label, i);
            if label.trim().is_empty() {
                continue;
            }
            let id = at(&self.question_id, i);
            drafts.push(QuestionDraft {
                id: (!id.trim().is_empty()).then_some(id),
                label,
                kind: QuestionKind::parse(at(&self.question_kind, i).trim()),
                options: at(&self.question_options, i)
                    .lines()
                    .map(str::to_owned)
                    .collect(),
                required: at(&self.question_required, i) == "required",
            });
        }
        check_questions(drafts)
    }

    /// Five question rows: the questions as sent or stored, then empty ones.
    pub fn question_rows(&self, lang: &Lang) -> Vec<QuestionRow> {
        let lang = *lang;
        let at = |list: &Vec<String>, i: usize| list.get(i).cloned().unwrap_or_default();
        (0..MAX_QUESTIONS)
            .map(|i| {
                let kind = at(&self.question_kind, i);
                QuestionRow {
                    number: i + 1,
                    id: at(&self.question_id, i),
                    label: at(&self.question_label, i),
                    kinds: options(QuestionKind::ALL, &kind, "question-kind", lang),
                    options: at(&self.question_options, i),
                    required: at(&self.question_required, i) == "required",
                }
            })
            .collect()
    }

    pub fn accesses(&self, lang: &Lang) -> Vec<SelectOption> {
        let lang = *lang;
        options(Access::ALL, &self.access, "access", lang)
    }

    /// A new event's form filled in from `event`: every setting, but no date (nor the reveal
    /// time, which is a date too). RSVPs and live updates belong to the event and never come.
    pub fn copy_of(event: &Event, tz: Tz) -> Self {
        EventFormValues {
            starts_at: String::new(),
            ends_at: String::new(),
            location_reveal_at: String::new(),
            safe_by: String::new(),
            ..EventFormValues::from_event(event, tz)
        }
    }

    /// Read the form into a validated draft; times are typed in the group's time zone.
    pub fn to_draft(&self, tz: Tz) -> Result<EventDraft, FieldError> {
        fn choice<T>(
            parse: fn(&str) -> Option<T>,
            value: &str,
            field: &'static str,
        ) -> Result<T, FieldError> {
            parse(value)
                .ok_or_else(|| FieldError::new(field, format!("choose one of the {field} options")))
        }
        let location_privacy = choice(
            LocationPrivacy::parse,
            &self.location_privacy,
            "location_privacy",
        )?;
        let location_reveal_at = match (location_privacy, self.location_reveal_at.trim()) {
            (LocationPrivacy::RevealAt, "") => None,
            (LocationPrivacy::RevealAt, value) => {
                Some(from_input(value, tz, "location_reveal_at")?)
            }
            _ => None,
        };
        let capacity = match self.capacity.trim() {
            "" => None,
            value => Some(value.parse::<i32>().map_err(|_| {
                FieldError::new(
                    "capacity",
                    "capacity is a whole number, or empty for no limit",
                )
            })?),
        };
        let roles = self
            .roles
            .iter()
            .map(|r| choice(Role::parse, r, "roles"))
            .collect::<Result<Vec<_>, _>>()?;
        EventDraft {
            kind: choice(EventKind::parse, &self.kind, "kind")?,
            title: self.title.clone(),
            cover_title: Some(self.cover_title.clone()),
            description: self.description.clone(),
            starts_at: from_input(&self.starts_at, tz, "starts_at")?,
            ends_at: from_input(&self.ends_at, tz, "ends_at")?,
            location: self.location.clone(),
            location_privacy,
            location_reveal_at,
            capacity,
            tags: self.tags.split(',').map(str::to_owned).collect(),
            accessibility: self.accessibility.clone(),
            language: self.language.clone(),
            visibility: choice(Visibility::parse, &self.visibility, "visibility")?,
            approval_required: self.approval_required.is_some(),
            roles,
            reminder_offsets_minutes: parse_reminder_hours(&self.reminder_hours)?,
            count_display: choice(CountDisplay::parse, &self.count_display, "count_display")?,
            safe_by: match self.safe_by.trim() {
                "" => None,
                value => Some(from_input(value, tz, "safe_by")?),
            },
            // A form from before invitations existed sends none: open.
            access: Access::parse(self.access.trim()).unwrap_or(Access::Open),
            who_for: self.who_for.clone(),
            questions: self.questions()?,
            roles_needed: self.roles_needed()?,
        }
        .validate()
    }

    pub fn kinds(&self, lang: &Lang) -> Vec<SelectOption> {
        let lang = *lang;
        options(EventKind::ALL, &self.kind, "kind", lang)
    }

    pub fn privacy_modes(&self, lang: &Lang) -> Vec<SelectOption> {
        let lang = *lang;
        options(
            LocationPrivacy::ALL,
            &self.location_privacy,
            "privacy",
            lang,
        )
    }

    pub fn visibilities(&self, lang: &Lang) -> Vec<SelectOption> {
        let lang = *lang;
        options(Visibility::ALL, &self.visibility, "visibility", lang)
    }

    pub fn count_displays(&self, lang: &Lang) -> Vec<SelectOption> {
        let lang = *lang;
        options(
            CountDisplay::ALL,
            &self.count_display,
            "count-display",
            lang,
        )
    }

    /// The site's languages, in their own names; an event given another language through the
    /// API keeps it as one more choice, so saving the form does not change it.
    pub fn languages(&self) -> Vec<LanguageOption> {
        let current = self.language.trim();
        let mut choices: Vec<LanguageOption> = Lang::ALL
            .into_iter()
            .map(|lang| LanguageOption {
                value: lang.code().to_string(),
                label: lang.endonym().to_string(),
                selected: lang.code().eq_ignore_ascii_case(current),
            })
            .collect();
        if !current.is_empty() && !choices.iter().any(|choice| choice.selected) {
            choices.push(LanguageOption {
                value: current.to_string(),
                label: current.to_string(),
                selected: true,
            });
        }
        choices
    }

    pub fn role_choices(&self, lang: &Lang) -> Vec<SelectOption> {
        let lang = *lang;
        Role::ALL
            .iter()
            .map(|role| SelectOption {
                value: role.as_str(),
                label: lang.word("role", role.as_str()),
                selected: self.roles.iter().any(|r| r == role.as_str()),
            })
            .collect()
    }
}

/// One language the event form offers.
pub struct LanguageOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

trait Word: Copy {
    fn word(self) -> &'static str;
}
macro_rules! word_impl {
    ($($t:ty),+) => { $(impl Word for $t { fn word(self) -> &'static str { self.as_str() } })+ };
}
word_impl!(
    EventKind,
    LocationPrivacy,
    Visibility,
    CountDisplay,
    Access,
    QuestionKind,
    Frequency
);

/// One option per value, named by the message `{prefix}-{value}`.
fn options<T: Word>(all: &[T], current: &str, prefix: &str, lang: Lang) -> Vec<SelectOption> {
    all.iter()
        .map(|item| SelectOption {
            value: item.word(),
            label: lang.word(prefix, item.word()),
            selected: item.word() == current,
        })
        .collect()
}

/// "24, 2" (hours before the start) into minutes.
fn parse_reminder_hours(raw: &str) -> Result<Vec<i32>, FieldError> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<f64>()
                .ok()
                .filter(|h| h.is_finite() && *h > 0.0 && *h < 10_000.0)
                .map(|h| (h * 60.0).round() as i32)
                .ok_or_else(|| {
                    FieldError::new(
                        "reminder_offsets_minutes",
                        "reminders are hours before the start, e.g. 24, 2",
                    )
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Chicago;

    #[test]
    fn a_filled_form_becomes_a_draft_and_back() {
        let mut form = EventFormValues::blank();
        form.title = "Know your rights".into();
        form.starts_at = "2026-12-04T18:00".into();
        form.ends_at = "2026-12-04T20:00".into();
        form.tags = "legal, Know Your Rights".into();
        form.roles = vec!["medic".into()];
        form.reminder_hours = "24, 1.5".into();
        let draft = form.to_draft(Chicago).expect("valid");
        assert_eq!(
            draft.tags,
            vec!["legal".to_string(), "know-your-rights".to_string()]
        );
        assert_eq!(draft.reminder_offsets_minutes, vec![1440, 90]);
        assert_eq!(draft.cover_title, None);
        let event = Event::new(draft, chrono::Utc::now());
        let again = EventFormValues::from_event(&event, Chicago);
        assert_eq!(again.starts_at, "2026-12-04T18:00");
        assert_eq!(again.reminder_hours, "24, 1.5");
    }

    #[test]
    fn a_copy_keeps_the_settings_and_no_date() {
        let mut form = EventFormValues::blank();
        form.title = "Monthly workshop".into();
        form.starts_at = "2026-12-04T18:00".into();
        form.ends_at = "2026-12-04T20:00".into();
        form.location_privacy = "reveal_at".into();
        form.location_reveal_at = "2026-12-04T16:00".into();
        form.capacity = "12".into();
        form.language = "es".into();
        let event = Event::new(form.to_draft(Chicago).expect("valid"), chrono::Utc::now());
        let copy = EventFormValues::copy_of(&event, Chicago);
        assert_eq!(copy.title, "Monthly workshop");
        assert_eq!(copy.capacity, "12");
        assert_eq!(copy.location_privacy, "reveal_at");
        assert_eq!(copy.language, "es");
        assert!(copy.starts_at.is_empty() && copy.ends_at.is_empty());
        assert!(copy.location_reveal_at.is_empty());
    }

    #[test]
    fn the_language_is_a_choice_that_keeps_any_stored_code() {
        let mut form = EventFormValues::blank();
        let chosen = |form: &EventFormValues| {
            form.languages()
                .into_iter()
                .filter(|o| o.selected)
                .map(|o| o.value)
                .collect::<Vec<_>>()
        };
        assert_eq!(chosen(&form), vec!["en".to_string()]);
        assert_eq!(form.languages().len(), Lang::ALL.len());
        form.language = "fr".into();
        assert_eq!(chosen(&form), vec!["fr".to_string()]);
        assert_eq!(form.languages().len(), Lang::ALL.len() + 1);
    }

    #[test]
    fn bad_values_name_their_field() {
        let mut form = EventFormValues::blank();
        form.title = "x".into();
        form.starts_at = "2026-12-04T18:00".into();
        form.ends_at = "2026-12-04T20:00".into();
        form.capacity = "lots".into();
        assert_eq!(
            form.to_draft(Chicago).expect_err("invalid").field,
            "capacity"
        );
        form.capacity = String::new();
        form.kind = "party".into();
        assert_eq!(form.to_draft(Chicago).expect_err("invalid").field, "kind");
    }
}
