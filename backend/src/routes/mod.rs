//! HTTP handlers, one file an area. They are wired to paths in one place: `startup::routes`.

pub mod assets;
pub mod atom;
pub mod calendar;
pub mod door;
pub mod door_links;
pub mod embed;
pub mod events_api;
pub mod flyer;
pub mod invites;
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
pub mod series_api;

use actix_web::HttpResponse;
use chrono::Utc;

use crate::db::audit;
use crate::db::series::Edit;
use crate::domain::audit::Action;
use crate::domain::event::{Event, EventDraft};
use crate::domain::series::{carry_edit, EditScope, Repeat};
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

/// Public outputs that show an event's details (its calendar file, flyer, public live page)
/// refuse an invitation-only one (403): outsiders get only the outline, on its page and API.
pub fn refuse_outsiders(event: &Event) -> Result<(), AppError> {
    use crate::domain::access::{shows_details, Viewer};
    if shows_details(event, &Viewer::Public, false) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "this event is by invitation only".into(),
        ))
    }
}

/// A wrong, spent, expired or revoked invite code counts against the guessing throttle like
/// an unknown link: `Err(seconds)` when this client must wait (it was blocked already).
pub fn invite_code_missed(
    state: &crate::state::AppState,
    request: &actix_web::HttpRequest,
) -> Result<(), u64> {
    let key = state.client_key(request);
    let blocked = state.guess_throttle.wait(&key);
    state.guess_throttle.missed(&key);
    blocked.map_or(Ok(()), Err)
}

/// What an invite code sent by a visitor does for `event` (an invitation-only one): `Ok(true)`
/// when it lets them in now, `Ok(false)` when none was sent, and the problem otherwise (counted
/// against the guessing throttle, `429` once blocked). A valid code is never throttled.
pub async fn invitation(
    state: &crate::state::AppState,
    request: &actix_web::HttpRequest,
    event: &Event,
    raw: Option<&str>,
) -> Result<Result<bool, crate::domain::invite::InviteProblem>, AppError> {
    if event.draft.access != crate::domain::event::Access::Invite {
        return Ok(Ok(false));
    }
    let code = match crate::requests::rsvp::invite_code(raw) {
        Ok(None) => return Ok(Ok(false)),
        Ok(Some(code)) => code,
        Err(problem) => {
            invite_code_missed(state, request).map_err(AppError::RateLimited)?;
            return Ok(Err(problem));
        }
    };
    let event_id = event.id.clone();
    let checked = crate::db::run(&state.pool, move |conn| {
        crate::db::invites::check(conn, &event_id, &code, Utc::now())
    })
    .await?;
    match checked {
        Ok(_) => Ok(Ok(true)),
        Err(problem) => {
            invite_code_missed(state, request).map_err(AppError::RateLimited)?;
            Ok(Err(problem))
        }
    }
}

/// The invite code an RSVP to `event` carries: `None` for an open event; for an invitation-only
/// one, `403` without a code, and a code that cannot be one counts as a wrong guess.
pub fn rsvp_invite(
    state: &crate::state::AppState,
    request: &actix_web::HttpRequest,
    event: &Event,
    raw: Option<&str>,
) -> Result<Option<crate::domain::invite::InviteCode>, AppError> {
    use crate::domain::admission::Refusal;
    if event.draft.access != crate::domain::event::Access::Invite {
        return Ok(None);
    }
    match crate::requests::rsvp::invite_code(raw) {
        Ok(Some(code)) => Ok(Some(code)),
        Ok(None) => Err(AppError::Forbidden(Refusal::InviteNeeded.to_string())),
        Err(problem) => Err(refused_code(state, request, problem)),
    }
}

/// A code the RSVP's transaction found wrong, spent, expired or revoked: `403` with the reason,
/// or `429` once this client has guessed too often.
pub fn refused_code(
    state: &crate::state::AppState,
    request: &actix_web::HttpRequest,
    problem: crate::domain::invite::InviteProblem,
) -> AppError {
    match invite_code_missed(state, request) {
        Err(seconds) => AppError::RateLimited(seconds),
        Ok(()) => AppError::Forbidden(problem.to_string()),
    }
}

/// Every occurrence of the event's series in time order (none when it is not in one).
pub async fn series_of(
    state: &crate::state::AppState,
    event: &Event,
) -> Result<Vec<Event>, AppError> {
    let Some(series_id) = event.series_id.clone() else {
        return Ok(Vec::new());
    };
    Ok(crate::db::run(&state.pool, move |conn| {
        crate::db::series::occurrences(conn, &series_id)
    })
    .await?)
}

