//! The day-of safety net's clock: when an action's "home safe by" time comes (and at least
//! every 30 seconds) it looks for actions whose time has passed, claims each (one instance acts,
//! `db::safety`), nudges everyone who arrived and has not checked out home safe (by email
//! through the outbox and by push, once), and tells organizers and jail support who is missing
//! (a `safety` frame, see `socket`, and a push). Nothing one check meets stops the clock: an error or a panic is logged
//! and the next round comes.

use std::time::Duration;

use chrono::Utc;
use futures_util::FutureExt;

use super::news::Notifier;
use crate::db::safety;
use crate::db::Pool;

/// The longest the check sleeps with no "home safe by" time ahead (the product promises at
/// least every 30 seconds: a time set on another instance is seen within that).
pub const LONGEST_SLEEP: Duration = Duration::from_secs(30);
/// The shortest time between two checks.
const ROUND_GAP: Duration = Duration::from_secs(1);

/// Run until the server stops: a check at start, then one when the next "home safe by" time
/// comes, or when this process commits a change (an edit may set one), or after the longest
/// sleep (`db::wake`).
/// `turns` are shared with the server's other workers (`db::wake::Turns`); a check is short, so
/// it holds its turn throughout.
pub async fn run(pool: Pool, news: Notifier, turns: crate::db::wake::Turns) {
    let mut alarm =
        crate::db::wake::Alarm::new(LONGEST_SLEEP, ROUND_GAP, crate::db::wake::IDLE_PHASE);
    loop {
        let turn = turns.take().await;
        let round = std::panic::AssertUnwindSafe(check_once(&pool, &news))
            .catch_unwind()
            .await;
        let mut looked_ahead = None;
        match round {
            Ok(Ok(next_due)) => looked_ahead = Some(next_due),
            Ok(Err(error)) => tracing::warn!(error = %error, "the home-safe check hit an error"),
            Err(_) => tracing::error!("a home-safe check panicked; the clock goes on"),
        }
        let due = match looked_ahead {
            Some(due) => Ok(due),
            None => crate::db::run(&pool, |conn| Ok(safety::next_due(conn, Utc::now())?)).await,
        };
        drop(turn);
        alarm.wait_for(due, "the home-safe check").await;
    }
}

/// One round: every due check this instance claimed, acted on (the nudges, by email and push,
/// and the pushes to organizers and jail support were queued in each claim's transaction).
/// Returns when the next "home safe by" time comes, read on the same visit to the database
/// (`db::wake::Round`).
pub async fn check_once(
    pool: &Pool,
    news: &Notifier,
) -> Result<Option<chrono::DateTime<Utc>>, crate::db::Error> {
    let (checked, next_due) = crate::db::run(pool, |conn| {
        let checked = safety::run_due(conn, Utc::now())?;
        Ok((checked, safety::next_due(conn, Utc::now())?))
    })
    .await?;
    for check in &checked {
        tracing::info!(
            still_out = check.still_out.len(),
            "an action's home-safe-by time passed"
        );
        // On PostgreSQL the claim's transaction told every instance already.
        news.safety_due(&check.event_id);
    }
    Ok(next_due)
}
