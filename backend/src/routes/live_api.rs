//! Live day-of coordination over HTTP: organizers post updates
//! (`POST /api/v1/events/{id}/updates`), anyone reads the history they may see
//! (`GET …/updates?after=`), followers connect to the websocket (`GET …/live?after=`), and
//! attendees check in and check out home safe (`POST /api/v1/rsvps/{token}/checkin|safe`) and
//! ask for help (`POST /api/v1/rsvps/{token}/help`).

use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::auth::SESSION_COOKIE;
use crate::db::live::Helped;
use crate::db::rsvps;
use crate::db::{events as event_queries, live as updates_db, Error};
use crate::domain::access::{self as policy, UpdateSight};
use crate::domain::event::rfc3339;
use crate::domain::live::{HelpText, UpdateDraft, UpdateKind};
use crate::domain::rsvp::Arrival;
use crate::error::AppError;
use crate::extract::organizer::ApiOrganizer;
use crate::extract::JsonBody;
use crate::live::access::resolve;
use crate::live::socket::Handoff;
use crate::live::takeover::CanTakeOver;
use crate::state::AppState;
use crate::views::rsvp_view::RsvpJson;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateInput {
    pub kind: UpdateKind,
    /// Trimmed, then 1 to 2000 characters; line breaks and tabs allowed, no other control
    /// character.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*[^\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\u0000-\u001F\u007F-\u009F][^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
    )]
    pub text: String,
    /// `public`, `attendees`, or a role the event offers (another role: `422` naming
    /// `audience`).
    #[schema(inline, value_type = AudienceWord)]
    pub audience: String,
    /// The new place, required (not blank) for `kind: location` and ignored otherwise; trimmed,
    /// at most 500 characters, no control character.
    #[serde(default)]
    #[schema(max_length = 500, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub location: Option<String>,
    /// Also email it to everyone in the audience (by the access policy, when sent) who left an
    /// address: a neutral subject; the text itself only for the `public` audience, otherwise a
    /// line saying there is a message, with their manage link. At most once per person.
    #[serde(default)]
    pub email: bool,
}

/// `POST /api/v1/rsvps/{token}/help`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct HelpInput {
    /// What the responders should know (optional): trimmed, at most 280 characters, one line
    /// (no control character).
    #[serde(default)]
    #[schema(max_length = 280, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    pub text: String,
}

/// `after` in the document: a sequence number from 0, or blank for 0. Only a schema.
pub struct AfterSeq;

impl utoipa::PartialSchema for AfterSeq {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
        AnyOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                        utoipa::openapi::KnownFormat::Int32,
                    )))
                    .minimum(Some(0))
                    .maximum(Some(i32::MAX)),
            )
            .item(crate::requests::blank())
            .into()
    }
}

impl utoipa::ToSchema for AfterSeq {}

/// Who an update is for, as a word: `public`, `attendees` or a role. Only a schema; the words
/// come from `Audience::all`, so a new role is documented with it.
pub struct AudienceWord;

impl utoipa::PartialSchema for AudienceWord {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(
                crate::domain::live::Audience::all()
                    .into_iter()
                    .map(|audience| audience.as_str()),
            ))
            .into()
    }
}

impl utoipa::ToSchema for AudienceWord {}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpdateJson {
    seq: i32,
    kind: UpdateKind,
    /// `public`, `attendees`, `responders`, or a role name.
    #[schema(value_type = String)]
    audience: &'static str,
    text: String,
    #[schema(required)]
    location: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    /// A `help` request's: the pseudonym of who asked (responders only ever see these).
    #[serde(skip_serializing_if = "Option::is_none")]
    pseudonym: Option<String>,
}

impl UpdateJson {
    /// An update as the access policy lets the caller see it (its location only if allowed).
    fn new(seen: UpdateSight<'_>) -> Self {
        let update = seen.update;
        UpdateJson {
            seq: update.seq,
            kind: update.kind,
            audience: update.audience.as_str(),
            text: update.text.clone(),
            location: seen.location.map(str::to_owned),
            created_at: rfc3339(update.created_at),
            pseudonym: update.pseudonym.clone(),
        }
    }
}

#[utoipa::path(
    post, path = "/api/v1/events/{id}/updates", operation_id = "post_update", tag = "live",
    params(("id" = String, Path, description = "The event's id")),
    request_body = UpdateInput,
    responses(
        (status = 201, description = "Stored with the event's next `seq` and sent to followers", body = UpdateJson),
        crate::error::documented::BodyRefusals,
        crate::error::documented::OrganizerRefusals,
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
        (status = 422, description = "A field is not valid (named in `field`)", body = crate::error::ErrorBody),
    ),
    security(("bearer" = []), ("session" = [])),
)]
/// `POST /api/v1/events/{id}/updates`: stored with the next `seq`, then sent to followers.
pub async fn post_update(
    organizer: ApiOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let input: UpdateInput = body.parse().await?;
    let event = super::event_or_404(&state, path.into_inner()).await?;
    let draft = UpdateDraft::parse(
        input.kind,
        &input.audience,
        input.text,
        input.location,
        &event.draft.roles,
    )?;
    let actor = &organizer.0.organizer.id;
    let update = crate::live::posting::post(
        &state.pool,
        &state.news,
        actor,
        &event.id,
        draft,
        // Without a mail server nothing is queued (it could never be sent).
        input.email && state.sends_mail(),
    )
    .await?;
    // The organizer who posted it may see all of it.
    let seen = UpdateSight {
        location: update.location.as_deref(),
        update: &update,
    };
    Ok(HttpResponse::Created().json(UpdateJson::new(seen)))
}

