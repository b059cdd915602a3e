//! `AppError`: the one error type handlers return. It answers the API with JSON
//! `{"error": "...", "field": "..."}`; web pages turn it into an HTML page (`page`). The store's
//! errors (`db::Error`) and the domain's field errors become it here, in one place.
//!
//! Use `Invalid` for a field that fails validation (422, names the field), `BadRequest` for a body
//! that cannot be read at all (400), and `Internal` only for faults that are ours; its detail is
//! logged, never shown.

pub mod page;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("sign in first: credentials are missing or not valid")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("the request body is too large")]
    TooLarge,
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many attempts: try again in {0} seconds")]
    RateLimited(u64),
    #[error("the service is not available right now")]
    Unavailable,
    #[error("something went wrong on our side")]
    Internal(#[source] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(error.into())
    }

    /// The field at fault, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// The body of every API error.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody<'a> {
    /// What went wrong, in words a person can act on.
    error: String,
    /// The request field at fault (422 only), e.g. `title` or `tags`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    field: Option<&'a str>,
}

/// Refusals many API calls share, for their `#[utoipa::path]` responses: each is documented
/// once here, with `ErrorBody` as its content.
pub mod documented {
    use super::ErrorBody;

    /// A JSON body that cannot be read, before any field is looked at.
    #[derive(utoipa::IntoResponses)]
    pub enum BodyRefusals {
        #[response(status = 400, description = "The body is not JSON")]
        NotJson(ErrorBody<'static>),
        #[response(status = 413, description = "The body is over 64 KiB")]
        TooLarge(ErrorBody<'static>),
        #[response(status = 415, description = "The body is not `application/json`")]
        NotJsonType(ErrorBody<'static>),
    }

    /// A call that needs an organizer.
    #[derive(utoipa::IntoResponses)]
    pub enum OrganizerRefusals {
        #[response(status = 401, description = "No or bad credentials")]
        NoCredentials(ErrorBody<'static>),
        #[response(
            status = 403,
            description = "Sent from another site, or a session still on a one-time password"
        )]
        Forbidden(ErrorBody<'static>),
    }

    #[derive(utoipa::IntoResponses)]
    #[response(status = 404, description = "No such event")]
    pub struct NoSuchEvent(pub ErrorBody<'static>);

    #[derive(utoipa::IntoResponses)]
    #[response(status = 404, description = "No such token")]
    pub struct NoSuchToken(pub ErrorBody<'static>);

    /// A client that has asked for too many unknown ids or tokens is slowed down: its misses on
    /// these paths are answered `429` for a while (`security::slow_down_guessing`).
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 429,
        description = "Too many unknown ids or tokens asked for from this client",
        headers(("Retry-After" = u64, description = "Seconds to wait"))
    )]
    pub struct Throttled(pub ErrorBody<'static>);

    /// A change sent from another site's page (`Sec-Fetch-Site`, `Origin`).
    #[derive(utoipa::IntoResponses)]
    #[response(status = 403, description = "Sent from another site")]
    pub struct FromAnotherSite(pub ErrorBody<'static>);
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            // Database and I/O errors carry no request data; they are safe to log.
            tracing::error!(error = %format!("{cause:#}"), "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            AppError::RateLimited(seconds) => {
                response.insert_header((header::RETRY_AFTER, seconds.to_string()));
            }
            AppError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        response.json(ErrorBody {
            error: self.to_string(),
            field: self.field(),
        })
    }
}

/// The one place store errors become responses.
impl From<crate::db::Error> for AppError {
    fn from(error: crate::db::Error) -> Self {
        use crate::db::Error;
        match error {
            Error::NotFound => AppError::NotFound,
            Error::Refused(refusal) => match refusal.field() {
                Some(field) => AppError::invalid(field, refusal.to_string()),
                None if refusal.forbids() => AppError::Forbidden(refusal.to_string()),
                None => AppError::Conflict(refusal.to_string()),
            },
            Error::Stale => AppError::Conflict(error.to_string()),
            Error::Taken(what) => AppError::Conflict(what),
            Error::Unavailable(cause) => {
                tracing::error!(error = %cause, "no database connection available");
                AppError::Unavailable
            }
            Error::Internal(cause) => AppError::Internal(cause),
        }
    }
}

impl From<crate::domain::FieldError> for AppError {
    fn from(error: crate::domain::FieldError) -> Self {
        AppError::invalid(error.field, error.message)
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(error: actix_web::error::BlockingError) -> Self {
        AppError::internal(anyhow::anyhow!("blocking task failed: {error}"))
    }
}

impl From<crate::auth::Error> for AppError {
    fn from(error: crate::auth::Error) -> Self {
        match error {
            crate::auth::Error::Internal(error) => AppError::Internal(error),
        }
    }
}

impl From<crate::cache::Error> for AppError {
    fn from(error: crate::cache::Error) -> Self {
        AppError::internal(error)
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        AppError::internal(error)
    }
}
