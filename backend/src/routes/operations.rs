//! Operations endpoints: `GET /healthz` (the database answers) and `GET /metrics` (Prometheus).

use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::error::AppError;
use crate::state::AppState;

pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let checked = crate::db::run(&state.pool, |conn| {
        conn.batch_execute("SELECT 1").map_err(AppError::from)
    })
    .await;
    match checked {
        Ok(()) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({"status": "ok", "database": "ok"})),
        Err(_) => HttpResponse::ServiceUnavailable()
            .insert_header(("Cache-Control", "no-store"))
            .json(json!({"status": "unavailable", "database": "unreachable"})),
    }
}

pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (pending, failed) =
        crate::db::run(&state.pool, |conn| Ok(crate::db::outbox::depth(conn)?)).await?;
    state.metrics.set_outbox_depth(pending, failed);
    let text = state
        .metrics
        .render(&state.pool, state.live.connections())
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(text))
}