/// The answer to `GET /api/v1/events/{id}/updates`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpdateListJson {
    updates: Vec<UpdateJson>,
}

#[derive(Debug, Deserialize)]
pub struct AfterQuery {
    after: Option<String>,
}

/// `after` as the document has it: digits only (no sign, nothing around them), or blank for 0.
fn parse_after(raw: Option<&str>) -> Result<i32, AppError> {
    match raw {
        None => Ok(0),
        Some(value) if value.trim().is_empty() => Ok(0),
        Some(value) => crate::extract::whole_number(value)
            .and_then(|after| i32::try_from(after).ok())
            .ok_or_else(|| AppError::invalid("after", "after is a sequence number, 0 or more")),
    }
}

fn bearer(request: &HttpRequest) -> Option<String> {
    request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::auth::bearer::token)
        .map(str::to_string)
}

#[utoipa::path(
    get, path = "/api/v1/events/{id}/updates", operation_id = "list_updates", tag = "live",
    params(("id" = String, Path, description = "The event's id"), ("after" = inline(Option<AfterSeq>), Query, description = "Only updates with a greater `seq` (default 0; blank is 0)")),
    responses(
        (status = 200, description = "The updates this caller may see, in ascending `seq`", body = UpdateListJson),
        (status = 400, description = "The query string could not be read", body = crate::error::ErrorBody),
        (status = 401, description = "A token was sent but is not valid for this event", body = crate::error::ErrorBody),
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
        (status = 422, description = "`after` is not a number, 0 or more", body = crate::error::ErrorBody),
    ),
    security((), ("bearer" = []), ("session" = [])),
)]
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
    let found = crate::db::run(&state.pool, move |conn| {
        let event = event_queries::get(conn, &event_id)?;
        let viewer = match resolve(conn, &event_id, token.as_deref(), session.as_deref()) {
            // A token that opens nothing here.
            Err(Error::NotFound) => return Ok(None),
            other => other?.viewer(),
        };
        let audiences = policy::audiences(&event, &viewer);
        let updates = updates_db::after(conn, &event_id, after, Some(&audiences))?;
        Ok(Some((event, viewer, updates)))
    })
    .await?;
    let (event, viewer, updates) = found.ok_or(AppError::Unauthorized)?;
    // Asked again at the moment of output, update by update.
    let now = Utc::now();
    let updates = updates
        .iter()
        .filter_map(|update| policy::update_for(&event, &viewer, update, now))
        .map(UpdateJson::new)
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(UpdateListJson { updates }))
}

#[utoipa::path(
    get, path = "/api/v1/events/{id}/live", operation_id = "live_websocket", tag = "live",
    description = "A websocket (JSON text frames). The first message is `{\"type\": \"hello\", \"token\": \"<manage or organizer token>\"}`, or `{\"type\": \"hello\"}` for the public audience; the server answers `welcome`, replays every update after `after`, then streams `update`s (organizers also get `counts`; after an action's `safe_by`, organizers and jail support get `{\"type\": \"safety\", \"reason\": \"not_yet_safe\", \"pseudonyms\": [...]}`). `resync` asks a slow client to reconnect with `after`; a bad frame gets an `error` and the connection stays.",
    params(("id" = String, Path, description = "The event's id"), ("after" = inline(Option<AfterSeq>), Query, description = "Only updates with a greater `seq` (default 0; blank is 0)")),
    responses(
        (status = 101, description = "Switching Protocols: the websocket is open"),
        (status = 400, description = "Not a websocket handshake, or the query string could not be read"),
        crate::error::documented::NoSuchEvent,
        crate::error::documented::Throttled,
        (status = 422, description = "`after` is not a number, 0 or more", body = crate::error::ErrorBody),
    ),
    security(()),
)]
/// `GET /api/v1/events/{id}/live?after=N`: the websocket. Credentials come in the first message.
/// This answers the handshake; `live::takeover` then serves the follower on the bare connection.
pub async fn websocket(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<AfterQuery>,
) -> Result<HttpResponse, AppError> {
    let after = parse_after(query.after.as_deref())?;
    let event_id = path.into_inner();
    let lookup = event_id.clone();
    super::event_or_404(&state, lookup).await?;
    let not_a_handshake = |why: &dyn std::fmt::Display| {
        AppError::BadRequest(format!("not a websocket handshake: {why}"))
    };
    if request.extensions().get::<CanTakeOver>().is_none() {
        return Err(not_a_handshake(&"send Upgrade: websocket, without a body"));
    }
    let handshake = actix_http::ws::handshake(request.head())
        .map_err(|error| not_a_handshake(&error))?
        .finish();
    let mut response = HttpResponse::from(handshake).map_into_boxed_body();
    response.extensions_mut().insert(Handoff {
        live: state.live_context(),
        event_id,
        after,
        // Another site's page could open this socket in a signed-in organizer's browser
        // (cross-site websocket hijacking): the session counts only from our own pages.
        session_cookie: request
            .cookie(SESSION_COOKIE)
            .filter(|_| !crate::security::is_cross_site(request.headers()))
            .map(|c| c.value().to_string()),
    });
    Ok(response)
}

