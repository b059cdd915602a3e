//! HTTP handlers, one file an area. They are wired to paths in one place: `startup::routes`.

pub mod assets;
pub mod calendar;
pub mod events_api;
pub mod live;
pub mod live_pages;
pub mod openapi;
pub mod operations;
pub mod organize;
pub mod organize_account;
pub mod organize_admin;
pub mod organize_rsvps;
pub mod public;
pub mod rsvp;
pub mod rsvps_api;

use actix_web::HttpResponse;

use crate::error::AppError;

/// The event with this id, or `404`.
pub async fn event_or_404(
    state: &crate::state::AppState,
    id: String,
) -> Result<crate::domain::event::Event, AppError> {
    crate::db::run(&state.pool, move |conn| crate::db::events::get(conn, &id)).await
}

/// The answer for any path nothing else matched.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Pages with private details (manage links, organizer pages) must never be cached.
pub fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

/// `303 See Other`: where a successful form post sends the browser.
pub fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, to))
        .finish()
}
