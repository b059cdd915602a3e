//! The askama templates, one struct a page. Templates live in `frontend/templates`.

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::access::Viewer;
use crate::domain::event::Event;
use crate::domain::rsvp::{Rsvp, Tally, MAX_GUESTS};
use crate::i18n::{Lang, Locale};

use super::event_form::{EventFormValues, SelectOption};
use super::organizer_home::{EventTool, HomeSections, PastLine};
use super::rsvp_view::{
    question_fields, role_choices, QuestionField, RsvpCounts, RsvpLine, RsvpSummary,
};
use super::{Chrome, DayGroup, EventDetail, FilterLink};
use crate::requests::rsvp::RsvpFormValues;

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub days: Vec<DayGroup>,
    pub kinds: Vec<FilterLink>,
    pub tags: Vec<FilterLink>,
    pub filtered: bool,
    pub next_page: Option<String>,
    /// Calendar subscriptions: the feed for this filter, then one per kind.
    pub subscriptions: Vec<Subscription>,
    /// The Atom feed of the events shown (`/feed.atom` with this filter).
    pub atom_href: String,
}

/// A calendar feed to subscribe to, as `webcal://` (opens the calendar app) and `https://`.
pub struct Subscription {
    pub label: String,
    pub webcal: String,
    pub https: String,
}

impl Subscription {
    pub fn new(label: impl Into<String>, public_base: &str, query: &str) -> Self {
        let https = format!("{public_base}/calendar.ics{query}");
        let webcal = match https.split_once("://") {
            Some((_, rest)) => format!("webcal://{rest}"),
            None => https.clone(),
        };
        Subscription {
            label: label.into(),
            webcal,
            https,
        }
    }
}

#[derive(Template)]
#[template(path = "event.html")]
pub struct EventPage {
    pub chrome: Chrome,
    pub event: EventDetail,
    pub form: RsvpFormValues,
    pub roles: Vec<SelectOption>,
    pub errors: Vec<FormError>,
    pub max_guests: i32,
    /// Whether the form asks for an email: only when this server sends email.
    pub asks_email: bool,
    /// The event's questions, as form fields.
    pub questions: Vec<QuestionField>,
}

impl EventPage {
    /// The public event page, with the RSVP form as last sent (empty at first).
    pub fn new(
        event: &Event,
        form: RsvpFormValues,
        errors: Vec<FormError>,
        tz: Tz,
        locale: &Locale,
        now: DateTime<Utc>,
    ) -> Self {
        let lang = locale.lang;
        EventPage {
            chrome: Chrome::public(event.draft.title.clone(), locale),
            roles: role_choices(&form, event, Viewer::Public, lang),
            questions: question_fields(&event.draft.questions, &form, lang),
            event: EventDetail::new(event, Viewer::Public, tz, lang, now),
            form,
            errors,
            max_guests: MAX_GUESTS,
            asks_email: false,
        }
    }

    pub fn error_for(&self, field: &str) -> Option<String> {
        error_for(&self.errors, field, self.chrome.lang)
    }
}

/// The private page behind a manage link. Its title is neutral: it may sit in a shared
/// phone's history.
#[derive(Template)]
#[template(path = "manage.html")]
pub struct ManagePage {
    pub chrome: Chrome,
    pub manage_url: String,
    /// The manage link as an inline SVG QR code, to carry it to another device.
    pub manage_qr: Option<String>,
    pub manage_path: String,
    pub just_created: bool,
    /// Opened from the day-ahead reminder's link (`?confirm`): ask "still coming?" first.
    pub confirm: bool,
    pub notice: Option<String>,
    pub rsvp: RsvpSummary,
    pub event: EventDetail,
    pub form: RsvpFormValues,
    pub roles: Vec<SelectOption>,
    pub errors: Vec<FormError>,
    pub max_guests: i32,
    /// Whether the form asks for an email: only when this server sends email.
    pub asks_email: bool,
    /// The event's questions, as form fields (never filled with the saved answers).
    pub questions: Vec<QuestionField>,
}

