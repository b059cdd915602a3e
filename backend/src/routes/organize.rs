//! The organizer's web pages under `/organize`: sign in and out, and the event editor (create,
//! copy, edit, cancel). Every page but login needs a session. The dashboard and each event's
//! hub are `organize_home`.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::Deserialize;

use super::{no_store, see_other};
use crate::auth::{SESSION_COOKIE, SESSION_HOURS};
use crate::db::{credentials, organizers};
use crate::domain::event::Event;
use crate::domain::organizer::Handle;
use crate::domain::FieldError;
use crate::error::AppError;
use crate::extract::organizer::{authenticate, PageOrganizer};
use crate::extract::WebForm;
use crate::i18n::Locale;
use crate::privacy::secrets::{hash_token, new_token};
use crate::state::AppState;
use crate::views::event_form::EventFormValues;
use crate::views::pages::{EventFormPage, FormError, LoginCodePage, LoginPage};
use crate::views::series::all_occurrences;
use crate::views::time::zone_label;
use crate::views::Chrome;

fn page<T: askama::Template>(status: StatusCode, page: &T) -> Result<HttpResponse, AppError> {
    Ok(no_store(
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(page.render()?),
    ))
}

fn session_cookie(state: &AppState, value: String, max_age: CookieDuration) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.is_https())
        .max_age(max_age)
        .finish()
}

