//! The organizer's own account: choosing a new password (`/organize/password`, the current one
//! and, with two-step sign-in on, a code to prove it), and the account page
//! (`/organize/account`) that turns two-step sign-in (TOTP) on, confirming it with a current
//! code, and off again with the password and a code. Each proof is throttled per handle, so a
//! stolen session cannot guess its way to the password.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{no_store, see_other};
use crate::auth::{totp, Credential};
use crate::db::audit;
use crate::db::{credentials, organizers};
use crate::domain::audit::Action;
use crate::domain::organizer::{check_new_password, MIN_PASSWORD_CHARS};
use crate::error::AppError;
use crate::extract::organizer::{PageOrganizer, PasswordChanger};
use crate::extract::WebForm;
use crate::i18n::{Lang, Locale};
use crate::privacy::crypto;
use crate::state::AppState;
use crate::views::pages::{AccountPage, FormError, PasswordPage, TotpSetup};
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
    current: SecretString,
    /// With two-step sign-in on: a current code or an unused recovery code.
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: SecretString,
    #[serde(default)]
    confirm: SecretString,
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
    let problem = match check_new_password(form.password.expose_secret()) {
        Err(error) => Some(FormError::from(error)),
        Ok(()) if form.password.expose_secret() != form.confirm.expose_secret() => {
            Some(FormError {
                field: "confirm".into(),
                message: lang.t("password-mismatch"),
            })
        }
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
    // The slow password work holds no connection: read, check and hash, then write.
    let proven = stored(&state, &organizer_id).await?.password_hash;
    let proof = if !state
        .passwords
        .verify(form.current, Some(proven.clone()))
        .await?
    {
        Proof::WrongPassword
    } else {
        let hash = state.passwords.hash(form.password).await?;
        crate::db::run(&state.pool, move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let Some(organizer) = still_proven(conn, &organizer_id, &proven)? else {
                    return Ok(Proof::WrongPassword);
                };
                if organizer.has_totp() && !totp::accept(conn, &key, &organizer, &form.code, now)? {
                    return Ok(Proof::WrongCode);
                }
                organizers::set_password(conn, &organizer_id, &hash)?;
                credentials::delete_other_sessions(conn, &organizer_id, &keep)?;
                Ok(Proof::Accepted)
            })
        })
        .await?
    };
    let Some(refused) = proof.refusal(lang) else {
        // Other sessions just ended: their live connections re-check now.
        state.news.credentials_changed(&who.0.organizer.id);
        return Ok(see_other("/organize"));
    };
    state.login_throttle.failed(&handle);
    let page = password_page(&who, vec![refused], &locale);
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// The organizer as stored now, read in a call of its own so that no connection is held while
/// the password is checked.
async fn stored(state: &AppState, organizer_id: &str) -> Result<organizers::Organizer, AppError> {
    let id = organizer_id.to_string();
    let organizer = crate::db::run(&state.pool, move |conn| {
        organizers::find(conn, &id)?.ok_or(crate::db::Error::NotFound)
    })
    .await?;
    Ok(organizer)
}

/// The organizer again, at the write, if the password just proven is still theirs (it may have
/// changed while it was being checked, and then it proves nothing).
fn still_proven(
    conn: &mut crate::db::DbConnection,
    organizer_id: &str,
    proven: &str,
) -> Result<Option<organizers::Organizer>, crate::db::Error> {
    let organizer = organizers::find(conn, organizer_id)?.ok_or(crate::db::Error::NotFound)?;
    Ok(Some(organizer).filter(|organizer| organizer.password_hash == proven))
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
            let secret = totp::open_secret(&state.key, &organizer.id, pending)?;
            let setup = totp::setup(&secret, &organizer.handle)?;
            // The page shows the secret: this is where it leaves its wrapper.
            Some(TotpSetup::new(
                setup.secret_grouped.expose_secret().to_string(),
                setup.uri.expose_secret().to_string(),
            ))
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
    let secret = totp::new_secret();
    let sealed =
        crypto::seal(&state.key, &id, secret.expose_secret()).map_err(AppError::Internal)?;
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
        let secret = crypto::open(&key, &id, &pending)
            .map(SecretString::from)
            .map_err(crate::db::Error::Internal)?;
        let Some(step) = totp::matching_step(&secret, &form.code, now) else {
            return Ok(false);
        };
        let sealed =
            crypto::seal(&key, &id, secret.expose_secret()).map_err(crate::db::Error::Internal)?;
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
    current: SecretString,
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
    // The slow password check holds no connection: read, check, then write.
    let organizer = stored(&state, &id).await?;
    let totp_on = organizer.has_totp();
    let proven = organizer.password_hash;
    let proof = if !totp_on {
        Proof::Accepted
    } else if !state
        .passwords
        .verify(form.current, Some(proven.clone()))
        .await?
    {
        Proof::WrongPassword
    } else {
        crate::db::run(&state.pool, move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let Some(organizer) = still_proven(conn, &id, &proven)? else {
                    return Ok(Proof::WrongPassword);
                };
                if !organizer.has_totp() {
                    return Ok(Proof::Accepted);
                }
                if !totp::accept(conn, &key, &organizer, &form.code, now)? {
                    return Ok(Proof::WrongCode);
                }
                audit::recorded(conn, Some(&id), Action::TotpDisabled, &id, |conn| {
                    organizers::disable_totp(conn, &id)
                })?;
                Ok(Proof::Accepted)
            })
        })
        .await?
    };
    let Some(refused) = proof.refusal(lang) else {
        return Ok(see_other("/organize/account?done=off"));
    };
    state.login_throttle.failed(&handle);
    let page = account_page(&state, &who, &locale, vec![refused], None).await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
