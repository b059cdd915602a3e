//! The organizer's own account: choosing a new password (`/organize/password`, the current one
//! and, with two-step sign-in on, a code to prove it), and the account page
//! (`/organize/account`) that turns two-step sign-in (TOTP) on, confirming it with a current
//! code, and off again with the password and a code. Each proof is throttled per handle, so a
//! stolen session cannot guess its way to the password.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::{no_store, see_other};
use crate::auth::{totp, Credential, PageOrganizer, PasswordChanger};
use crate::db::audit;
use crate::db::{credentials, organizers};
use crate::domain::audit::Action;
use crate::domain::organizer::{
    check_new_password, hash_password, verify_password, MIN_PASSWORD_CHARS,
};
use crate::error::AppError;
use crate::extract::WebForm;
use crate::i18n::{Lang, Locale};
use crate::privacy::crypto;
use crate::state::AppState;
use crate::views::pages::{AccountPage, FormError, PasswordPage};
use crate::views::{render_html, Chrome};

fn render<T: askama::Template>(status: StatusCode, page: &T) -> Result<HttpResponse, AppError> {
    let mut response = no_store(render_html(page)?);
    *response.status_mut() = status;
    Ok(response)
}

/// `429` with the page that was posted, saying how long to wait.
fn too_many<T: askama::Template>(page: &T, wait: u64) -> Result<HttpResponse, AppError> {
    let mut response = render(StatusCode::TOO_MANY_REQUESTS, page)?;
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
    Ok(response)
}

/// The session this request came with: it stays when the others end.
fn this_session(credential: &Credential) -> String {
    match credential {
        Credential::Session(hash) => hash.clone(),
        Credential::ApiToken => String::new(),
    }
}

fn password_page(who: &PasswordChanger, errors: Vec<FormError>, locale: &Locale) -> PasswordPage {
    PasswordPage {
        chrome: Chrome::organizer(
            locale.lang.t("password-title"),
            &who.0.organizer.handle,
            locale,
        ),
        first_time: who.0.organizer.must_change_password,
        totp_on: who.0.organizer.has_totp(),
        errors,
        min_chars: MIN_PASSWORD_CHARS,
    }
}