impl ManagePage {
    /// The manage page of `rsvp`; `form` is the edit form as last sent, or the RSVP as stored.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        rsvp: &Rsvp,
        event: &Event,
        manage_url: String,
        manage_path: String,
        form: Option<RsvpFormValues>,
        errors: Vec<FormError>,
        tz: Tz,
        locale: &Locale,
        now: DateTime<Utc>,
    ) -> Self {
        let lang = locale.lang;
        let form = form.unwrap_or_else(|| RsvpFormValues::from_rsvp(rsvp));
        ManagePage {
            chrome: Chrome::public(lang.t("manage-title"), locale),
            manage_qr: super::qr::svg(&manage_url, &lang.t("manage-qr-label")),
            manage_url,
            manage_path,
            just_created: false,
            confirm: false,
            notice: None,
            rsvp: RsvpSummary::new(rsvp, lang),
            event: EventDetail::new(event, Viewer::attendee(rsvp), tz, lang, now),
            roles: role_choices(&form, event, Viewer::attendee(rsvp), lang),
            questions: question_fields(&event.draft.questions, &form, lang),
            form,
            errors,
            max_guests: MAX_GUESTS,
            asks_email: false,
        }
    }

    pub fn error_for(&self, field: &str) -> Option<String> {
        error_for(&self.errors, field, self.chrome.lang)
    }
}

#[derive(Template)]
#[template(path = "organize/rsvps.html")]
pub struct OrganizerRsvpsPage {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub lines: Vec<RsvpLine>,
    pub counts: RsvpCounts,
    pub capacity: Option<i32>,
    /// Whether the event asks questions (or RSVPs answered earlier ones): an answers column.
    pub show_answers: bool,
}

/// Stopping emails from a link in one. The title stays neutral, like the manage page's.
#[derive(Template)]
#[template(path = "unsubscribe.html")]
pub struct UnsubscribePage {
    pub chrome: Chrome,
    pub manage_path: String,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub heading: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "organize/login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub handle: String,
    pub error: Option<String>,
}

/// The second sign-in step: a code from the authenticator app or a recovery code.
#[derive(Template)]
#[template(path = "organize/login_code.html")]
pub struct LoginCodePage {
    pub chrome: Chrome,
    pub handle: String,
    pub errors: Vec<FormError>,
}

impl LoginCodePage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        error_for(&self.errors, field, self.chrome.lang)
    }
}

/// The organizer's own account: two-step sign-in on or off, and setting it up.
#[derive(Template)]
#[template(path = "organize/account.html")]
pub struct AccountPage {
    pub chrome: Chrome,
    pub totp_on: bool,
    pub recovery_codes_left: i64,
    /// While setting up: the secret, its URI and QR code.
    pub setup: Option<TotpSetup>,
    /// Shown once, right after two-step sign-in is turned on.
    pub new_recovery_codes: Vec<String>,
    pub notice: Option<String>,
    pub errors: Vec<FormError>,
}

impl AccountPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        error_for(&self.errors, field, self.chrome.lang)
    }
}

/// Setting up two-step sign-in: the secret in groups of four, its `otpauth://` URI, and the
/// same URI as an inline SVG QR code (drawn here: nothing is fetched from elsewhere).
pub struct TotpSetup {
    pub secret_grouped: String,
    pub uri: String,
    pub qr_svg: Option<String>,
}

impl TotpSetup {
    pub fn new(secret_grouped: String, uri: String) -> Self {
        let qr_svg = super::qr::svg(&uri, "QR code for your authenticator app");
        TotpSetup {
            secret_grouped,
            uri,
            qr_svg,
        }
    }
}

/// One organizer on the admin list.
pub struct OrganizerLine {
    pub id: String,
    pub handle: String,
    pub role: String,
    pub disabled: bool,
    pub totp_on: bool,
    pub api_tokens: i64,
    pub created: String,
    pub is_me: bool,
}

#[derive(Template)]
#[template(path = "organize/organizers.html")]
pub struct OrganizersPage {
    pub chrome: Chrome,
    pub organizers: Vec<OrganizerLine>,
    pub notice: Option<String>,
}

/// One audit entry as shown.
pub struct AuditLine {
    pub time: String,
    pub actor: String,
    pub action: String,
    pub action_word: String,
    pub target_kind: String,
    pub target_id: String,
    /// A link to the target, for events: its hub.
    pub target_href: Option<String>,
}

