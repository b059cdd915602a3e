//! Calendar files: `GET /events/{id}/event.ics`, the public feed `GET /calendar.ics` (`?kind=`,
//! `?tag=`; built once per change, answered with `304` when the app already has it) and an
//! RSVP's private feed `GET /r/{token}/calendar.ics` (its location once it may see it, the
//! manage link, alarms at the event's reminder offsets).

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::cache::{Output, Stamp};
use crate::calendar::{
    calendar, calendar_title, in_public_feed, render, vevent, PrivateDetails, FEED_HISTORY_DAYS,
};
use crate::db::events::{self as event_queries, Listing};
use crate::domain::access::Viewer;
use crate::domain::rsvp::RsvpStatus;
use crate::error::AppError;
use crate::extract::{kind_filter, tag_filter, ManagedRsvp};
use crate::i18n::Lang;
use crate::state::AppState;

const CALENDAR_TYPE: &str = "text/calendar; charset=utf-8";

fn respond(request: &HttpRequest, feed: &Output, cache_control: &'static str) -> HttpResponse {
    crate::cache::respond(request, feed, CALENDAR_TYPE, cache_control)
}

#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    kind: Option<String>,
    tag: Option<String>,
}

/// `GET /calendar.ics`: every listed event from 30 days ago on, filtered by kind and tag.
pub async fn feed(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, AppError> {
    let kind = kind_filter(query.kind.as_deref())?;
    let tag = tag_filter(query.tag.as_deref());
    let key = format!(
        "kind={}&tag={}",
        kind.map_or("", |k| k.as_str()),
        tag.as_deref().unwrap_or("")
    );
    // Feeds show no counts; the hourly window moves the 30-day history and drops ended events.
    let changes = crate::db::run(&state.pool, event_queries::changes);
    let stamp = Stamp::events_only(
        state.feed_cache.changes(changes).await?,
        Duration::hours(1),
        Utc::now(),
    );
    // Last modified when first built, not at the latest change to any event: that one may be
    // unlisted. A rebuild with the same bytes keeps it (see `OutputCache::get_or_build`).
    let build = build_feed(&state, kind, tag);
    let feed = state.feed_cache.get_or_build(key, stamp, build).await?;
    Ok(respond(&request, &feed, "public, max-age=300"))
}

async fn build_feed(
    state: &AppState,
    kind: Option<crate::domain::event::EventKind>,
    tag: Option<String>,
) -> Result<String, AppError> {
    let now = Utc::now();
    let listing = Listing::listed(
        kind,
        tag.clone(),
        now - Duration::days(FEED_HISTORY_DAYS),
        i64::MAX,
    );
    let events =
        crate::db::run(&state.pool, move |conn| event_queries::list(conn, &listing)).await?;
    let name = match (kind, &tag) {
        (Some(kind), _) => format!("Umbrella: {}", Lang::En.word("kinds", kind.as_str())),
        (None, Some(tag)) => format!("Umbrella: #{tag}"),
        (None, None) => "Umbrella events".to_string(),
    };
    let mut ical = calendar(&name);
    let base = state.public_base();
    for event in events.iter().filter(|event| in_public_feed(event, now)) {
        ical.push(vevent(event, Viewer::Public, &base, now, None));
    }
    Ok(render(&ical))
}

async fn single(stamp_of: &crate::domain::event::Event, body: String) -> Result<Output, AppError> {
    let stamp = Stamp {
        last_change: Some(stamp_of.updated_at.naive_utc()),
        events: 1,
        places: 0,
        window: 0,
    };
    Ok(Output::new(stamp, body).await?)
}

/// `GET /events/{id}/event.ics`: one event to add to a calendar.
pub async fn event_file(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let event = super::event_or_404(&state, id).await?;
    super::refuse_outsiders(&event)?;
    let mut ical = calendar(calendar_title(&event));
    ical.push(vevent(
        &event,
        Viewer::Public,
        &state.public_base(),
        Utc::now(),
        None,
    ));
    let feed = single(&event, render(&ical)).await?;
    let mut response = respond(&request, &feed, "public, max-age=300");
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        header::HeaderValue::from_static("attachment; filename=\"event.ics\""),
    );
    Ok(response)
}

/// `GET /r/{token}/calendar.ics`: this RSVP's own feed. Private: never stored by shared caches.
pub async fn private_feed(
    request: HttpRequest,
    state: web::Data<AppState>,
    managed: ManagedRsvp,
) -> Result<HttpResponse, AppError> {
    let ManagedRsvp { token, rsvp, event } = managed;
    let manage_url = format!("{}/r/{token}", state.public_base());
    let private = PrivateDetails {
        manage_url: &manage_url,
        still_going: !matches!(rsvp.status, RsvpStatus::Cancelled | RsvpStatus::Declined),
    };
    let now = Utc::now();
    let mut ical = calendar(calendar_title(&event));
    ical.push(vevent(
        &event,
        Viewer::attendee(&rsvp),
        &state.public_base(),
        now,
        Some(&private),
    ));
    let feed = single(&event, render(&ical)).await?;
    Ok(respond(&request, &feed, "private, no-cache"))
}