/// `GET /organize/password`
pub async fn password_form(who: PasswordChanger, locale: Locale) -> Result<HttpResponse, AppError> {
    render(StatusCode::OK, &password_page(&who, Vec::new(), &locale))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    /// The password now (at first sign-in, the one-time password).
    #[serde(default)]
    current: String,
    /// With two-step sign-in on: a current code or an unused recovery code.
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// What the proof in a password change came to.
enum Proof {
    Accepted,
    WrongPassword,
    WrongCode,
}

impl Proof {
    /// What the form says beside the field at fault; `None` when the proof was accepted.
    fn refusal(self, lang: Lang) -> Option<FormError> {
        let (field, message) = match self {
            Proof::Accepted => return None,
            Proof::WrongPassword => ("current", "password-current-refused"),
            Proof::WrongCode => ("code", "password-code-refused"),
        };
        Some(FormError {
            field: field.into(),
            message: lang.t(message),
        })
    }
}

/// `POST /organize/password`: save a new password, proven by the current one (and a code when
/// two-step sign-in is on), and end every other session of this organizer.
pub async fn change_password(
    who: PasswordChanger,
    state: web::Data<AppState>,
    locale: Locale,
    WebForm(form): WebForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let lang = locale.lang;
    // The new password's own checks need no proof and change nothing: they come first.
    let problem = match check_new_password(&form.password) {
        Err(error) => Some(FormError::from(error)),
        Ok(()) if form.password != form.confirm => Some(FormError {
            field: "confirm".into(),
            message: lang.t("password-mismatch"),
        }),
        Ok(()) => None,
    };
    if let Some(error) = problem {
        let page = password_page(&who, vec![error], &locale);
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let handle = who.0.organizer.handle.clone();
    if let Err(wait) = state.login_throttle.check_handle(&handle) {
        let error = FormError {
            field: "current".into(),
            message: lang.t_count("login-too-many", wait as i64),
        };
        return too_many(&password_page(&who, vec![error], &locale), wait);
    }
    let organizer_id = who.0.organizer.id.clone();
    let keep = this_session(&who.0.credential);
    let key = state.key.clone();
    let now = Utc::now();
    let proof = crate::db::run(&state.pool, move |conn| {
        let organizer = organizers::find(conn, &organizer_id)?.ok_or(crate::db::Error::NotFound)?;
        // The slow password work runs before the write lock is taken.
        if !verify_password(&form.current, &organizer.password_hash) {
            return Ok(Proof::WrongPassword);
        }
        let hash = hash_password(&form.password).map_err(crate::db::Error::Internal)?;
        crate::db::write_transaction(conn, |conn| {
            if organizer.has_totp() && !totp::accept(conn, &key, &organizer, &form.code, now)? {
                return Ok(Proof::WrongCode);
            }
            organizers::set_password(conn, &organizer_id, &hash)?;
            credentials::delete_other_sessions(conn, &organizer_id, &keep)?;
            Ok(Proof::Accepted)
        })
    })
    .await?;
    let Some(refused) = proof.refusal(lang) else {
        // Other sessions just ended: their live connections re-check now.
        state.news.credentials_changed(&who.0.organizer.id);
        return Ok(see_other("/organize"));
    };
    state.login_throttle.failed(&handle);
    let page = password_page(&who, vec![refused], &locale);
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

#[derive(Debug, Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

/// The page as the organizer's stored state says, with `errors` from the last form.
async fn account_page(
    state: &AppState,
    who: &PageOrganizer,
    locale: &Locale,
    errors: Vec<FormError>,
    notice: Option<String>,
) -> Result<AccountPage, AppError> {
    let id = who.0.organizer.id.clone();
    let (organizer, left) = crate::db::run(&state.pool, move |conn| {
        let organizer = organizers::find(conn, &id)?.ok_or(crate::db::Error::NotFound)?;
        let left = organizers::recovery_codes_left(conn, &id)?;
        Ok((organizer, left))
    })
    .await?;
    let setup = match (
        &organizer.totp_secret_sealed,
        &organizer.totp_pending_sealed,
    ) {
        (None, Some(pending)) => {
            let secret =
                crypto::open(&state.key, &organizer.id, pending).map_err(AppError::Internal)?;
            Some(totp::setup(&secret, &organizer.handle)?)
        }
        _ => None,
    };
    Ok(AccountPage {
        chrome: Chrome::organizer(locale.lang.t("account-title"), &organizer.handle, locale),
        totp_on: organizer.has_totp(),
        recovery_codes_left: left,
        setup,
        new_recovery_codes: Vec::new(),
        notice,
        errors,
    })
}

/// `GET /organize/account`
pub async fn show(
    who: PageOrganizer,
    state: web::Data<AppState>,
    query: web::Query<AccountQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let notice = match query.done.as_deref() {
        Some("off") => Some(locale.lang.t("account-totp-off-done")),
        _ => None,
    };
    let page = account_page(&state, &who, &locale, Vec::new(), notice).await?;
    render(StatusCode::OK, &page)
}

/// `POST /organize/account/totp/start`: a new secret, kept sealed until a code confirms it.
pub async fn start_totp(
    who: PageOrganizer,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if who.0.organizer.has_totp() {
        return Ok(see_other("/organize/account"));
    }
    let id = who.0.organizer.id.clone();
    let sealed = crypto::seal(&state.key, &id, &totp::new_secret()).map_err(AppError::Internal)?;
    crate::db::run(&state.pool, move |conn| {
        Ok(organizers::set_pending_totp(conn, &id, Some(&sealed))?)
    })
    .await?;
    Ok(see_other("/organize/account"))
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    code: String,
}

/// `POST /organize/account/totp/confirm`: a current code turns it on; the recovery codes are
/// shown on this one answer and stored only hashed. Other sessions end.
pub async fn confirm_totp(
    who: PageOrganizer,
    state: web::Data<AppState>,
    locale: Locale,
    WebForm(form): WebForm<ConfirmForm>,
) -> Result<HttpResponse, AppError> {
    let id = who.0.organizer.id.clone();
    let keep = this_session(&who.0.credential);
    let key = state.key.clone();
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    let now = Utc::now();
    let enabled = crate::db::run(&state.pool, move |conn| {
        let organizer = organizers::find(conn, &id)?.ok_or(crate::db::Error::NotFound)?;
        let Some(pending) = organizer
            .totp_pending_sealed
            .filter(|_| organizer.totp_secret_sealed.is_none())
        else {
            return Ok(false);
        };
        let secret = crypto::open(&key, &id, &pending).map_err(crate::db::Error::Internal)?;
        let Some(step) = totp::matching_step(&secret, &form.code, now) else {
            return Ok(false);
        };
        let sealed = crypto::seal(&key, &id, &secret).map_err(crate::db::Error::Internal)?;
        audit::recorded(conn, Some(&id), Action::TotpEnabled, &id, |conn| {
            organizers::enable_totp(conn, &id, &sealed, step, &hashes, now.naive_utc())?;
            Ok(credentials::delete_other_sessions(conn, &id, &keep)?)
        })?;
        Ok(true)
    })
    .await?;
    if enabled {
        // Other sessions just ended: their live connections re-check now.
        state.news.credentials_changed(&who.0.organizer.id);
    }
    let mut page = account_page(&state, &who, &locale, Vec::new(), None).await?;
    if !enabled {
        if page.setup.is_none() {
            return Ok(see_other("/organize/account"));
        }
        page.errors.push(FormError {
            field: "code".into(),
            message: locale.lang.t("account-code-refused"),
        });
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    page.new_recovery_codes = codes;
    page.notice = Some(locale.lang.t("account-totp-on-done"));
    render(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    code: String,
}

/// `POST /organize/account/totp/disable`: needs the password and a current code or an unused
/// recovery code, so a stolen session alone cannot turn it off. Wrong ones count against the
/// handle like sign-in guesses.
pub async fn disable_totp(
    who: PageOrganizer,
    state: web::Data<AppState>,
    locale: Locale,
    WebForm(form): WebForm<DisableForm>,
) -> Result<HttpResponse, AppError> {
    let lang = locale.lang;
    let handle = who.0.organizer.handle.clone();
    if let Err(wait) = state.login_throttle.check_handle(&handle) {
        let error = FormError {
            field: "current".into(),
            message: lang.t_count("login-too-many", wait as i64),
        };
        let page = account_page(&state, &who, &locale, vec![error], None).await?;
        return too_many(&page, wait);
    }
    let id = who.0.organizer.id.clone();
    let key = state.key.clone();
    let now = Utc::now();
    let proof = crate::db::run(&state.pool, move |conn| {
        let organizer = organizers::find(conn, &id)?.ok_or(crate::db::Error::NotFound)?;
        if !organizer.has_totp() {
            return Ok(Proof::Accepted);
        }
        // The slow password check runs before the write lock is taken.
        if !verify_password(&form.current, &organizer.password_hash) {
            return Ok(Proof::WrongPassword);
        }
        crate::db::write_transaction(conn, |conn| {
            if !totp::accept(conn, &key, &organizer, &form.code, now)? {
                return Ok(Proof::WrongCode);
            }
            audit::recorded(conn, Some(&id), Action::TotpDisabled, &id, |conn| {
                organizers::disable_totp(conn, &id)
            })?;
            Ok(Proof::Accepted)
        })
    })
    .await?;
    let Some(refused) = proof.refusal(lang) else {
        return Ok(see_other("/organize/account?done=off"));
    };
    state.login_throttle.failed(&handle);
    let page = account_page(&state, &who, &locale, vec![refused], None).await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