impl AuditLine {
    /// An entry as stored (`actor` is `None` for the command line), in the page's words.
    pub fn new(
        at: DateTime<Utc>,
        actor: Option<String>,
        action_word: String,
        target_kind: String,
        target_id: String,
        tz: Tz,
        lang: Lang,
    ) -> Self {
        let action = crate::domain::audit::Action::parse(&action_word);
        AuditLine {
            time: crate::i18n::time::moment(at, tz, lang),
            actor: actor.unwrap_or_else(|| lang.t("audit-command-line")),
            action: action.map_or(action_word.clone(), |a| lang.word("audit", a.as_str())),
            action_word,
            target_href: (target_kind == "event").then(|| format!("/organize/events/{target_id}")),
            target_kind,
            target_id,
        }
    }
}

#[derive(Template)]
#[template(path = "organize/audit.html")]
pub struct AuditPage {
    pub chrome: Chrome,
    pub lines: Vec<AuditLine>,
    pub page: i64,
    pub newer: Option<String>,
    pub older: Option<String>,
}

#[derive(Template)]
#[template(path = "organize/password.html")]
pub struct PasswordPage {
    pub chrome: Chrome,
    /// Still on the one-time password: that is the current password to type.
    pub first_time: bool,
    /// Two-step sign-in is on: a code is asked for too.
    pub totp_on: bool,
    pub errors: Vec<FormError>,
    pub min_chars: usize,
}

impl PasswordPage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        error_for(&self.errors, field, self.chrome.lang)
    }
}

/// The organizer's home: upcoming events with their counts, under way and today's first.
#[derive(Template)]
#[template(path = "organize/dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    /// Admins see links to the organizer list and the audit log.
    pub is_admin: bool,
    pub sections: HomeSections,
}

/// Past events, newest first, with only the anonymous counts the purge leaves.
#[derive(Template)]
#[template(path = "organize/past.html")]
pub struct PastEventsPage {
    pub chrome: Chrome,
    pub lines: Vec<PastLine>,
    pub page: i64,
    pub newer: Option<String>,
    pub older: Option<String>,
}

/// One event's hub: its essentials and counts, who waits for a decision, where to go next
/// (edit, RSVPs, live console, copy, the per-event tools) and what organizers changed.
#[derive(Template)]
#[template(path = "organize/event_hub.html")]
pub struct EventHubPage {
    pub chrome: Chrome,
    pub event: EventDetail,
    pub unlisted: bool,
    pub tally: Tally,
    pub capacity: Option<i32>,
    pub places_left: Option<i64>,
    pub settings: Vec<(String, String)>,
    pub pending: Vec<RsvpLine>,
    pub tools: Vec<EventTool>,
    pub changes: Vec<AuditLine>,
}

/// A validation message in a form, linked from the summary at the top.
pub struct FormError {
    pub field: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "organize/event_form.html")]
pub struct EventFormPage {
    pub chrome: Chrome,
    pub heading: String,
    pub action: String,
    pub event_id: Option<String>,
    pub cancelled: bool,
    pub form: EventFormValues,
    pub errors: Vec<FormError>,
    /// The group's time zone as shown beside each time field, e.g. "America/Chicago (CST)".
    pub timezone: String,
    /// The last submission was stored.
    pub saved: bool,
    /// A new event filled in from this one (id, title): nothing is stored until it is saved.
    pub copied_from: Option<(String, String)>,
    /// Every occurrence of the edited event's series (empty when it is not in one).
    pub occurrences: Vec<super::series::OccurrenceLine>,
}

impl EventFormPage {
    /// The message for a field, if the last submission got it wrong.
    pub fn error_for(&self, field: &str) -> Option<String> {
        error_for(&self.errors, field, self.chrome.lang)
    }
}

/// The message for `field`, in the page's language.
fn error_for(errors: &[FormError], field: &str, lang: Lang) -> Option<String> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.text(lang))
}

impl FormError {
    /// English keeps the precise message the validation gave; other languages say what the
    /// field needs (`field-error-{field}`), when they have that message.
    pub fn text(&self, lang: impl std::borrow::Borrow<Lang>) -> String {
        let lang = *lang.borrow();
        // Message ids have no dots: `repeat.count` is `field-error-repeat-count`.
        let id = format!("field-error-{}", self.field.replace('.', "-"));
        if lang != Lang::En && lang.has(&id) {
            lang.t(&id)
        } else {
            self.message.clone()
        }
    }
}

