//! Operations endpoints: `GET /healthz` (the database answers) and `GET /metrics` (Prometheus,
//! for a bearer token: the `--metrics-token` or an organizer's API token; activity levels show
//! when an action is on, so they are not public).

use actix_web::{web, HttpRequest, HttpResponse};
use diesel::connection::SimpleConnection;
use secrecy::ExposeSecret;
use serde_json::json;

use crate::auth::{Credential, Presented};
use crate::error::AppError;
use crate::extract::organizer::{authenticate, presented};
use crate::state::AppState;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let checked = crate::db::run(&state.pool, |conn| Ok(conn.batch_execute("SELECT 1")?)).await;
    match checked {
        Ok(()) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({"status": "ok", "database": "ok"})),
        Err(_) => HttpResponse::ServiceUnavailable()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({"status": "unavailable", "database": "unreachable"})),
    }
}

/// Whether the caller may read the metrics. The metrics token is compared in constant time
/// and never logged.
async fn may_read_metrics(request: &HttpRequest, state: &AppState) -> Result<bool, AppError> {
    let Presented::Bearer(bearer) = presented(request) else {
        return Ok(false);
    };
    if let Some(token) = &state.settings.metrics_token {
        if token.matches(bearer.expose_secret()) {
            return Ok(true);
        }
    }
    // An organizer's API token (a disabled organizer's finds no one); a session cookie is not
    // enough, as a scraper has none.
    let signed_in = authenticate(request).await?;
    Ok(signed_in.is_some_and(|who| matches!(who.credential, Credential::ApiToken)))
}

pub async fn metrics(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if !may_read_metrics(&request, &state).await? {
        return Err(AppError::Unauthorized);
    }
    let (pending, failed) =
        crate::db::run(&state.pool, |conn| Ok(crate::db::outbox::depth(conn)?)).await?;
    state.metrics.set_outbox_depth(pending, failed);
    let (pending, failed) =
        crate::db::run(&state.pool, |conn| Ok(crate::db::push::depth(conn)?)).await?;
    state.metrics.set_push_depth(pending, failed);
    let text = state
        .metrics
        .render(&state.pool, state.live.connections())
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(text))
}