pub async fn login_form(request: HttpRequest, locale: Locale) -> Result<HttpResponse, AppError> {
    if authenticate(&request).await?.is_some() {
        return Ok(see_other("/organize"));
    }
    page(
        StatusCode::OK,
        &LoginPage {
            chrome: Chrome::public(locale.lang.t("login-title"), &locale),
            handle: String::new(),
            error: None,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    handle: String,
    #[serde(default)]
    password: secrecy::SecretString,
}

pub async fn login(
    request: HttpRequest,
    state: web::Data<AppState>,
    locale: Locale,
    WebForm(form): WebForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let lang = locale.lang;
    let client = state.client_key(&request);
    if let Err(wait) = state.login_throttle.check(&client, &form.handle) {
        let mut response = page(
            StatusCode::TOO_MANY_REQUESTS,
            &LoginPage {
                chrome: Chrome::public(lang.t("login-title"), &locale),
                handle: form.handle.clone(),
                error: Some(lang.t_count("login-too-many", wait as i64)),
            },
        )?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        return Ok(response);
    }
    let now = Utc::now();
    // Read, check the password holding no connection (see `auth::passwords`), then write.
    let organizer = match Handle::parse(&form.handle) {
        Ok(handle) => {
            crate::db::run(&state.pool, move |conn| {
                Ok(organizers::find_by_handle(conn, &handle)?)
            })
            .await?
        }
        Err(_) => None,
    };
    // Checked against a decoy when the handle is unknown, so both take as long.
    let proven = organizer.as_ref().map(|o| o.password_hash.clone());
    let verified = state.passwords.verify(form.password, proven).await?;
    let step = match organizer.filter(|o| verified && !o.disabled) {
        None => LoginStep::Refused,
        // The password was right: only now is the second step asked for.
        Some(organizer) if organizer.has_totp() => LoginStep::SecondFactor(organizer),
        Some(organizer) => {
            crate::db::run(&state.pool, move |conn| {
                // Disabled, or the password changed, while it was being checked: refused.
                let current = organizers::find(conn, &organizer.id)?;
                let Some(organizer) =
                    current.filter(|o| !o.disabled && o.password_hash == organizer.password_hash)
                else {
                    return Ok(LoginStep::Refused);
                };
                let token = start_session(conn, &organizer.id, now)?;
                Ok(LoginStep::SignedIn(token, organizer.must_change_password))
            })
            .await?
        }
    };
    match step {
        LoginStep::Refused => {
            state.login_throttle.failed(&form.handle);
            page(
                StatusCode::UNAUTHORIZED,
                &LoginPage {
                    chrome: Chrome::public(lang.t("login-title"), &locale),
                    handle: form.handle,
                    error: Some(lang.t("login-refused")),
                },
            )
        }
        LoginStep::SecondFactor(organizer) => {
            let challenge = Challenge {
                organizer_id: organizer.id,
                handle: organizer.handle,
                expires: now + Duration::minutes(CHALLENGE_MINUTES),
            };
            let mut response = see_other("/organize/login/code");
            response
                .add_cookie(&challenge_cookie(
                    &state,
                    challenge.seal(&state)?,
                    CookieDuration::minutes(CHALLENGE_MINUTES),
                ))
                .map_err(AppError::internal)?;
            Ok(response)
        }
        LoginStep::SignedIn(token, must_change_password) => {
            signed_in(&state, token, must_change_password)
        }
    }
}

enum LoginStep {
    Refused,
    SecondFactor(organizers::Organizer),
    SignedIn(String, bool),
}

/// A new session for an organizer; returns the token for the cookie.
fn start_session(
    conn: &mut crate::db::DbConnection,
    organizer_id: &str,
    now: chrono::DateTime<Utc>,
) -> Result<String, crate::db::Error> {
    let token = new_token();
    let expires = now + Duration::hours(SESSION_HOURS);
    credentials::create_session(conn, &hash_token(&token), organizer_id, now, expires)?;
    Ok(token)
}

/// Where a successful sign-in goes, with the session cookie.
fn signed_in(
    state: &AppState,
    token: String,
    must_change_password: bool,
) -> Result<HttpResponse, AppError> {
    let to = if must_change_password {
        "/organize/password"
    } else {
        "/organize"
    };
    let mut response = see_other(to);
    response
        .add_cookie(&session_cookie(
            state,
            token,
            CookieDuration::hours(SESSION_HOURS),
        ))
        .map_err(AppError::internal)?;
    response
        .add_cookie(&challenge_cookie(
            state,
            String::new(),
            CookieDuration::ZERO,
        ))
        .map_err(AppError::internal)?;
    Ok(response)
}

/// The cookie that carries a sign-in between the password and the second step.
const CHALLENGE_COOKIE: &str = "umbrella_login";
/// How long the second step may take.
const CHALLENGE_MINUTES: i64 = 5;
/// Associated data for sealing the challenge, so no other sealed value can pass for one.
const CHALLENGE_AAD: &str = "organizer-login-challenge";

fn challenge_cookie(state: &AppState, value: String, max_age: CookieDuration) -> Cookie<'static> {
    Cookie::build(CHALLENGE_COOKIE, value)
        .path("/organize/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.is_https())
        .max_age(max_age)
        .finish()
}

/// A password that was right, waiting for the second factor: sealed under the key file into
/// the cookie, so the server keeps nothing until the sign-in completes.
struct Challenge {
    organizer_id: String,
    handle: String,
    expires: chrono::DateTime<Utc>,
}

impl Challenge {
    fn seal(&self, state: &AppState) -> Result<String, AppError> {
        let plain = format!(
            "{} {} {}",
            self.organizer_id,
            self.handle,
            self.expires.timestamp()
        );
        crate::privacy::crypto::seal(&state.key, CHALLENGE_AAD, &plain).map_err(AppError::Internal)
    }

    /// The unexpired challenge this request carries, if any.
    fn from_request(request: &HttpRequest, state: &AppState) -> Option<Challenge> {
        let cookie = request.cookie(CHALLENGE_COOKIE)?;
        let plain = crate::privacy::crypto::open(&state.key, CHALLENGE_AAD, cookie.value()).ok()?;
        let mut parts = plain.split(' ');
        let (id, handle, expires) = (parts.next()?, parts.next()?, parts.next()?);
        let expires = chrono::DateTime::from_timestamp(expires.parse().ok()?, 0)?;
        (expires > Utc::now()).then(|| Challenge {
            organizer_id: id.to_string(),
            handle: handle.to_string(),
            expires,
        })
    }
}

fn code_page(handle: &str, error: Option<&str>, locale: &Locale) -> LoginCodePage {
    LoginCodePage {
        chrome: Chrome::public(locale.lang.t("login-code-title"), locale),
        handle: handle.to_string(),
        errors: error
            .map(|message| FormError {
                field: "code".into(),
                message: message.into(),
            })
            .into_iter()
            .collect(),
    }
}

/// `GET /organize/login/code`: the second step, after a right password.
pub async fn login_code_form(
    request: HttpRequest,
    state: web::Data<AppState>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    match Challenge::from_request(&request, &state) {
        Some(challenge) => page(StatusCode::OK, &code_page(&challenge.handle, None, &locale)),
        None => Ok(see_other("/organize/login")),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /organize/login/code`: a current code from the authenticator app, or a recovery code.
/// Throttled like passwords, per client and per handle.
pub async fn login_code(
    request: HttpRequest,
    state: web::Data<AppState>,
    locale: Locale,
    WebForm(form): WebForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some(challenge) = Challenge::from_request(&request, &state) else {
        return Ok(see_other("/organize/login"));
    };
    let client = state.client_key(&request);
    if let Err(wait) = state.login_throttle.check(&client, &challenge.handle) {
        let message = locale.lang.t_count("login-too-many", wait as i64);
        let mut response = page(
            StatusCode::TOO_MANY_REQUESTS,
            &code_page(&challenge.handle, Some(&message), &locale),
        )?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        return Ok(response);
    }
    let key = state.key.clone();
    let organizer_id = challenge.organizer_id.clone();
    let now = Utc::now();
    let outcome = crate::db::run(&state.pool, move |conn| {
        crate::db::write_transaction(conn, |conn| {
            let Some(organizer) = organizers::find(conn, &organizer_id)?.filter(|o| !o.disabled)
            else {
                return Ok(None);
            };
            if !crate::auth::totp::accept(conn, &key, &organizer, &form.code, now)? {
                return Ok(None);
            }
            let token = start_session(conn, &organizer.id, now)?;
            Ok(Some((token, organizer.must_change_password)))
        })
    })
    .await?;
    match outcome {
        Some((token, must_change_password)) => signed_in(&state, token, must_change_password),
        None => {
            state.login_throttle.failed(&challenge.handle);
            page(
                StatusCode::UNAUTHORIZED,
                &code_page(
                    &challenge.handle,
                    Some(&locale.lang.t("login-code-refused")),
                    &locale,
                ),
            )
        }
    }
}

pub async fn logout(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if let Some(cookie) = request.cookie(SESSION_COOKIE) {
        let hash = hash_token(cookie.value());
        let ended = crate::db::run(&state.pool, move |conn| {
            Ok(credentials::delete_session(conn, &hash)?)
        })
        .await?;
        // A console left open in another tab stops hearing organizer updates now.
        if let Some(organizer_id) = ended {
            state.news.credentials_changed(&organizer_id);
        }
    }
    let mut response = see_other("/");
    response
        .add_cookie(&session_cookie(&state, String::new(), CookieDuration::ZERO))
        .map_err(AppError::internal)?;
    Ok(response)
}

struct Editor<'a> {
    who: &'a PageOrganizer,
    state: &'a AppState,
    locale: &'a Locale,
    saved: bool,
    /// The occurrences of the edited event's series, if it is in one.
    series: Vec<Event>,
}

impl<'a> Editor<'a> {
    fn new(who: &'a PageOrganizer, state: &'a AppState, locale: &'a Locale) -> Self {
        Editor {
            who,
            state,
            locale,
            saved: false,
            series: Vec::new(),
        }
    }

    /// The editor of an occurrence lists its series, each one a click away.
    async fn with_series(mut self, event: &Event) -> Result<Self, AppError> {
        self.series = super::series_of(self.state, event).await?;
        Ok(self)
    }
}

impl Editor<'_> {
    fn render(
        &self,
        status: StatusCode,
        event: Option<&Event>,
        form: EventFormValues,
        errors: Vec<FieldError>,
    ) -> Result<HttpResponse, AppError> {
        let errors = errors.into_iter().map(FormError::from).collect();
        self.render_page(status, event, None, form, errors)
    }

    /// The form again with the fault a later step found (laying out a series, carrying an
    /// edit to later occurrences).
    fn render_invalid(
        &self,
        event: Option<&Event>,
        form: EventFormValues,
        field: String,
        message: String,
    ) -> Result<HttpResponse, AppError> {
        let errors = vec![FormError { field, message }];
        self.render_page(StatusCode::UNPROCESSABLE_ENTITY, event, None, form, errors)
    }

    /// The form for `event`, or a new one (`copied_from` when it is filled in from another).
    fn render_page(
        &self,
        status: StatusCode,
        event: Option<&Event>,
        copied_from: Option<&Event>,
        form: EventFormValues,
        errors: Vec<FormError>,
    ) -> Result<HttpResponse, AppError> {
        let lang = self.locale.lang;
        let occurrences = match event {
            Some(event) => {
                all_occurrences(&self.series, event, self.state.timezone(), lang, Utc::now())
            }
            None => Vec::new(),
        };
        let (heading, action) = match (event, copied_from) {
            (Some(event), _) => (
                lang.t_text("editor-edit-title", "title", &event.draft.title),
                format!("/organize/events/{}", event.id),
            ),
            (None, Some(original)) => (
                lang.t_text("editor-copy-title", "title", &original.draft.title),
                "/organize/events".to_string(),
            ),
            (None, None) => (lang.t("editor-new-title"), "/organize/events".to_string()),
        };
        page(
            status,
            &EventFormPage {
                chrome: Chrome::organizer(
                    heading.clone(),
                    &self.who.0.organizer.handle,
                    self.locale,
                ),
                heading,
                action,
                event_id: event.map(|e| e.id.clone()),
                cancelled: event.is_some_and(Event::is_cancelled),
                form,
                errors,
                occurrences,
                timezone: zone_label(self.state.timezone(), Utc::now()),
                saved: self.saved,
                copied_from: copied_from.map(|e| (e.id.clone(), e.draft.title.clone())),
            },
        )
    }
}

pub async fn new_event_form(
    who: PageOrganizer,
    state: web::Data<AppState>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    Editor::new(&who, &state, &locale).render(
        StatusCode::OK,
        None,
        EventFormValues::blank(),
        Vec::new(),
    )
}

/// `GET /organize/events/{id}/copy`: the new-event form filled in with everything of this
/// event but its date. Nothing is stored until the organizer picks a date and saves: the copy
/// is a draft only in the browser (there is no unpublished state), so it can never show early.
pub async fn copy_event_form(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let original = super::event_or_404(&state, path.into_inner()).await?;
    let form = EventFormValues::copy_of(&original, state.timezone());
    Editor::new(&who, &state, &locale).render_page(
        StatusCode::OK,
        None,
        Some(&original),
        form,
        Vec::new(),
    )
}

pub async fn create_event(
    who: PageOrganizer,
    state: web::Data<AppState>,
    locale: Locale,
    WebForm(form): WebForm<EventFormValues>,
) -> Result<HttpResponse, AppError> {
    let draft = match form.to_draft(state.timezone()) {
        Ok(draft) => draft,
        Err(error) => {
            return Editor::new(&who, &state, &locale).render(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                form,
                vec![error],
            )
        }
    };
    let repeat = match form.repeat(state.timezone()) {
        Ok(repeat) => repeat,
        Err(error) => {
            return Editor::new(&who, &state, &locale).render(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                form,
                vec![error],
            )
        }
    };
    let created = super::create_events(&state, &who.0.organizer.id, draft, repeat).await;
    let event = match created {
        Ok(event) => event,
        // A rule that lays out badly (an until before the start, more than 52) comes back.
        Err(AppError::Invalid { field, message }) => {
            return Editor::new(&who, &state, &locale).render_invalid(None, form, field, message)
        }
        Err(other) => return Err(other),
    };
    Ok(see_other(&format!(
        "/organize/events/{}/edit?saved=1",
        event.id
    )))
}

#[derive(Debug, Deserialize)]
pub struct EditQuery {
    saved: Option<String>,
}

pub async fn edit_event_form(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<EditQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let event = super::event_or_404(&state, path.into_inner()).await?;
    let form = EventFormValues::from_event(&event, state.timezone());
    let mut editor = Editor::new(&who, &state, &locale)
        .with_series(&event)
        .await?;
    editor.saved = query.saved.is_some();
    editor.render(StatusCode::OK, Some(&event), form, Vec::new())
}

pub async fn update_event(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
    WebForm(form): WebForm<EventFormValues>,
) -> Result<HttpResponse, AppError> {
    let event = super::event_or_404(&state, path.into_inner()).await?;
    let draft = match form.to_draft(state.timezone()) {
        Ok(draft) => draft,
        Err(error) => {
            return Editor::new(&who, &state, &locale)
                .with_series(&event)
                .await?
                .render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(&event),
                    form,
                    vec![error],
                )
        }
    };
    let id = event.id.clone();
    // The choice is on the form only for an occurrence of a series.
    let scope = super::edit_scope(Some(form.scope.as_str()).filter(|s| !s.is_empty()))?;
    // The form replaces the whole event, whatever another edit changed meanwhile; with "this
    // and following", what it changed carries to the later occurrences.
    let revised = super::revise_scoped(&state, &who.0.organizer.id, &id, scope, |_| {
        Ok(draft.clone())
    })
    .await;
    let revised = match revised {
        Ok(revised) => revised,
        Err(AppError::Invalid { field, message }) => {
            return Editor::new(&who, &state, &locale)
                .with_series(&event)
                .await?
                .render_invalid(Some(&event), form, field, message)
        }
        Err(other) => return Err(other),
    };
    for event in &revised {
        state.news.event_changed(event);
    }
    Ok(see_other(&format!("/organize/events/{id}/edit?saved=1")))
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    confirm: Option<String>,
    /// `one` or `following` (an occurrence of a series).
    scope: Option<String>,
}

pub async fn cancel_event(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    WebForm(form): WebForm<CancelForm>,
) -> Result<HttpResponse, AppError> {
    if form.confirm.as_deref() != Some("yes") {
        return Err(AppError::invalid(
            "confirm",
            "Tick the box to confirm the cancellation.",
        ));
    }
    let scope = super::edit_scope(form.scope.as_deref())?;
    let id = path.into_inner();
    let cancelled = super::cancel_scoped(&state, &who.0.organizer.id, id.clone(), scope).await?;
    for event in &cancelled {
        state.news.event_changed(event);
        tracing::info!(event = %event.id, "event cancelled");
    }
    Ok(see_other(&format!("/organize/events/{id}/edit")))
}
