//! The organizer's home (`/organize`): upcoming events with their counts, those under way and
//! today's first; past events with the anonymous counts that outlive the purge
//! (`/organize/past`, paged); and each event's hub (`/organize/events/{id}`).

use actix_web::{web, HttpResponse};
use chrono::Utc;

use super::no_store;
use crate::db::events::{self as event_queries, Listing};
use crate::db::{audit, rsvps, tallies};
use crate::domain::access::Viewer;
use crate::domain::rsvp::RsvpStatus;
use crate::error::AppError;
use crate::extract::organizer::PageOrganizer;
use crate::i18n::Locale;
use crate::requests::page::PageQuery;
use crate::state::AppState;
use crate::views::organizer_home::{event_tools, places_left, settings, HomeSections, PastLine};
use crate::views::pages::{AuditLine, DashboardPage, EventHubPage, PastEventsPage};
use crate::views::rsvp_view::RsvpLine;
use crate::views::{render_html, Chrome, EventDetail};

/// Upcoming events the dashboard shows at most.
const DASHBOARD_EVENTS: i64 = 200;
/// Past events a page.
const PAST_PAGE: i64 = 20;
/// Changes the hub lists, newest first (the audit log has them all).
const HUB_CHANGES: i64 = 50;

/// `GET /organize`
pub async fn dashboard(
    who: PageOrganizer,
    state: web::Data<AppState>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let now = Utc::now();
    let lang = locale.lang;
    let (upcoming, tallies) = crate::db::run(&state.pool, move |conn| {
        let listing = Listing {
            kind: None,
            tag: None,
            include_unlisted: true,
            ending_after: now,
            after: None,
            limit: DASHBOARD_EVENTS,
        };
        let events = event_queries::list(conn, &listing)?;
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        Ok((events, tallies::for_events(conn, &ids)?))
    })
    .await?;
    let page = DashboardPage {
        chrome: Chrome::organizer(lang.t("dashboard-title"), &who.0.organizer.handle, &locale),
        is_admin: who.0.organizer.is_admin,
        sections: HomeSections::arrange(&upcoming, &tallies, state.timezone(), lang, now),
    };
    Ok(no_store(render_html(&page)?))
}

/// `GET /organize/past?page=N`: ended events, newest first, and how many went, arrived and
/// made it home; never who.
pub async fn past_events(
    who: PageOrganizer,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let lang = locale.lang;
    let page = query.page(PAST_PAGE)?;
    let now = Utc::now();
    let (mut events, tallies) = crate::db::run(&state.pool, move |conn| {
        let events = event_queries::list_past(conn, now, page.offset(), page.to_read())?;
        let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        Ok((events, tallies::for_events(conn, &ids)?))
    })
    .await?;
    let more = page.keep(&mut events);
    let tz = state.timezone();
    let page = PastEventsPage {
        chrome: Chrome::organizer(lang.t("past-title"), &who.0.organizer.handle, &locale),
        lines: events
            .iter()
            .map(|event| {
                let tally = tallies.get(&event.id).copied().unwrap_or_default();
                PastLine::new(event, tally, tz, lang)
            })
            .collect(),
        page: page.number,
        newer: page.newer("/organize/past"),
        older: page.older("/organize/past", more),
    };
    Ok(no_store(render_html(&page)?))
}

/// `GET /organize/events/{id}`: the event's hub.
pub async fn hub(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let lang = locale.lang;
    let id = path.into_inner();
    let (event, tally, pending, changes) = crate::db::run(&state.pool, move |conn| {
        let event = event_queries::get(conn, &id)?;
        let pending: Vec<_> = rsvps::list_for_event(conn, &id)?
            .into_iter()
            // Purged ones are nobody any more: the purge leaves their status behind.
            .filter(|rsvp| rsvp.status == RsvpStatus::Pending && rsvp.pseudonym.is_some())
            .collect();
        Ok((
            event,
            tallies::for_event(conn, &id)?,
            pending,
            audit::about(conn, "event", &id, HUB_CHANGES)?,
        ))
    })
    .await?;
    let (tz, now) = (state.timezone(), Utc::now());
    let page = EventHubPage {
        chrome: Chrome::organizer(event.draft.title.clone(), &who.0.organizer.handle, &locale),
        unlisted: event.draft.visibility == crate::domain::event::Visibility::Unlisted,
        tally,
        capacity: event.draft.capacity,
        places_left: places_left(&event, &tally),
        settings: settings(&event, lang),
        pending: pending
            .iter()
            .map(|rsvp| RsvpLine::new(rsvp, tz, lang))
            .collect(),
        tools: event_tools(&event, lang),
        changes: changes
            .into_iter()
            .map(|entry| {
                AuditLine::new(
                    entry.at.and_utc(),
                    entry.actor_handle,
                    entry.action,
                    entry.target_kind,
                    entry.target_id,
                    tz,
                    lang,
                )
            })
            .collect(),
        event: EventDetail::new(&event, Viewer::Organizer, tz, lang, now),
    };
    Ok(no_store(render_html(&page)?))
}
