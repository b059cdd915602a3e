//! The RSVP API: anyone RSVPs (`POST /api/v1/events/{id}/rsvps`, rate-limited) and manages it
//! with the token (`GET|PATCH|DELETE /api/v1/rsvps/{token}`); organizers list and decide.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use crate::db::{events as event_queries, rsvps};
use crate::domain::access::Viewer;
use crate::domain::admission::Refusal;
use crate::error::AppError;
use crate::extract::organizer::ApiOrganizer;
use crate::extract::{decision, JsonBody, ManagedRsvp};
use crate::requests::rsvp::{RsvpInput, RsvpPatch};
use crate::state::AppState;
use crate::views::event_json::EventJson;
use crate::views::rsvp_view::{AnswerJson, RsvpCounts, RsvpJson, RsvpListJson};

#[utoipa::path(
    post, path = "/api/v1/events/{id}/rsvps", operation_id = "create_rsvp", tag = "rsvps",
    params(("id" = String, Path, description = "The event's id")),
    request_body = RsvpInput,
    responses(
        (status = 201, description = "RSVPed: `token` (shown only this once), `manage_url` and `status` (`going`, `waitlisted` or `pending`)", body = RsvpJson,
            headers(("Location" = String, description = "The manage page"))),
        crate::error::documented::BodyRefusals,
        (status = 403, description = "Sent from another site; or the event is invitation-only and `invite_code` is missing, wrong, used up, expired or revoked", body = crate::error::ErrorBody),
        crate::error::documented::NoSuchEvent,
        (status = 409, description = "The event was cancelled or has ended", body = crate::error::ErrorBody),
        (status = 422, description = "A field is not valid (named in `field`)", body = crate::error::ErrorBody),
        (status = 429, description = "Too many RSVPs, or too many unknown events asked for, from this client", body = crate::error::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(()),
)]
/// `201` with the token (shown this once), the manage URL and the status.
pub async fn create(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    state.check_rsvp_rate(&request)?;
    let mut input: RsvpInput = body.parse().await?;
    // As admission judges it: without the count of filled roles, which an RSVP does not need.
    let id = path.into_inner();
    let event = crate::db::run(&state.pool, move |conn| {
        event_queries::get_to_admit(conn, &id)
    })
    .await?;
    let invite = super::rsvp_invite(
        &state,
        &request,
        &event,
        input.invite_code.take().as_deref(),
    )?;
    let mut draft = input.into_draft(state.sends_mail(), &event.draft.questions)?;
    draft.invite = invite;
    let key = state.key.clone();
    // Reminders and notices follow the caller's Accept-Language.
    let lang = crate::extract::locale::locale_of(&request).lang;
    let created = crate::db::run(&state.pool, move |conn| {
        rsvps::create(conn, &key, &event, draft, lang, Utc::now())
    })
    .await;
    let new = match created {
        Err(crate::db::Error::Refused(Refusal::InviteNotValid(problem))) => {
            return Err(super::refused_code(&state, &request, problem))
        }
        other => other?,
    };
    let manage_url = format!("{}/r/{}", state.public_base(), new.token);
    let mut json = RsvpJson::new(&new.rsvp);
    json.token = Some(new.token);
    json.manage_url = Some(manage_url.clone());
    Ok(HttpResponse::Created()
        .insert_header(("Location", manage_url))
        .insert_header(("Cache-Control", "no-store"))
        .json(json))
}

fn with_event(
    state: &AppState,
    rsvp: &crate::domain::rsvp::Rsvp,
    event: &crate::domain::event::Event,
) -> HttpResponse {
    let mut json = RsvpJson::new(rsvp);
    json.event = Some(EventJson::new(
        event,
        Viewer::attendee(rsvp),
        &state.public_base(),
        Utc::now(),
    ));
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json)
}

#[utoipa::path(
    get, path = "/api/v1/rsvps/{token}", operation_id = "get_rsvp", tag = "rsvps",
    params(("token" = String, Path, description = "The manage token from the RSVP answer")),
    responses(
        (status = 200, description = "The RSVP, with its `event` as this RSVP may see it", body = RsvpJson),
        crate::error::documented::NoSuchToken,
        crate::error::documented::Throttled,
    ),
    security(()),
)]
/// `GET /api/v1/rsvps/{token}`: the RSVP and its event as this RSVP may see it.
pub async fn get(
    managed: ManagedRsvp,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    Ok(with_event(&state, &managed.rsvp, &managed.event))
}

