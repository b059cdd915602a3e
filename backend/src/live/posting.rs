//! Posting an update, from the API or the organizer's console: check the audience against the
//! event, store it with its sequence number, and send it on (directly on SQLite; through the
//! PostgreSQL relay otherwise, so every instance gets it once).

use chrono::Utc;

use crate::db::audit::{self, Action};
use crate::db::{events as event_queries, live as updates_db};
use crate::domain::live::{Audience, LiveUpdate, UpdateDraft, UpdateKind};
use crate::error::AppError;
use crate::state::AppState;

/// `actor` is the posting organizer's id, for the audit log (written in the same transaction).
pub async fn post(
    state: &AppState,
    actor: &str,
    event_id: String,
    kind: UpdateKind,
    audience: &str,
    text: String,
    location: Option<String>,
) -> Result<LiveUpdate, AppError> {
    let audience = audience.to_string();
    let actor = actor.to_string();
    let update = crate::db::run(&state.pool, move |conn| {
        let event = event_queries::get(conn, &event_id)?;
        let audience = Audience::parse(&audience)
            .filter(|audience| match audience {
                Audience::Role(role) => event.draft.roles.contains(role),
                _ => true,
            })
            .ok_or_else(|| {
                AppError::invalid(
                    "audience",
                    "choose who gets it: public, attendees, or a role this event offers",
                )
            })?;
        let draft = UpdateDraft {
            kind,
            audience,
            text,
            location,
        }
        .validate()?;
        let target = event_id.clone();
        audit::recorded(conn, Some(&actor), Action::UpdatePosted, &target, |conn| {
            updates_db::post(conn, &event_id, draft, Utc::now())
        })
    })
    .await?;
    state.news.update_posted(&update);
    Ok(update)
}
