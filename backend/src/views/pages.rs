//! The askama templates, one struct a page. Templates live in `frontend/templates`.

use askama::Template;

use super::event_form::EventFormValues;
use super::{Chrome, DayGroup, EventCard, EventDetail, FilterLink};

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub chrome: Chrome,
    pub days: Vec<DayGroup>,
    pub kinds: Vec<FilterLink>,
    pub tags: Vec<FilterLink>,
    pub filtered: bool,
    pub next_page: Option<String>,
}

#[derive(Template)]
#[template(path = "event.html")]
pub struct EventPage {
    pub chrome: Chrome,
    pub event: EventDetail,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub heading: &'static str,
    pub message: String,
}

#[derive(Template)]
#[template(path = "organize/login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub handle: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "organize/password.html")]
pub struct PasswordPage {
    pub chrome: Chrome,
    pub first_time: bool,
    pub error: Option<String>,
    pub min_chars: usize,
}

#[derive(Template)]
#[template(path = "organize/dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    pub upcoming: Vec<EventCard>,
    pub past: Vec<EventCard>,
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
    pub timezone: String,
    /// The last submission was stored.
    pub saved: bool,
}

impl EventFormPage {
    /// The message for a field, if the last submission got it wrong.
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