impl From<crate::domain::FieldError> for FormError {
    fn from(error: crate::domain::FieldError) -> Self {
        FormError {
            field: error.field.to_string(),
            message: error.message,
        }
    }
}

/// One update as the live page shows it.
#[derive(Clone)]
pub struct UpdateLine {
    pub seq: i32,
    pub kind: &'static str,
    pub kind_label: String,
    pub audience: &'static str,
    pub audience_label: String,
    pub text: String,
    pub location: Option<String>,
    pub time: String,
    /// A help request's: who asked (only responders see help requests at all).
    pub pseudonym: Option<String>,
}

impl UpdateLine {
    /// An update as the access policy lets this viewer see it (its location only if allowed).
    pub fn new(seen: crate::domain::access::UpdateSight<'_>, tz: Tz, lang: Lang) -> Self {
        let update = seen.update;
        UpdateLine {
            seq: update.seq,
            kind: update.kind.as_str(),
            kind_label: lang.word("update-kind", update.kind.as_str()),
            audience: update.audience.as_str(),
            audience_label: audience_label(update.audience.as_str(), lang),
            text: update.text.clone(),
            location: seen.location.map(str::to_owned),
            time: crate::i18n::time::time_of_day(update.created_at, tz, lang),
            pseudonym: update.pseudonym.clone(),
        }
    }
}

/// Who an update is for: "Everyone", "Attendees", or a role's name.
pub fn audience_label(audience: &str, lang: Lang) -> String {
    match audience {
        "public" | "attendees" | "responders" => lang.word("audience", audience),
        role => lang.word("role", role),
    }
}

/// `GET /events/{id}/live` and `GET /r/{token}/live`: the updates this viewer may see, newest
/// first. Without JavaScript it refreshes itself; with it, updates arrive over the websocket.
#[derive(Template)]
#[template(path = "live.html")]
pub struct LivePage {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub updates: Vec<UpdateLine>,
    pub last_seq: i32,
    /// The manage token, for the websocket hello (only on the attendee's own page).
    pub token: Option<String>,
    /// Where "I need help" posts (the manage page), for an attendee going to an event that was
    /// not cancelled.
    pub help_path: Option<String>,
    pub back: String,
    /// The group's time zone, so times added by the script match the ones rendered here.
    pub timezone: &'static str,
}

/// The organizer's live console for one event.
#[derive(Template)]
#[template(path = "organize/console.html")]
pub struct ConsolePage {
    pub chrome: Chrome,
    pub event_id: String,
    pub event_title: String,
    pub audiences: Vec<(&'static str, String)>,
    pub updates: Vec<UpdateLine>,
    pub last_seq: i32,
    pub followers: usize,
    pub checked_in: i64,
    pub safe: i64,
    pub not_yet_safe: Vec<(String, String)>,
    /// The event's "home safe by" time as people read it, once it has passed (then the
    /// not-yet-safe list is the one organizers act on).
    pub safe_by_passed: Option<String>,
    /// The event's "home safe by" time as people read it, before it passes.
    pub safe_by: Option<String>,
    /// Help requests, newest first.
    pub help: Vec<UpdateLine>,
    /// Whether the form offers "also by email" (only when this server sends email).
    pub sends_mail: bool,
    pub errors: Vec<FormError>,
    pub timezone: &'static str,
}

impl ConsolePage {
    pub fn error_for(&self, field: &str) -> Option<String> {
        error_for(&self.errors, field, self.chrome.lang)
    }
}

#[cfg(test)]
mod tests {
    use super::TotpSetup;

    #[test]
    fn the_totp_setup_draws_its_uri_inline() {
        let setup = TotpSetup::new(
            "ABCD EFGH".into(),
            "otpauth://totp/Umbrella:rosa?secret=ABCDEFGH&issuer=Umbrella".into(),
        );
        let svg = setup.qr_svg.expect("svg");
        assert!(svg.starts_with("<svg role=\"img\""));
        assert!(!svg.contains("<?xml"));
        assert!(!svg.contains("style="), "the CSP forbids inline styles");
    }
}
