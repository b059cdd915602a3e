//! Organizers' invite codes for invitation-only events: make one, list them, revoke one, through
//! the API (`/api/v1/events/{id}/invites`) and the organizer page
//! (`/organize/events/{id}/invites`). Making and revoking are written to the audit log (naming
//! the event). The code is shown once, in the answer that made it; only its hash is stored.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};

use super::{no_store, see_other};
use crate::db::{audit, invites};
use crate::domain::audit::Action;
use crate::domain::event::{Access, Event};
use crate::domain::invite::{check_new, Invite, InviteCode};
use crate::error::AppError;
use crate::extract::organizer::{ApiOrganizer, PageOrganizer};
use crate::extract::{JsonBody, WebForm};
use crate::i18n::Locale;
use crate::requests::invite::{InviteForm, InviteInput};
use crate::state::AppState;
use crate::views::invites::{
    invite_path, InviteJson, InviteLine, InviteListJson, InvitesPage, NewInviteJson,
};
use crate::views::pages::FormError;
use crate::views::{render_html, Chrome};

/// Make a code for the event (its uses and expiry checked first, outside any transaction),
/// recorded in the audit log.
async fn make(
    state: &AppState,
    actor: String,
    event_id: String,
    uses: Option<i32>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(Invite, InviteCode), AppError> {
    let now = Utc::now();
    let made = crate::db::run(&state.pool, move |conn| {
        audit::recorded(
            conn,
            Some(&actor),
            Action::InviteCreated,
            &event_id,
            |conn| invites::create(conn, &event_id, Some(&actor), uses, expires_at, now),
        )
    })
    .await?;
    Ok((made.invite, made.code))
}

async fn revoke(
    state: &AppState,
    actor: String,
    event_id: String,
    invite_id: String,
) -> Result<(), AppError> {
    crate::db::run(&state.pool, move |conn| {
        audit::recorded(
            conn,
            Some(&actor),
            Action::InviteRevoked,
            &event_id,
            |conn| invites::revoke(conn, &event_id, &invite_id, Utc::now()),
        )
    })
    .await?;
    Ok(())
}

async fn invites_of(state: &AppState, event_id: String) -> Result<(Event, Vec<Invite>), AppError> {
    Ok(crate::db::run(&state.pool, move |conn| {
        let event = crate::db::events::get(conn, &event_id)?;
        Ok((event, invites::list(conn, &event_id)?))
    })
    .await?)
}

#[utoipa::path(
    post, path = "/api/v1/events/{id}/invites", operation_id = "create_invite", tag = "invites",
    params(("id" = String, Path, description = "The event's id")),
    request_body = InviteInput,
    responses(
        (status = 201, description = "An invite: `code` and `url` (`/events/{id}?invite=CODE`) are shown only this once", body = NewInviteJson),
        crate::error::documented::BodyRefusals,
        crate::error::documented::OrganizerRefusals,
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
        (status = 422, description = "`uses` is out of range, or `expires_at` is past", body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `POST /api/v1/events/{id}/invites`: `201` with the code, shown this once.
pub async fn create(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let input: InviteInput = body.parse().await?;
    let (uses, expires_at) = check_new(input.uses, input.expires_at, Utc::now())?;
    let event = super::event_or_404(&state, path.into_inner()).await?;
    let (invite, code) = make(&state, organizer.0.organizer.id, event.id, uses, expires_at).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(NewInviteJson::new(&invite, &code)))
}

#[utoipa::path(
    get, path = "/api/v1/events/{id}/invites", operation_id = "list_invites", tag = "invites",
    params(("id" = String, Path, description = "The event's id")),
    responses(
        (status = 200, description = "The event's invites, newest first: uses left, expiry, whether revoked (never their codes)", body = InviteListJson),
        crate::error::documented::OrganizerRefusals,
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `GET /api/v1/events/{id}/invites`
pub async fn list(
    _organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (_, invites) = invites_of(&state, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(InviteListJson {
            invites: invites.iter().map(InviteJson::new).collect(),
        }))
}

#[utoipa::path(
    delete, path = "/api/v1/events/{id}/invites/{invite_id}", operation_id = "revoke_invite", tag = "invites",
    params(
        ("id" = String, Path, description = "The event's id"),
        ("invite_id" = String, Path, description = "The invite's `id`"),
    ),
    responses(
        (status = 204, description = "Revoked: the code admits nobody from now on"),
        crate::error::documented::OrganizerRefusals,
        (status = 404, description = "No such event or invite", body = crate::error::ErrorBody),
        crate::error::documented::Throttled,
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `DELETE /api/v1/events/{id}/invites/{invite_id}`: `204`.
pub async fn delete(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event_id, invite_id) = path.into_inner();
    revoke(&state, organizer.0.organizer.id, event_id, invite_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    revoked: Option<String>,
}

/// What the organizer page shows besides its invites.
#[derive(Default)]
struct Shown {
    new_code: Option<(String, String)>,
    form: InviteForm,
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
    let (event, invites) = invites_of(state, event_id).await?;
    let (lang, tz, now) = (locale.lang, state.timezone(), Utc::now());
    let (new_code, new_link) = match shown.new_code {
        Some((code, link)) => (Some(code), Some(link)),
        None => (None, None),
    };
    let page = InvitesPage {
        chrome: Chrome::organizer(
            lang.t_text("invites-title", "title", &event.draft.title),
            &who.0.organizer.handle,
            locale,
        ),
        event_id: event.id.clone(),
        invite_only: event.draft.access == Access::Invite,
        new_code,
        new_link,
        invites: invites
            .iter()
            .map(|invite| InviteLine::new(invite, tz, lang, now))
            .collect(),
        uses: shown.form.uses,
        expires_at: shown.form.expires_at,
        errors: shown.errors,
        notice: shown.notice,
    };
    let mut response = render_html(&page)?;
    *response.status_mut() = status;
    Ok(no_store(response))
}

/// `GET /organize/events/{id}/invites`
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
            .then(|| locale.lang.t("invites-revoked")),
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

/// `POST /organize/events/{id}/invites`: make a code and show it, this once, on the page.
pub async fn page_create(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
    WebForm(form): WebForm<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let asked = form.uses().and_then(|uses| {
        let expires_at = match form.expires_at.trim() {
            "" => None,
            typed => Some(crate::views::time::from_input(
                typed,
                state.timezone(),
                "expires_at",
            )?),
        };
        check_new(uses, expires_at, Utc::now())
    });
    let (uses, expires_at) = match asked {
        Ok(asked) => asked,
        Err(error) => {
            let shown = Shown {
                form,
                errors: vec![error.into()],
                ..Shown::default()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_page(&state, &who, &locale, event_id, shown, status).await;
        }
    };
    let event = super::event_or_404(&state, event_id.clone()).await?;
    let (invite, code) = make(
        &state,
        who.0.organizer.id.clone(),
        event.id,
        uses,
        expires_at,
    )
    .await?;
    let link = format!(
        "{}{}",
        state.public_base(),
        invite_path(&invite.event_id, &code)
    );
    let shown = Shown {
        new_code: Some((code.display(), link)),
        ..Shown::default()
    };
    render_page(&state, &who, &locale, event_id, shown, StatusCode::OK).await
}

/// `POST /organize/events/{id}/invites/{invite_id}/revoke`
pub async fn page_revoke(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event_id, invite_id) = path.into_inner();
    let back = format!("/organize/events/{event_id}/invites?revoked=1");
    revoke(&state, who.0.organizer.id.clone(), event_id, invite_id).await?;
    Ok(see_other(&back))
}
