//! `GET /api/v1/openapi.json`: the OpenAPI document of the JSON API, generated from the
//! handlers' `#[utoipa::path]` annotations and the JSON types, built once and served as bytes.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;

use crate::auth::SESSION_COOKIE;
use crate::routes::{door_links, events_api, invites, live_api, push_api, rsvps_api, series_api};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Umbrella API",
        description = "Events, pseudonymous RSVPs and live day-of updates. Times are RFC 3339 in \
            UTC. Errors are `{\"error\": \"...\", \"field\": \"...\"}` (`field` on 422 only). \
            Organizer calls take `Authorization: Bearer <token>` (`umbrella token create`) or \
            the session cookie of the organizer pages. Text lengths are in characters, counted \
            after surrounding whitespace is trimmed; integers are sent as JSON integers (`10`, \
            not `10.0`). A client asking for many unknown ids or tokens gets `429` with \
            `Retry-After` for a while."
    ),
    paths(
        events_api::list,
        events_api::create,
        events_api::get,
        events_api::update,
        events_api::cancel,
        series_api::get,
        rsvps_api::create,
        rsvps_api::list,
        rsvps_api::decide,
        rsvps_api::get,
        rsvps_api::update,
        rsvps_api::delete,
        live_api::post_update,
        live_api::list_updates,
        live_api::websocket,
        live_api::check_in,
        live_api::home_safe,
        live_api::ask_for_help,
        door_links::create,
        door_links::list,
        door_links::delete,
        invites::create,
        invites::list,
        invites::delete,
        push_api::key,
        push_api::subscribe_rsvp,
        push_api::unsubscribe_rsvp,
        push_api::subscribe_organizer,
        push_api::unsubscribe_organizer,
        document,
    ),
    components(schemas(crate::error::ErrorBody)),
    modifiers(&Credentials),
    tags(
        (name = "events", description = "Workshops, trainings and actions"),
        (name = "rsvps", description = "Pseudonymous RSVPs: a manage token for the person, an `id` for organizers"),
        (name = "live", description = "Day-of updates, check-in and home safe"),
        (name = "invites", description = "Invite codes for invitation-only events: the code is shown once, stored hashed, and admits as many RSVPs as its uses until it expires or is revoked"),
        (name = "push", description = "Web Push: alerts that reach a closed page (RFC 8030, 8291, 8292). Pushes are encrypted for each phone; the lock screen shows neutral words unless the phone asked for `full`"),
        (name = "door", description = "Door links: a volunteer's list of who is going, with one-tap arrival, at `/door/{token}`"),
    )
)]
struct ApiDocument;

/// The two ways an organizer proves who they are.
struct Credentials;

impl utoipa::Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An organizer's API token from `umbrella token create`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The organizer pages' session cookie",
            ))),
        );
    }
}

/// The document as JSON; it depends only on the code, so it is built once.
pub fn document_json() -> &'static [u8] {
    static DOCUMENT: OnceLock<Vec<u8>> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::to_vec(&ApiDocument::openapi()).expect("the OpenAPI document serializes")
    })
}

#[utoipa::path(
    get, path = "/api/v1/openapi.json", operation_id = "openapi_document", tag = "events",
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json", body = Object)),
    security(()),
)]
/// `GET /api/v1/openapi.json`
pub async fn document() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(document_json())
}
