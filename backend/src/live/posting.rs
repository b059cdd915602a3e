//! Posting an update, from the API or the organizer's console: store it with its sequence number,
//! the audit entry and the Web Push messages it owes, then send it on (directly on SQLite; through the PostgreSQL relay
//! otherwise, so every instance gets it once). The draft arrives parsed and checked against the
//! event (`UpdateDraft::parse`).

use chrono::Utc;

use super::news::Notifier;
use crate::db::audit;
use crate::db::live::Helped;
use crate::db::{live as updates_db, Error, Pool};
use crate::domain::audit::Action;
use crate::domain::live::{HelpText, LiveUpdate, UpdateDraft};

/// `actor` is the posting organizer's id, for the audit log (written in the same transaction).
/// With `email`, the update is queued by email to everyone in its audience who left an address
/// (`db::outbox::announce`).
pub async fn post(
    pool: &Pool,
    news: &Notifier,
    actor: &str,
    event_id: &str,
    draft: UpdateDraft,
    email: bool,
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
                let update = updates_db::post(conn, &event_id, draft, email, now)?;
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

/// "I need help" from the RSVP holding `token`: stored as an update of kind `help` to the
/// responders and sent on like any other (`db::live::post_help`). Its pushes to the responders'
/// phones are queued in the same transaction; like every push, each asks the access policy for
/// its subscriber when it is sent (`in_audience(…, Audience::Responders)`).
pub async fn ask_for_help(
    pool: &Pool,
    news: &Notifier,
    token: String,
    text: HelpText,
) -> Result<Helped, Error> {
    let helped = crate::db::run(pool, move |conn| {
        updates_db::post_help(conn, &token, text, Utc::now())
    })
    .await?;
    if let Helped::Posted(update) = &helped {
        news.update_posted(update);
    }
    Ok(helped)
}
