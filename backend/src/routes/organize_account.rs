//! The organizer's own account page (`/organize/account`): turn two-step sign-in (TOTP) on,
//! confirming it with a current code, and off again with a code or the password.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::{no_store, see_other};
use crate::auth::{totp, Credential, PageOrganizer};
use crate::db::audit::{self, Action};
use crate::db::{credentials, organizers};
use crate::domain::organizer::verify_password;
use crate::error::AppError;
use crate::extract::WebForm;
use crate::i18n::Locale;
use crate::privacy::crypto;
use crate::state::AppState;
use crate::views::pages::{AccountPage, FormError};
use crate::views::{render_html, Chrome};

fn render(status: StatusCode, page: &AccountPage) -> Result<HttpResponse, AppError> {
    let mut response = no_store(render_html(page)?);
    *response.status_mut() = status;
    Ok(response)
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
        let organizer = organizers::find(conn, &id)?.ok_or(AppError::NotFound)?;
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
    let keep = match &who.0.credential {
        Credential::Session(hash) => hash.clone(),
        Credential::ApiToken => String::new(),
    };
    let key = state.key.clone();
    let codes = totp::new_recovery_codes();
    let hashes: Vec<String> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
    let now = Utc::now();
    let enabled = crate::db::run(&state.pool, move |conn| {
        let organizer = organizers::find(conn, &id)?.ok_or(AppError::NotFound)?;
        let Some(pending) = organizer
            .totp_pending_sealed
            .filter(|_| organizer.totp_secret_sealed.is_none())
        else {
            return Ok(false);
        };
        let secret = crypto::open(&key, &id, &pending).map_err(AppError::Internal)?;
        let Some(step) = totp::matching_step(&secret, &form.code, now) else {
            return Ok(false);
        };
        let sealed = crypto::seal(&key, &id, &secret).map_err(AppError::Internal)?;
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
    confirm: String,
}

/// `POST /organize/account/totp/disable`: needs a current code, a recovery code or the
/// password. Throttled like sign-in attempts.
pub async fn disable_totp(
    request: HttpRequest,
    who: PageOrganizer,
    state: web::Data<AppState>,
    locale: Locale,
    WebForm(form): WebForm<DisableForm>,
) -> Result<HttpResponse, AppError> {
    let address = request.peer_addr().map(|peer| peer.ip());
    state
        .login_throttle
        .check(&state.client_keys, address, &who.0.organizer.handle)
        .map_err(AppError::RateLimited)?;
    let id = who.0.organizer.id.clone();
    let key = state.key.clone();
    let now = Utc::now();
    let done = crate::db::run(&state.pool, move |conn| {
        let organizer = organizers::find(conn, &id)?.ok_or(AppError::NotFound)?;
        if !organizer.has_totp() {
            return Ok(true);
        }
        // The slow password check runs before the write lock is taken.
        let by_password = verify_password(&form.confirm, &organizer.password_hash);
        crate::db::write_transaction(conn, |conn| {
            if !by_password && !totp::accept(conn, &key, &organizer, &form.confirm, now)? {
                return Ok(false);
            }
            audit::recorded(conn, Some(&id), Action::TotpDisabled, &id, |conn| {
                organizers::disable_totp(conn, &id)
            })?;
            Ok(true)
        })
    })
    .await?;
    if done {
        return Ok(see_other("/organize/account?done=off"));
    }
    let errors = vec![FormError {
        field: "confirm".into(),
        message: locale.lang.t("account-confirm-refused"),
    }];
    let page = account_page(&state, &who, &locale, errors, None).await?;
    render(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
