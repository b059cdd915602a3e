//! Posting an update, from the API or the organizer's console: store it with its sequence number,
//! the audit entry and the Web Push messages it owes, then send it on (directly on SQLite; through the PostgreSQL relay
//! otherwise, so every instance gets it once). The draft arrives parsed and checked against the
//! event (`UpdateDraft::parse`).

use chrono::Utc;

use super::news::Notifier;
use crate::db::audit;
use crate::db::{live as updates_db, Error, Pool};
use crate::domain::audit::Action;
use crate::domain::live::{LiveUpdate, UpdateDraft};

/// `actor` is the posting organizer's id, for the audit log (written in the same transaction).
pub async fn post(
    pool: &Pool,
    news: &Notifier,
    actor: &str,
    event_id: &str,
    draft: UpdateDraft,
) -> Result<LiveUpdate, Error> {
    let (actor, event_id) = (actor.to_string(), event_id.to_string());
    let update = crate::db::run(pool, move |conn| {
        audit::recorded(
            conn,
            Some(&actor),
            Action::UpdatePosted,
            &event_id,
            |conn| {
                let now = Utc::now();
                let update = updates_db::post(conn, &event_id, draft, now)?;
                // Its pushes are queued with it, or neither is stored.
                let event = crate::db::events::get(conn, &event_id)?;
                crate::push::queue::update(conn, &event, &update, Some(&actor), now)?;
                Ok(update)
            },
        )
    })
    .await?;
    news.update_posted(&update);
    Ok(update)
}