#[utoipa::path(
    patch, path = "/api/v1/rsvps/{token}", operation_id = "update_rsvp", tag = "rsvps",
    params(("token" = String, Path, description = "The manage token from the RSVP answer")),
    request_body = RsvpPatch,
    responses(
        (status = 200, description = "The changed RSVP, with its `event`", body = RsvpJson),
        crate::error::documented::BodyRefusals,
        crate::error::documented::FromAnotherSite,
        crate::error::documented::NoSuchToken,
        crate::error::documented::Throttled,
        (status = 409, description = "The RSVP or event was cancelled, or too few places for more guests", body = crate::error::ErrorBody),
        (status = 422, description = "A field is not valid (named in `field`)", body = crate::error::ErrorBody),
    ),
    security(()),
)]
/// `PATCH /api/v1/rsvps/{token}`
pub async fn update(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let patch: RsvpPatch = body.parse().await?;
    let token = path.into_inner();
    // Answers are checked against the event's questions as they are now.
    let answers = match patch.answers {
        None => None,
        Some(_) => {
            let managed = ManagedRsvp::find(&state, token.clone()).await?;
            patch.answers(&managed.event.draft.questions)?
        }
    };
    let mut change = patch.into_change(state.sends_mail())?;
    change.answers = answers;
    let drops_address = change.cancel || change.email.is_some();
    let key = state.key.clone();
    let (rsvp, event) = crate::db::run(&state.pool, move |conn| {
        rsvps::update(conn, &key, &token, change, Utc::now())
    })
    .await?;
    state.news.rsvps_changed(&event.id);
    if drops_address {
        state.forget_mail_files(rsvp.id.clone()).await;
    }
    Ok(with_event(&state, &rsvp, &event))
}

#[utoipa::path(
    delete, path = "/api/v1/rsvps/{token}", operation_id = "delete_rsvp", tag = "rsvps",
    params(("token" = String, Path, description = "The manage token from the RSVP answer")),
    responses(
        (status = 204, description = "Deleted, with every personal field"),
        crate::error::documented::FromAnotherSite,
        crate::error::documented::NoSuchToken,
        crate::error::documented::Throttled,
    ),
    security(()),
)]
/// `DELETE /api/v1/rsvps/{token}`: gone at once; `204`.
pub async fn delete(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let deleted = crate::db::run(&state.pool, move |conn| {
        rsvps::delete(conn, &token, Utc::now())
    })
    .await?;
    state.news.rsvps_changed(&deleted.event_id);
    state.forget_mail_files(deleted.rsvp_id).await;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get, path = "/api/v1/events/{id}/rsvps", operation_id = "list_rsvps", tag = "rsvps",
    params(("id" = String, Path, description = "The event's id")),
    responses(
        (status = 200, description = "Every RSVP with its `id` (never the token), its `answers` to the event's questions (each with the question's label as it was when answered), and counts", body = RsvpListJson),
        crate::error::documented::OrganizerRefusals,
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `GET /api/v1/events/{id}/rsvps` (organizers): every RSVP with its `id`, and counts.
pub async fn list(
    _organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let key = state.key.clone();
    let (rsvps, mut answers) = crate::db::run(&state.pool, move |conn| {
        event_queries::get(conn, &event_id)?;
        Ok((
            rsvps::list_for_event(conn, &event_id)?,
            rsvps::answers_of_event(conn, &key, &event_id)?,
        ))
    })
    .await?;
    let counts = RsvpCounts::of(&rsvps);
    let rsvps = rsvps
        .iter()
        .map(|rsvp| {
            let mut json = RsvpJson::new(rsvp);
            json.id = Some(rsvp.id.clone());
            // Organizers only: answers appear in this list and nowhere else.
            let given = answers.iter().position(|(id, _)| *id == rsvp.id);
            json.answers = Some(
                given
                    .map(|at| answers.swap_remove(at).1)
                    .unwrap_or_default()
                    .iter()
                    .map(AnswerJson::new)
                    .collect(),
            );
            json
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RsvpListJson { rsvps, counts }))
}

#[utoipa::path(
    post, path = "/api/v1/events/{id}/rsvps/{rsvp_id}/{decision}", operation_id = "decide_rsvp", tag = "rsvps",
    params(
        ("id" = String, Path, description = "The event's id"),
        ("rsvp_id" = String, Path, description = "The RSVP's `id` from the organizer's list"),
        ("decision" = String, Path, description = "`approve` or `decline`", pattern = "^(approve|decline)$"),
    ),
    responses(
        (status = 200, description = "The RSVP after the decision", body = RsvpJson),
        crate::error::documented::OrganizerRefusals,
        (status = 404, description = "No such event, RSVP or decision", body = crate::error::ErrorBody),
        crate::error::documented::Throttled,
        (status = 409, description = "The RSVP was cancelled", body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `POST /api/v1/events/{id}/rsvps/{rsvp_id}/approve` and `.../decline` (organizers).
pub async fn decide(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, AppError> {
    let (event_id, rsvp_id, word) = path.into_inner();
    let approve = decision(&word)?;
    let actor = organizer.0.organizer.id;
    let rsvp = crate::db::run(&state.pool, move |conn| {
        rsvps::decide(conn, Some(&actor), &event_id, &rsvp_id, approve, Utc::now())
    })
    .await?;
    state.news.rsvps_changed(&rsvp.event_id);
    let mut json = RsvpJson::new(&rsvp);
    json.id = Some(rsvp.id.clone());
    Ok(HttpResponse::Ok().json(json))
}
