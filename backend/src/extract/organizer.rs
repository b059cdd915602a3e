//! Who is calling, as extractors: organizers sign in with a session cookie (pages) or a bearer
//! token (API). `ApiOrganizer` refuses anonymous callers with 401; `PageOrganizer` sends them
//! to the login page. The checks themselves are auth core's (`crate::auth`).

use actix_web::dev::Payload;
use actix_web::http::header::{self, AUTHORIZATION};
use actix_web::{web, FromRequest, HttpRequest, HttpResponse, ResponseError};
use chrono::Utc;
use futures_util::future::{FutureExt, LocalBoxFuture};

use crate::auth::{Credential, Presented, SignedIn, SESSION_COOKIE};
use crate::error::AppError;
use crate::state::AppState;

/// The credential this request carries (see `Presented::from_parts`).
pub fn presented(request: &HttpRequest) -> Presented {
    let authorization = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let cookie = request.cookie(SESSION_COOKIE);
    Presented::from_parts(authorization, cookie.as_ref().map(|c| c.value()))
}

/// Look up the caller's credentials. `Ok(None)` means anonymous or not valid.
pub async fn authenticate(request: &HttpRequest) -> Result<Option<SignedIn>, AppError> {
    let presented = presented(request);
    // Nothing presented, nothing to look up: no trip to the database (most public requests).
    if matches!(presented, Presented::Nothing) {
        return Ok(None);
    }
    let state = request
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("application state missing")))?
        .clone();
    let signed_in = crate::db::run(&state.pool, move |conn| {
        crate::auth::signed_in(conn, &presented, Utc::now())
    })
    .await?;
    Ok(signed_in)
}

/// An organizer calling the JSON API.
pub struct ApiOrganizer(pub SignedIn);

impl FromRequest for ApiOrganizer {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let signed_in = authenticate(&request)
                .await?
                .ok_or(AppError::Unauthorized)?;
            if signed_in.organizer.must_change_password
                && matches!(signed_in.credential, Credential::Session(_))
            {
                return Err(AppError::Forbidden(
                    "choose a new password at /organize/password first".into(),
                ));
            }
            Ok(ApiOrganizer(signed_in))
        })
    }
}

/// An organizer using the web pages. Anyone else is sent to sign in; an organizer still on a
/// one-time password is sent to choose a new one.
pub struct PageOrganizer(pub SignedIn);

/// Where a page sends someone who may not see it.
#[derive(Debug, thiserror::Error)]
pub enum PageRefusal {
    #[error("sign in to continue")]
    SignIn,
    #[error("choose a new password to continue")]
    ChoosePassword,
    #[error(transparent)]
    Failed(#[from] AppError),
}

impl ResponseError for PageRefusal {
    fn status_code(&self) -> actix_web::http::StatusCode {
        match self {
            PageRefusal::Failed(error) => error.status_code(),
            _ => actix_web::http::StatusCode::SEE_OTHER,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let to = match self {
            PageRefusal::SignIn => "/organize/login",
            PageRefusal::ChoosePassword => "/organize/password",
            PageRefusal::Failed(error) => return error.error_response(),
        };
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish()
    }
}

impl PageOrganizer {
    /// The signed-in organizer behind `request`, if a page may be shown to them; one still on
    /// a one-time password only when `allow_password_change`.
    fn check(
        request: &HttpRequest,
        allow_password_change: bool,
    ) -> LocalBoxFuture<'static, Result<SignedIn, PageRefusal>> {
        let request = request.clone();
        Box::pin(async move {
            let signed_in = authenticate(&request).await?.ok_or(PageRefusal::SignIn)?;
            if signed_in.organizer.must_change_password && !allow_password_change {
                return Err(PageRefusal::ChoosePassword);
            }
            Ok(signed_in)
        })
    }
}

impl FromRequest for PageOrganizer {
    type Error = PageRefusal;
    type Future = LocalBoxFuture<'static, Result<Self, PageRefusal>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        PageOrganizer::check(request, false)
            .map(|signed_in| signed_in.map(PageOrganizer))
            .boxed_local()
    }
}

/// A signed-in organizer who may still be on a one-time password (for the password page).
pub struct PasswordChanger(pub SignedIn);

impl FromRequest for PasswordChanger {
    type Error = PageRefusal;
    type Future = LocalBoxFuture<'static, Result<Self, PageRefusal>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        PageOrganizer::check(request, true)
            .map(|signed_in| signed_in.map(PasswordChanger))
            .boxed_local()
    }
}

/// An admin using the web pages; a signed-in organizer who is not an admin gets 403.
pub struct AdminOrganizer(pub SignedIn);

impl FromRequest for AdminOrganizer {
    type Error = PageRefusal;
    type Future = LocalBoxFuture<'static, Result<Self, PageRefusal>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let signed_in = PageOrganizer::check(request, false);
        Box::pin(async move {
            let signed_in = signed_in.await?;
            if !signed_in.organizer.is_admin {
                return Err(PageRefusal::Failed(AppError::Forbidden(
                    "only admins can open this page".into(),
                )));
            }
            Ok(AdminOrganizer(signed_in))
        })
    }
}
