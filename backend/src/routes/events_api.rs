//! `/api/v1/events`: list and read (public; organizers also see unlisted events and every
//! location), create, edit and cancel (organizers only).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::cache::{respond, Stamp};
use crate::db::events::{self as event_queries, Listing};
use crate::domain::access::{shows_details, Viewer};

use crate::domain::event::Event;
use crate::error::AppError;
use crate::extract::organizer::{authenticate, ApiOrganizer};
use crate::extract::{kind_filter, tag_filter, JsonBody};
use crate::requests::event::{decode_cursor, encode_cursor, EventInput, EventPatch};
use crate::state::AppState;
use crate::views::event_json::{EventJson, EventListJson, EventOrOutline, EventOutlineJson};

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    kind: Option<String>,
    tag: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

/// `kind` in the listing's query, as the document has it: a kind, or blank for every kind
/// (`extract::kind_filter`). Only a schema.
pub struct KindFilter;

impl utoipa::PartialSchema for KindFilter {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::AnyOfBuilder;
        AnyOfBuilder::new()
            .item(crate::domain::event::EventKind::schema())
            .item(crate::requests::blank())
            .into()
    }
}

impl utoipa::ToSchema for KindFilter {}

fn parse_limit(raw: Option<&str>) -> Result<i64, AppError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    crate::extract::whole_number(raw)
        .filter(|limit| (1..=MAX_LIMIT).contains(limit))
        .ok_or_else(|| {
            AppError::invalid(
                "limit",
                format!("limit is a whole number from 1 to {MAX_LIMIT}"),
            )
        })
}

async fn viewer(request: &HttpRequest) -> Result<Viewer, AppError> {
    Ok(match authenticate(request).await? {
        Some(_) => Viewer::Organizer,
        None => Viewer::Public,
    })
}

fn event_json(state: &AppState, event: &Event, viewer: Viewer) -> EventJson {
    EventJson::new(event, viewer, &state.public_base(), Utc::now())
}