/// Store a new event, or every occurrence of a new series when `repeat` is given (each an
/// event of its own, sharing a series id). Returns the event, or the series' first occurrence.
pub async fn create_events(
    state: &crate::state::AppState,
    actor: &str,
    draft: EventDraft,
    repeat: Option<Repeat>,
) -> Result<Event, AppError> {
    let now = Utc::now();
    let actor = actor.to_string();
    let Some(repeat) = repeat else {
        let event = Event::new(draft, now);
        let stored = event.clone();
        crate::db::run(&state.pool, move |conn| {
            audit::recorded(
                conn,
                Some(&actor),
                Action::EventCreated,
                &stored.id,
                |conn| crate::db::events::insert(conn, &stored, Some(&actor)),
            )
        })
        .await?;
        tracing::info!(event = %event.id, "event created");
        return Ok(event);
    };
    // Every occurrence is laid out and validated before anything is written.
    let series_id = uuid::Uuid::new_v4().to_string();
    let occurrences: Vec<Event> = repeat
        .occurrences(&draft, state.timezone())?
        .into_iter()
        .map(|draft| Event {
            series_id: Some(series_id.clone()),
            ..Event::new(draft, now)
        })
        .collect();
    let first = occurrences.first().cloned().ok_or(AppError::NotFound)?;
    let count = occurrences.len();
    crate::db::run(&state.pool, move |conn| {
        crate::db::series::insert(conn, &occurrences, &actor, now)
    })
    .await?;
    tracing::info!(series = %series_id, occurrences = count, "series created");
    Ok(first)
}

/// Store an organizer's edit of an occurrence, or of it and the later ones of its series
/// (`EditScope::Following`: what the edit changed carries to each, times shift by the same
/// wall-clock amount, see `domain::series::carry_edit`). Each occurrence's own RSVPs hear of
/// its change, no others. Returns the events changed, the edited one first.
pub async fn revise_scoped(
    state: &crate::state::AppState,
    actor: &str,
    id: &str,
    scope: EditScope,
    edit: impl Fn(&Event) -> Result<EventDraft, AppError>,
) -> Result<Vec<Event>, AppError> {
    if scope == EditScope::One {
        return Ok(vec![revise_event(state, actor, id, edit).await?]);
    }
    const ATTEMPTS: usize = 3;
    let tz = state.timezone();
    for _ in 0..ATTEMPTS {
        let event = event_or_404(state, id.to_string()).await?;
        let after = edit(&event)?;
        let current = event.clone();
        let occurrences = crate::db::run(&state.pool, move |conn| {
            crate::db::series::this_and_following(conn, &current)
        })
        .await?;
        let mut edits = Vec::with_capacity(occurrences.len());
        for occurrence in occurrences {
            let draft = if occurrence.id == event.id {
                after.clone()
            } else {
                carry_edit(&event.draft, &after, &occurrence.draft, tz).validate()?
            };
            let sequence = if occurrence.id == event.id {
                event.sequence
            } else {
                occurrence.sequence
            };
            edits.push(Edit {
                id: occurrence.id,
                sequence,
                draft,
            });
        }
        let actor = actor.to_string();
        let stored = crate::db::run(&state.pool, move |conn| {
            crate::db::series::revise(conn, &actor, edits, Utc::now())
        })
        .await;
        match stored {
            Err(crate::db::Error::Stale) => continue,
            other => return Ok(other?),
        }
    }
    Err(AppError::Conflict(
        "others are editing this series right now; try again".into(),
    ))
}

/// Cancel an occurrence, or it and the later ones of its series. Returns the events
/// cancelled, this one first.
pub async fn cancel_scoped(
    state: &crate::state::AppState,
    actor: &str,
    id: String,
    scope: EditScope,
) -> Result<Vec<Event>, AppError> {
    let actor = actor.to_string();
    Ok(crate::db::run(&state.pool, move |conn| {
        let ids = match scope {
            EditScope::One => vec![id],
            EditScope::Following => {
                let event = crate::db::events::get(conn, &id)?;
                crate::db::series::this_and_following(conn, &event)?
                    .into_iter()
                    .map(|occurrence| occurrence.id)
                    .collect()
            }
        };
        crate::db::series::cancel(conn, &actor, &ids, Utc::now())
    })
    .await?)
}

/// `scope` as a query or form gives it: `one` (the default, when absent) or `following`.
pub fn edit_scope(raw: Option<&str>) -> Result<EditScope, AppError> {
    match raw {
        None => Ok(EditScope::One),
        Some(word) => EditScope::parse(word)
            .ok_or_else(|| AppError::invalid("scope", "scope is one or following")),
    }
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
