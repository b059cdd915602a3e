//! Live day-of coordination over HTTP: organizers post updates
//! (`POST /api/v1/events/{id}/updates`), anyone reads the history they may see
//! (`GET …/updates?after=`), followers connect to the websocket (`GET …/live?after=`), and
//! attendees check in and check out home safe (`POST /api/v1/rsvps/{token}/checkin|safe`).

use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiOrganizer, SESSION_COOKIE};
use crate::db::rsvps::{self, Presence};
use crate::db::{events as event_queries, live as updates_db};
use crate::domain::live::{LiveUpdate, UpdateKind};
use crate::error::AppError;
use crate::extract::JsonBody;
use crate::live::access::resolve;
use crate::live::socket::{self, MAX_FRAME_BYTES};
use crate::state::AppState;
use crate::views::event_json::rfc3339;
use crate::views::rsvp_view::RsvpJson;

#[derive(Debug, Deserialize)]
pub struct UpdateInput {
    kind: UpdateKind,
    text: String,
    audience: String,
    #[serde(default)]
    location: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct UpdateJson {
    seq: i32,
    kind: UpdateKind,
    audience: &'static str,
    text: String,
    location: Option<String>,
    created_at: String,
}

impl UpdateJson {
    fn new(update: &LiveUpdate) -> Self {
        UpdateJson {
            seq: update.seq,
            kind: update.kind,
            audience: update.audience.as_str(),
            text: update.text.clone(),
            location: update.location.clone(),
            created_at: rfc3339(update.created_at),
        }
    }
}

/// `POST /api/v1/events/{id}/updates`: stored with the next `seq`, then sent to followers.
pub async fn post_update(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let input: UpdateInput = body.parse().await?;
    let update = crate::live::posting::post(
        &state,
        &organizer.0.organizer.id,
        path.into_inner(),
        input.kind,
        &input.audience,
        input.text,
        input.location,
    )
    .await?;
    Ok(HttpResponse::Created().json(UpdateJson::new(&update)))
}

#[derive(Debug, Deserialize)]
pub struct AfterQuery {
    after: Option<String>,
}

fn parse_after(raw: Option<&str>) -> Result<i32, AppError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(0),
        Some(value) => value
            .parse::<i32>()
            .ok()
            .filter(|after| *after >= 0)
            .ok_or_else(|| AppError::invalid("after", "after is a sequence number, 0 or more")),
    }
}

fn bearer(request: &HttpRequest) -> Option<String> {
    request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

/// `GET /api/v1/events/{id}/updates?after=N`: the history this caller may see, by `seq`.
/// A manage token or organizer token goes in `Authorization: Bearer`.
pub async fn list_updates(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<AfterQuery>,
) -> Result<HttpResponse, AppError> {
    let after = parse_after(query.after.as_deref())?;
    let event_id = path.into_inner();
    let token = bearer(&request);
    let session = request
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_string());
    let updates = crate::db::run(&state.pool, move |conn| {
        event_queries::get(conn, &event_id)?;
        let access = match resolve(conn, &event_id, token.as_deref(), session.as_deref()) {
            Err(AppError::NotFound) => return Err(AppError::Unauthorized),
            other => other?,
        };
        updates_db::after(conn, &event_id, after, access.audiences())
    })
    .await?;
    let updates: Vec<UpdateJson> = updates.iter().map(UpdateJson::new).collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "updates": updates })))
}

/// `GET /api/v1/events/{id}/live?after=N`: the websocket. Credentials come in the first message.
pub async fn websocket(
    request: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<AfterQuery>,
) -> Result<HttpResponse, actix_web::Error> {
    let after = parse_after(query.after.as_deref())?;
    let event_id = path.into_inner();
    let lookup = event_id.clone();
    super::event_or_404(&state, lookup).await?;
    let (response, session, stream) = actix_ws::handle(&request, body)?;
    let stream = stream.max_frame_size(MAX_FRAME_BYTES);
    let cookie = request
        .cookie(SESSION_COOKIE)
        .map(|c| c.value().to_string());
    actix_web::rt::spawn(socket::serve(
        state, event_id, after, cookie, session, stream,
    ));
    Ok(response)
}

async fn mark(
    state: &AppState,
    token: String,
    presence: Presence,
) -> Result<HttpResponse, AppError> {
    let (rsvp, event) = crate::db::run(&state.pool, move |conn| {
        rsvps::mark(conn, &token, presence, Utc::now())
    })
    .await?;
    state.live.presence_changed(&event.id);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RsvpJson::new(&rsvp)))
}

/// `POST /api/v1/rsvps/{token}/checkin`
pub async fn check_in(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    mark(&state, path.into_inner(), Presence::CheckedIn).await
}

/// `POST /api/v1/rsvps/{token}/safe`
pub async fn home_safe(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    mark(&state, path.into_inner(), Presence::Safe).await
}