#[utoipa::path(
    get, path = "/api/v1/events", operation_id = "list_events", tag = "events",
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 200, description = "Events a page (default 50)"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` from the page before"),
        ("kind" = inline(Option<KindFilter>), Query, description = "Only events of this kind (blank: every kind)"),
        ("tag" = Option<String>, Query, description = "Only events with this tag"),
    ),
    responses(
        (status = 200, description = "Upcoming events in start order (organizers also see unlisted ones)", body = EventListJson),
        (status = 400, description = "The query string could not be read", body = crate::error::ErrorBody),
        (status = 422, description = "`limit`, `cursor` or `kind` is not valid (named in `field`)", body = crate::error::ErrorBody),
    ),
    security((), ("bearer" = []), ("session" = [])),
)]
/// `GET /api/v1/events`: upcoming events in start order, `limit` a page, `cursor` for the next.
pub async fn list(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = parse_limit(query.limit.as_deref())?;
    let viewer = viewer(&request).await?;
    let listing = Listing {
        kind: kind_filter(query.kind.as_deref())?,
        tag: tag_filter(query.tag.as_deref()),
        include_unlisted: viewer == Viewer::Organizer,
        ending_after: Utc::now(),
        after: query.cursor.as_deref().map(decode_cursor).transpose()?,
        limit: limit + 1,
    };
    if viewer == Viewer::Organizer {
        return Ok(HttpResponse::Ok().json(list_json(&state, listing, limit, viewer).await?));
    }
    // The public answer is the same for everyone: built once per change, kept in memory.
    let key = format!(
        "api/events?kind={}&tag={}&cursor={}&limit={limit}",
        listing.kind.map_or("", |k| k.as_str()),
        listing.tag.as_deref().unwrap_or(""),
        query.cursor.as_deref().unwrap_or("")
    );
    let changes = crate::db::run(&state.pool, crate::db::events::changes);
    let stamp = Stamp::with_counts(
        state.page_cache.changes(changes).await?,
        Duration::seconds(PUBLIC_WINDOW_SECONDS),
        Utc::now(),
    );
    let build = async {
        serde_json::to_string(&list_json(&state, listing, limit, viewer).await?)
            .map_err(AppError::internal)
    };
    let answer = state.page_cache.get_or_build(key, stamp, build).await?;
    Ok(respond(&request, &answer, JSON, "no-cache"))
}

/// How long a kept public answer may show events that have since ended.
const PUBLIC_WINDOW_SECONDS: i64 = 60;
const JSON: &str = "application/json";

async fn list_json(
    state: &AppState,
    listing: Listing,
    limit: i64,
    viewer: Viewer,
) -> Result<EventListJson, AppError> {
    let mut events =
        crate::db::run(&state.pool, move |conn| event_queries::list(conn, &listing)).await?;
    let next_cursor = if events.len() as i64 > limit {
        events.truncate(limit as usize);
        events.last().map(encode_cursor)
    } else {
        None
    };
    let events = events
        .iter()
        .map(|event| event_json(state, event, viewer))
        .collect();
    Ok(EventListJson {
        events,
        next_cursor,
    })
}

#[derive(Debug, Deserialize)]
pub struct GetQuery {
    invite: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/events/{id}", operation_id = "get_event", tag = "events",
    params(
        ("id" = String, Path, description = "The event's id"),
        ("invite" = Option<String>, Query, description = "An invite code, for an invitation-only event"),
    ),
    responses(
        (status = 200, description = "The event; `location` only when the caller may see it. An invitation-only event without a valid code (and no organizer credentials): only its outline", body = EventOrOutline),
        (status = 403, description = "The invite code is wrong, used up, expired or revoked", body = crate::error::ErrorBody),
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
    ),
    security((), ("bearer" = []), ("session" = [])),
)]
/// `GET /api/v1/events/{id}`
pub async fn get(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<GetQuery>,
) -> Result<HttpResponse, AppError> {
    let viewer = viewer(&request).await?;
    let id = path.into_inner();
    let event = super::event_or_404(&state, id).await?;
    let invited = match super::invitation(&state, &request, &event, query.invite.as_deref()).await?
    {
        Ok(invited) => invited,
        Err(problem) => return Err(AppError::Forbidden(problem.to_string())),
    };
    if !shows_details(&event, &viewer, invited) {
        let lang = crate::extract::locale::locale_of(&request).lang;
        let outline = EventOutlineJson::new(
            &event,
            &lang.t("invite-neutral-title"),
            &state.public_base(),
        );
        return Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(EventOrOutline::Outline(outline)));
    }
    let json = EventOrOutline::Event(Box::new(event_json(&state, &event, viewer)));
    let mut response = HttpResponse::Ok();
    if invited {
        response.insert_header(("Cache-Control", "no-store"));
    }
    Ok(response.json(json))
}

#[utoipa::path(
    post, path = "/api/v1/events", operation_id = "create_event", tag = "events",
    request_body = EventInput,
    responses(
        (status = 201, description = "Created", body = EventJson,
            headers(("Location" = String, description = "The new event's API path"))),
        crate::error::documented::BodyRefusals,
        crate::error::documented::OrganizerRefusals,
        (status = 422, description = "A field is not valid (named in `field`)", body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `POST /api/v1/events`: `201 Created` with the event and its `Location`; with `repeat`, every
/// occurrence of the series is created and the answer is the first.
pub async fn create(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let input: EventInput = body.parse().await?;
    let (draft, repeat) = input.into_series()?;
    let organizer_id = organizer.0.organizer.id;
    let event = super::create_events(&state, &organizer_id, draft, repeat).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/events/{}", event.id)))
        .json(event_json(&state, &event, Viewer::Organizer)))
}

/// `?scope=` of an edit or a cancellation.
#[derive(Debug, Deserialize)]
pub struct ScopeQuery {
    scope: Option<String>,
}

#[utoipa::path(
    patch, path = "/api/v1/events/{id}", operation_id = "update_event", tag = "events",
    params(
        ("id" = String, Path, description = "The event's id"),
        ("scope" = inline(Option<crate::domain::series::EditScope>), Query, description = "`one` (default): this event only; `following`: this occurrence and the later ones of its series, whose times shift by the same wall-clock amount"),
    ),
    request_body = EventPatch,
    responses(
        (status = 200, description = "The changed event", body = EventJson),
        crate::error::documented::BodyRefusals,
        crate::error::documented::OrganizerRefusals,
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
        (status = 422, description = "A field, or the event as changed, is not valid (named in `field`)", body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `PATCH /api/v1/events/{id}`: change any fields; the result is validated as a whole.
pub async fn update(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ScopeQuery>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let scope = super::edit_scope(query.scope.as_deref())?;
    let patch: EventPatch = body.parse().await?;
    let id = path.into_inner();
    let actor = organizer.0.organizer.id;
    let events = super::revise_scoped(&state, &actor, &id, scope, |event| {
        Ok(patch.clone().apply_to(&event.draft)?)
    })
    .await?;
    for event in &events {
        state.news.event_changed(event);
    }
    let event = events.first().ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(event_json(&state, event, Viewer::Organizer)))
}

#[utoipa::path(
    post, path = "/api/v1/events/{id}/cancel", operation_id = "cancel_event", tag = "events",
    params(
        ("id" = String, Path, description = "The event's id"),
        ("scope" = inline(Option<crate::domain::series::EditScope>), Query, description = "`one` (default): this event only; `following`: this occurrence and the later ones of its series"),
    ),
    responses(
        (status = 200, description = "The cancelled event", body = EventJson),
        crate::error::documented::OrganizerRefusals,
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
        (status = 400, description = "The query string could not be read", body = crate::error::ErrorBody),
        (status = 422, description = "`scope` is not `one` or `following`", body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `POST /api/v1/events/{id}/cancel`: this event, or with `?scope=following` this occurrence
/// and the later ones; each one's RSVPs hear of their own occurrence's cancellation.
pub async fn cancel(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = super::edit_scope(query.scope.as_deref())?;
    let actor = organizer.0.organizer.id;
    let events = super::cancel_scoped(&state, &actor, path.into_inner(), scope).await?;
    for event in &events {
        state.news.event_changed(event);
    }
    let event = events.first().ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(event_json(&state, event, Viewer::Organizer)))
}
