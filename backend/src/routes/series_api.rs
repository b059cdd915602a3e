//! `/api/v1/series/{series_id}`: every occurrence of a series, in time order, each shown as
//! `GET /api/v1/events/{id}` shows it (the location only to whoever may see it); outsiders do
//! not see invitation-only occurrences in it.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::Serialize;

use crate::domain::access::{shows_details, Viewer};
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
    // An invitation-only occurrence shows outsiders only its outline, on its own page and API;
    // a series listing leaves it out (and one made only of such is not found).
    events.retain(|event| shows_details(event, &viewer, false));
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
