//! Web Push over HTTP: the server's public VAPID key (`GET /api/v1/push`), and a phone
//! subscribing to or leaving alerts for an RSVP (`PUT|DELETE /api/v1/rsvps/{token}/push`) or
//! for an organizer (`PUT|DELETE /api/v1/organizer/push`). The body is checked before anything
//! is stored: an endpoint off the allow-list is `422` naming `endpoint`.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Serialize;

use crate::db::push::{self as store, Owner};
use crate::error::AppError;
use crate::extract::organizer::ApiOrganizer;
use crate::extract::{JsonBody, ManagedRsvp};
use crate::requests::push::{PushEndpointInput, PushSubscriptionInput};
use crate::state::AppState;

/// The answer to `GET /api/v1/push`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PushKeyJson {
    /// The VAPID public key (P-256, uncompressed, base64url without padding): a browser's
    /// `applicationServerKey`.
    public_key: String,
}

#[utoipa::path(
    get, path = "/api/v1/push", operation_id = "push_key", tag = "push",
    responses((status = 200, description = "The key phones subscribe with", body = PushKeyJson)),
    security(()),
)]
/// `GET /api/v1/push`
pub async fn key(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(PushKeyJson {
        public_key: state.push_public_key.to_string(),
    })
}

async fn subscribe(
    state: &AppState,
    request: &HttpRequest,
    owner: Owner,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let input: PushSubscriptionInput = body.parse().await?;
    let subscription = input.into_subscription(&state.settings.push_services())?;
    let language = crate::extract::locale::locale_of(request).lang.code();
    let key = state.key.clone();
    crate::db::run(&state.pool, move |conn| {
        store::subscribe(conn, &key, &owner, &subscription, language, Utc::now())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The endpoint a `DELETE` names, or `None` (no body): every phone of the caller.
fn endpoint_to_forget(body: &[u8]) -> Result<Option<String>, AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let input: PushEndpointInput = crate::extract::parse_json(body)?;
    Ok(Some(input.endpoint))
}

async fn unsubscribe(
    state: &AppState,
    owner: Owner,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let endpoint = endpoint_to_forget(&body)?;
    let key = state.key.clone();
    crate::db::run(&state.pool, move |conn| {
        store::unsubscribe(conn, &key, &owner, endpoint.as_deref())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    put, path = "/api/v1/rsvps/{token}/push", operation_id = "push_subscribe", tag = "push",
    params(("token" = String, Path, description = "The manage token")),
    request_body = PushSubscriptionInput,
    responses(
        (status = 204, description = "This phone gets alerts for this RSVP (the same endpoint again replaces it)"),
        crate::error::documented::BodyRefusals,
        crate::error::documented::FromAnotherSite,
        crate::error::documented::NoSuchToken,
        crate::error::documented::Throttled,
        (status = 422, description = "A field is not valid (named in `field`: `endpoint`, `keys.p256dh`, `keys.auth`, `detail`)", body = crate::error::ErrorBody),
    ),
    security(()),
)]
/// `PUT /api/v1/rsvps/{token}/push`
pub async fn subscribe_rsvp(
    request: HttpRequest,
    state: web::Data<AppState>,
    managed: ManagedRsvp,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    subscribe(&state, &request, Owner::Rsvp(managed.rsvp.id), body).await
}

#[utoipa::path(
    delete, path = "/api/v1/rsvps/{token}/push", operation_id = "push_unsubscribe", tag = "push",
    params(("token" = String, Path, description = "The manage token")),
    request_body(content = Option<PushEndpointInput>, description = "The phone to forget; without a body, every phone subscribed for this RSVP"),
    responses(
        (status = 204, description = "No alerts go to that phone (or to any) for this RSVP any more"),
        (status = 400, description = "The body is not JSON", body = crate::error::ErrorBody),
        crate::error::documented::FromAnotherSite,
        crate::error::documented::NoSuchToken,
        crate::error::documented::Throttled,
        (status = 422, description = "The body has no `endpoint`", body = crate::error::ErrorBody),
    ),
    security(()),
)]
/// `DELETE /api/v1/rsvps/{token}/push`
pub async fn unsubscribe_rsvp(
    state: web::Data<AppState>,
    managed: ManagedRsvp,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    unsubscribe(&state, Owner::Rsvp(managed.rsvp.id), body).await
}

#[utoipa::path(
    put, path = "/api/v1/organizer/push", operation_id = "organizer_push_subscribe", tag = "push",
    request_body = PushSubscriptionInput,
    responses(
        (status = 204, description = "This phone gets the organizer's alerts (every update of every event, the safety net's alerts)"),
        crate::error::documented::BodyRefusals,
        crate::error::documented::OrganizerRefusals,
        (status = 422, description = "A field is not valid (named in `field`)", body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `PUT /api/v1/organizer/push`
pub async fn subscribe_organizer(
    request: HttpRequest,
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let owner = Owner::Organizer(organizer.0.organizer.id.clone());
    subscribe(&state, &request, owner, body).await
}

#[utoipa::path(
    delete, path = "/api/v1/organizer/push", operation_id = "organizer_push_unsubscribe", tag = "push",
    request_body(content = Option<PushEndpointInput>, description = "The phone to forget; without a body, every phone of this organizer"),
    responses(
        (status = 204, description = "No alerts go to that phone (or to any) any more"),
        (status = 400, description = "The body is not JSON", body = crate::error::ErrorBody),
        crate::error::documented::OrganizerRefusals,
        (status = 422, description = "The body has no `endpoint`", body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `DELETE /api/v1/organizer/push`
pub async fn unsubscribe_organizer(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let owner = Owner::Organizer(organizer.0.organizer.id.clone());
    unsubscribe(&state, owner, body).await
}
