//! Organizers' door links: make one, list them, revoke one, through the API
//! (`/api/v1/events/{id}/door-links`) and the organizer page (`/organize/events/{id}/door`).
//! Making and revoking are written to the audit log (naming the event). The token is shown
//! once, in the answer that made it; only its hash is stored.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::{no_store, see_other};
use crate::db::{audit, door_links};
use crate::domain::audit::Action;
use crate::domain::door::{self, DoorLink};
use crate::domain::event::Event;
use crate::error::AppError;
use crate::extract::organizer::{ApiOrganizer, PageOrganizer};
use crate::extract::{JsonBody, WebForm};
use crate::i18n::Locale;
use crate::requests::door::{DoorLinkForm, DoorLinkInput};
use crate::state::AppState;
use crate::views::door::{
    door_path, DoorLinkJson, DoorLinkLine, DoorLinkListJson, DoorLinksPage, NewDoorLinkJson,
};
use crate::views::pages::FormError;
use crate::views::{render_html, Chrome};

/// Make a link to the event's door list until `expires_at` (checked against the event by
/// `domain::door::expiry` first, outside any transaction), recorded in the audit log.
async fn make(
    state: &AppState,
    actor: String,
    event_id: String,
    expires_at: DateTime<Utc>,
) -> Result<(DoorLink, String), AppError> {
    let now = Utc::now();
    let made = crate::db::run(&state.pool, move |conn| {
        audit::recorded(
            conn,
            Some(&actor),
            Action::DoorLinkCreated,
            &event_id,
            |conn| door_links::create(conn, &event_id, Some(&actor), expires_at, now),
        )
    })
    .await?;
    Ok((made.link, made.token))
}

async fn revoke(
    state: &AppState,
    actor: String,
    event_id: String,
    link_id: String,
) -> Result<(), AppError> {
    crate::db::run(&state.pool, move |conn| {
        audit::recorded(
            conn,
            Some(&actor),
            Action::DoorLinkRevoked,
            &event_id,
            |conn| door_links::revoke(conn, &event_id, &link_id),
        )
    })
    .await?;
    Ok(())
}

async fn links_of(state: &AppState, event_id: String) -> Result<(Event, Vec<DoorLink>), AppError> {
    Ok(crate::db::run(&state.pool, move |conn| {
        let event = crate::db::events::get(conn, &event_id)?;
        Ok((event, door_links::list(conn, &event_id)?))
    })
    .await?)
}

