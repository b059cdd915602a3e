//! `/api/v1/series/{series_id}`: every occurrence of a series, in time order, each shown as
//! `GET /api/v1/events/{id}` shows it (the location only to whoever may see it); the public
//! sees only the occurrences listings show (no unlisted or invitation-only one).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Serialize;

use crate::domain::access::{publicly_listed, Viewer};
use crate::error::AppError;
use crate::extract::organizer::authenticate;
use crate::state::AppState;
use crate::views::event_json::EventJson;

/// A series: its occurrences in time order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SeriesJson {
    pub events: Vec<EventJson>,
}

#[utoipa::path(
    get, path = "/api/v1/series/{series_id}", operation_id = "get_series", tag = "events",
    params(("series_id" = String, Path, description = "`series_id` of any of its occurrences")),
    responses(
        (status = 200, description = "Every occurrence, in time order; `location` only when the caller may see it", body = SeriesJson),
        (status = 404, description = "No such series", body = crate::error::ErrorBody),
        crate::error::documented::Throttled,
    ),
    security((), ("bearer" = []), ("session" = [])),
)]
/// `GET /api/v1/series/{series_id}`
pub async fn get(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let viewer = match authenticate(&request).await? {
        Some(_) => Viewer::Organizer,
        None => Viewer::Public,
    };
    let series_id = path.into_inner();
    let mut events = crate::db::run(&state.pool, move |conn| {
        crate::db::series::occurrences(conn, &series_id)
    })
    .await?;
    // The public sees the occurrences it could find in listings: not an unlisted (link-only)
    // one, nor an invitation-only one, whose page shows outsiders only an outline (and a series
    // made only of such is not found). Organizers see every occurrence.
    if viewer == Viewer::Public {
        events.retain(publicly_listed);
    }
    if events.is_empty() {
        return Err(AppError::NotFound);
    }
    let (base, now) = (state.public_base(), Utc::now());
    Ok(HttpResponse::Ok().json(SeriesJson {
        events: events
            .iter()
            .map(|event| EventJson::new(event, viewer, &base, now))
            .collect(),
    }))
}