async fn mark(state: &AppState, token: String, arrival: Arrival) -> Result<HttpResponse, AppError> {
    let (rsvp, event) = crate::db::run(&state.pool, move |conn| {
        rsvps::mark(conn, &token, arrival, Utc::now())
    })
    .await?;
    state.news.presence_changed(&event.id);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RsvpJson::new(&rsvp)))
}

#[utoipa::path(
    post, path = "/api/v1/rsvps/{token}/checkin", operation_id = "check_in", tag = "live",
    params(("token" = String, Path, description = "The manage token")),
    responses(
        (status = 200, description = "Checked in: arrived", body = RsvpJson),
        crate::error::documented::FromAnotherSite,
        crate::error::documented::NoSuchToken,
        crate::error::documented::Throttled,
        (status = 409, description = "Only people going to an event that was not cancelled can do this", body = crate::error::ErrorBody),
    ),
    security(()),
)]
/// `POST /api/v1/rsvps/{token}/checkin`
pub async fn check_in(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    mark(&state, path.into_inner(), Arrival::CheckedIn).await
}

#[utoipa::path(
    post, path = "/api/v1/rsvps/{token}/safe", operation_id = "home_safe", tag = "live",
    params(("token" = String, Path, description = "The manage token")),
    responses(
        (status = 200, description = "Checked out home safe (counts as arrived too)", body = RsvpJson),
        crate::error::documented::FromAnotherSite,
        crate::error::documented::NoSuchToken,
        crate::error::documented::Throttled,
        (status = 409, description = "Only people going to an event that was not cancelled can do this", body = crate::error::ErrorBody),
    ),
    security(()),
)]
/// `POST /api/v1/rsvps/{token}/safe`
pub async fn home_safe(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    mark(&state, path.into_inner(), Arrival::HomeSafe).await
}

#[utoipa::path(
    post, path = "/api/v1/rsvps/{token}/help", operation_id = "ask_for_help", tag = "live",
    params(("token" = String, Path, description = "The manage token")),
    request_body = HelpInput,
    responses(
        (status = 202, description = "Sent to the responders (organizers, medics, legal observers, jail support) as an update of kind `help` to the audience `responders`, carrying the pseudonym"),
        crate::error::documented::BodyRefusals,
        crate::error::documented::FromAnotherSite,
        crate::error::documented::NoSuchToken,
        (status = 409, description = "Only people going to an event that was not cancelled can do this", body = crate::error::ErrorBody),
        (status = 422, description = "`text` is over 280 characters or holds a control character", body = crate::error::ErrorBody),
        (status = 429, description = "This RSVP asked less than a minute ago (or too many unknown tokens from this client)", body = crate::error::ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(()),
)]
/// `POST /api/v1/rsvps/{token}/help`: "I need help", at most one a minute per RSVP.
pub async fn ask_for_help(
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: JsonBody,
) -> Result<HttpResponse, AppError> {
    let input: HelpInput = body.parse().await?;
    let text = HelpText::parse(&input.text)?;
    match crate::live::posting::ask_for_help(&state.pool, &state.news, path.into_inner(), text)
        .await?
    {
        Helped::Posted(_) => Ok(HttpResponse::Accepted()
            .insert_header(("Cache-Control", "no-store"))
            .finish()),
        Helped::TooSoon(seconds) => Err(AppError::RateLimited(seconds)),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_after;

    #[test]
    fn after_is_digits_or_blank() {
        for (raw, want) in [
            (None, 0),
            (Some(""), 0),
            (Some(" \t"), 0),
            (Some("0"), 0),
            (Some("42"), 42),
        ] {
            assert_eq!(parse_after(raw).ok(), Some(want), "{raw:?}");
        }
        // Found by schemathesis (seed 12973): "\r5" was trimmed and read as 5.
        for raw in ["\r5", " 5", "5 ", "+5", "-1", "5a", "2147483648", "0x10"] {
            assert!(parse_after(Some(raw)).is_err(), "{raw:?} was taken");
        }
    }
}