#[utoipa::path(
    post, path = "/api/v1/events/{id}/door-links", operation_id = "create_door_link", tag = "door",
    params(("id" = String, Path, description = "The event's id")),
    request_body = DoorLinkInput,
    responses(
        (status = 201, description = "A door link: `url` (`/door/{token}`, shown only this once) opens the event's door list until `expires_at`", body = NewDoorLinkJson),
        crate::error::documented::BodyRefusals,
        crate::error::documented::OrganizerRefusals,
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
        (status = 422, description = "`expires_at` is past, or more than 7 days after the event ends", body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `POST /api/v1/events/{id}/door-links`: `201` with the link's `url`, shown this once.
pub async fn create(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let input: DoorLinkInput = body.parse().await?;
    let event = super::event_or_404(&state, path.into_inner()).await?;
    let expires_at = door::expiry(&event, input.expires_at, Utc::now())?;
    let (link, token) = make(&state, organizer.0.organizer.id, event.id, expires_at).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(NewDoorLinkJson::new(&link, &token)))
}

#[utoipa::path(
    get, path = "/api/v1/events/{id}/door-links", operation_id = "list_door_links", tag = "door",
    params(("id" = String, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event's door links, newest first (never their tokens); expired ones until they are swept", body = DoorLinkListJson),
        crate::error::documented::OrganizerRefusals,
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `GET /api/v1/events/{id}/door-links`
pub async fn list(
    _organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (_, links) = links_of(&state, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(DoorLinkListJson {
            door_links: links.iter().map(DoorLinkJson::new).collect(),
        }))
}

#[utoipa::path(
    delete, path = "/api/v1/events/{id}/door-links/{link_id}", operation_id = "revoke_door_link", tag = "door",
    params(
        ("id" = String, Path, description = "The event's id"),
        ("link_id" = String, Path, description = "The link's `id`"),
    ),
    responses(
        (status = 204, description = "Revoked: the link opens nothing from now on"),
        crate::error::documented::OrganizerRefusals,
        (status = 404, description = "No such event or door link", body = crate::error::ErrorBody),
        crate::error::documented::Throttled,
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `DELETE /api/v1/events/{id}/door-links/{link_id}`: `204`.
pub async fn delete(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event_id, link_id) = path.into_inner();
    revoke(&state, organizer.0.organizer.id, event_id, link_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    revoked: Option<String>,
}

/// What the organizer page shows besides its links.
#[derive(Default)]
struct Shown {
    new_link: Option<String>,
    expires_at: String,
    errors: Vec<FormError>,
    notice: Option<String>,
}

async fn render_page(
    state: &AppState,
    who: &PageOrganizer,
    locale: &Locale,
    event_id: String,
    shown: Shown,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (event, links) = links_of(state, event_id).await?;
    let (lang, tz, now) = (locale.lang, state.timezone(), Utc::now());
    let default_expiry = crate::i18n::time::moment(
        event.draft.ends_at + chrono::Duration::hours(door::DEFAULT_AFTER_END_HOURS),
        tz,
        lang,
    );
    let page = DoorLinksPage {
        chrome: Chrome::organizer(
            lang.t_text("door-links-title", "title", &event.draft.title),
            &who.0.organizer.handle,
            locale,
        ),
        event_id: event.id.clone(),
        event_title: event.draft.title.clone(),
        new_link: shown.new_link,
        links: links
            .iter()
            .map(|link| DoorLinkLine::new(link, tz, lang, now))
            .collect(),
        default_expiry,
        expires_at: shown.expires_at,
        errors: shown.errors,
        notice: shown.notice,
    };
    let mut response = render_html(&page)?;
    *response.status_mut() = status;
    Ok(no_store(response))
}

/// `GET /organize/events/{id}/door`
pub async fn page(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PageQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        notice: query
            .revoked
            .is_some()
            .then(|| locale.lang.t("door-links-revoked")),
        ..Shown::default()
    };
    render_page(
        &state,
        &who,
        &locale,
        path.into_inner(),
        shown,
        StatusCode::OK,
    )
    .await
}

/// `POST /organize/events/{id}/door`: make a link and show it, this once, on the page.
pub async fn page_create(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
    WebForm(form): WebForm<DoorLinkForm>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let refused = |error: crate::domain::FieldError| Shown {
        expires_at: form.expires_at.clone(),
        errors: vec![error.into()],
        ..Shown::default()
    };
    let asked = match form.expires_at.trim() {
        "" => None,
        typed => match crate::views::time::from_input(typed, state.timezone(), "expires_at") {
            Ok(at) => Some(at),
            Err(error) => {
                let status = StatusCode::UNPROCESSABLE_ENTITY;
                return render_page(&state, &who, &locale, event_id, refused(error), status).await;
            }
        },
    };
    let event = super::event_or_404(&state, event_id.clone()).await?;
    let expires_at = match door::expiry(&event, asked, Utc::now()) {
        Ok(at) => at,
        Err(error) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_page(&state, &who, &locale, event_id, refused(error), status).await;
        }
    };
    let (_, token) = make(&state, who.0.organizer.id.clone(), event.id, expires_at).await?;
    let shown = Shown {
        new_link: Some(format!("{}{}", state.public_base(), door_path(&token))),
        ..Shown::default()
    };
    render_page(&state, &who, &locale, event_id, shown, StatusCode::OK).await
}

/// `POST /organize/events/{id}/door/{link_id}/revoke`
pub async fn page_revoke(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event_id, link_id) = path.into_inner();
    let back = format!("/organize/events/{event_id}/door?revoked=1");
    revoke(&state, who.0.organizer.id.clone(), event_id, link_id).await?;
    Ok(see_other(&back))
}
