//! HTTP handlers, one file an area. They are wired to paths in one place: `startup::routes`.

pub mod assets;
pub mod atom;
pub mod calendar;
pub mod door;
pub mod door_links;
pub mod embed;
pub mod events_api;
pub mod flyer;
pub mod live_api;
pub mod live_pages;
pub mod openapi;
pub mod operations;
pub mod organize;
pub mod organize_account;
pub mod organize_admin;
pub mod organize_home;
pub mod organize_rsvps;
pub mod public;
pub mod push_api;
pub mod rsvp;
pub mod rsvps_api;

use actix_web::HttpResponse;
use chrono::Utc;

use crate::db::audit;
use crate::domain::audit::Action;
use crate::domain::event::{Event, EventDraft};
use crate::error::AppError;

/// The event with this id, or `404`.
pub async fn event_or_404(state: &crate::state::AppState, id: String) -> Result<Event, AppError> {
    Ok(crate::db::run(&state.pool, move |conn| crate::db::events::get(conn, &id)).await?)
}

/// Store an organizer's edit of an event. `edit` makes the new draft from the event as it is now,
/// outside any transaction (validation never holds the event's lock); if another edit lands in
/// between, the edit is made again over that one.
pub async fn revise_event(
    state: &crate::state::AppState,
    actor: &str,
    id: &str,
    edit: impl Fn(&Event) -> Result<EventDraft, AppError>,
) -> Result<Event, AppError> {
    const ATTEMPTS: usize = 3;
    for _ in 0..ATTEMPTS {
        let event = event_or_404(state, id.to_string()).await?;
        let draft = edit(&event)?;
        let (actor, id, sequence) = (actor.to_string(), event.id, event.sequence);
        let stored = crate::db::run(&state.pool, move |conn| {
            audit::recorded(conn, Some(&actor), Action::EventEdited, &id, |conn| {
                crate::db::event_changes::revise(conn, &id, sequence, draft, Utc::now())
            })
        })
        .await;
        match stored {
            Err(crate::db::Error::Stale) => continue,
            other => return Ok(other?),
        }
    }
    Err(AppError::Conflict(
        "others are editing this event right now; try again".into(),
    ))
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
