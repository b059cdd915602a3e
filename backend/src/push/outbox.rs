//! The push worker: it claims what is due, reads each subscriber's standing and the update as
//! they are now, asks the access policy, encrypts each subscription's payload on its own, and
//! posts a few dozen at once. Failures are retried with the email outbox's backoff; a `404` or
//! `410` removes the subscription; a push that cannot be built is marked failed and the worker
//! goes on (safety rule 12). Only the holder of a claim records an outcome, so two instances
//! never send the same push.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::{FutureExt, StreamExt};

use super::compose::{compose, Message};
use super::send::{Answer, Request, Sender};
use crate::config::MailTiming;
use crate::db::push::{self as store, Outcome, PushRow, Recipient};
use crate::db::wake::Round;
use crate::db::{self, Pool};
use crate::domain::event::Event;
use crate::domain::live::LiveUpdate;
use crate::domain::push::PushTopic;
use crate::i18n::Lang;
use crate::mail::outbox::{backoff, MAX_ATTEMPTS};
use crate::privacy::keyfile::SecretKey;

/// The shortest time between two rounds: a busy server pushes in rounds at most this often.
pub const ROUND_GAP: Duration = Duration::from_secs(1);
/// The longest the worker sleeps with nothing due.
pub const LONGEST_SLEEP: Duration = Duration::from_secs(30);
/// Pushes claimed at once.
const BATCH: i64 = 500;
/// Pushes in flight at once.
const IN_FLIGHT: usize = 64;

/// Everything the worker needs, built once at start.
pub struct Pusher {
    pub pool: Pool,
    pub key: Arc<SecretKey>,
    pub sender: Sender,
    pub timing: MailTiming,
    pub counters: super::Counters,
    /// Shared with the server's other workers (`db::wake::Turns`).
    pub turns: db::wake::Turns,
}

/// Run until the server stops; a round that panics is counted and the next begins.
///
/// Between rounds it sleeps until the next push is due, or until this process commits a change
/// that may have queued one (`db::wake`), not polling: a quiet server stays asleep.
pub async fn run(pusher: Arc<Pusher>) {
    let mut alarm = db::wake::Alarm::new(LONGEST_SLEEP, ROUND_GAP, db::wake::IDLE_PHASE);
    loop {
        let round = std::panic::AssertUnwindSafe(deliver_due(&pusher))
            .catch_unwind()
            .await;
        let mut looked_ahead = None;
        match round {
            Ok(Ok(round)) if round.claimed as i64 >= BATCH => continue,
            Ok(Ok(round)) => looked_ahead = round.next_due,
            Ok(Err(error)) => tracing::warn!(error = %error, "the push worker hit an error"),
            Err(_) => {
                pusher.counters.panics.inc();
                tracing::error!("a push round panicked; the worker goes on");
            }
        }
        let due = match looked_ahead {
            Some(due) => Ok(due),
            None => {
                let _turn = pusher.turns.take().await;
                db::run(&pusher.pool, |conn| Ok(store::next_due(conn)?)).await
            }
        };
        alarm.wait_for(due, "the push outbox").await;
    }
}

/// What a batch's rows are about, read just now.
struct Looked {
    recipients: HashMap<String, Recipient>,
    events: HashMap<String, Option<Event>>,
    updates: HashMap<(String, i32), LiveUpdate>,
    /// Events whose row or updates could not be read: their pushes wait for a later round
    /// (and are given up after the last try); every other event's go on (safety rule 12).
    unreadable: std::collections::HashSet<String>,
}

fn look_up(conn: &mut db::DbConnection, rows: &[PushRow]) -> Result<Looked, db::Error> {
    let recipients = store::recipients(conn, rows)?;
    let mut events = HashMap::new();
    let mut unreadable = std::collections::HashSet::new();
    let mut first_seq: HashMap<&str, i32> = HashMap::new();
    for row in rows {
        if !events.contains_key(&row.event_id) && !unreadable.contains(&row.event_id) {
            match db::events::find(conn, &row.event_id) {
                Ok(event) => {
                    events.insert(row.event_id.clone(), event);
                }
                Err(error) => {
                    tracing::warn!(event = %row.event_id, %error, "could not read an event to push about");
                    unreadable.insert(row.event_id.clone());
                }
            }
        }
        if PushTopic::parse(&row.topic, row.seq).is_some_and(|t| matches!(t, PushTopic::Update(_)))
        {
            let first = first_seq.entry(&row.event_id).or_insert(row.seq);
            *first = (*first).min(row.seq);
        }
    }
    let mut updates = HashMap::new();
    for (event_id, first) in first_seq {
        match db::live::after(conn, event_id, first - 1, None) {
            Ok(found) => {
                for update in found {
                    updates.insert((update.event_id.clone(), update.seq), update);
                }
            }
            Err(error) => {
                tracing::warn!(event = %event_id, %error, "could not read updates to push");
                unreadable.insert(event_id.to_string());
            }
        }
    }
    Ok(Looked {
        recipients,
        events,
        updates,
        unreadable,
    })
}

/// Claim, send and record one batch; says how many pushes were claimed, and when none were, when
/// the next one is due.
pub async fn deliver_due(pusher: &Arc<Pusher>) -> anyhow::Result<Round> {
    let lease = chrono::Duration::from_std(pusher.timing.lease)?;
    let claimed = {
        let _turn = pusher.turns.take().await;
        db::run(&pusher.pool, move |conn| {
            db::wake::claim_if_due(conn, store::next_due, |conn, now| {
                store::claim_due(conn, BATCH, lease, now)
            })
        })
        .await?
    };
    let (claim, rows) = match claimed.into_work() {
        Ok(work) => work,
        Err(idle) => return Ok(idle),
    };
    let claimed = rows.len();
    let (rows, looked) = db::run(&pusher.pool, move |conn| {
        let looked = look_up(conn, &rows);
        Ok((rows, looked))
    })
    .await?;
    let rows_and_requests = match looked {
        Ok(looked) => {
            let worker = pusher.clone();
            tokio::task::spawn_blocking(move || prepare_all(&worker, rows, &looked)).await?
        }
        Err(error) => {
            tracing::warn!(error = %error, "could not read what pushes are for");
            let now = Utc::now();
            rows.into_iter()
                .map(|row| {
                    let outcome = retry_or_give_up(&pusher.timing, row.attempts, now);
                    (row, Err(outcome))
                })
                .collect()
        }
    };
    let outcomes: Vec<(PushRow, Outcome)> = futures_util::stream::iter(rows_and_requests)
        .map(|(row, prepared)| async move {
            let outcome = match prepared {
                Ok(request) => send_one(pusher, &row, request).await,
                Err(outcome) => outcome,
            };
            (row, outcome)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let gone = outcomes
        .iter()
        .any(|(_, outcome)| *outcome == Outcome::Gone);
    db::run(&pusher.pool, move |conn| {
        db::write_transaction(conn, |conn| {
            for (row, outcome) in &outcomes {
                store::finish(conn, row, &claim, *outcome)?;
            }
            Ok(())
        })
    })
    .await?;
    if gone {
        // Subscriptions were removed: make sure the raw files no longer hold them.
        db::run(&pusher.pool, db::forget_deleted).await?;
    }
    Ok(Round {
        claimed,
        next_due: None,
    })
}

/// After a failure that may pass: try again after the backoff, or give up after the last try.
fn retry_or_give_up(timing: &MailTiming, attempts: i32, now: chrono::DateTime<Utc>) -> Outcome {
    if attempts >= MAX_ATTEMPTS {
        Outcome::Failed
    } else {
        let wait = chrono::Duration::from_std(backoff(timing, attempts)).unwrap_or_default();
        Outcome::RetryAt(now + wait)
    }
}

type Prepared = Result<Request, Outcome>;

/// Decide and encrypt every push of a batch (CPU work, off the async threads). Each is built
/// on its own: one that fails or panics is marked failed, and the others go on.
fn prepare_all(pusher: &Pusher, rows: Vec<PushRow>, looked: &Looked) -> Vec<(PushRow, Prepared)> {
    let mut signed = HashMap::new();
    let now = Utc::now();
    rows.into_iter()
        .map(|row| {
            let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                prepare(pusher, &row, looked, &mut signed, now)
            }));
            let prepared = match built {
                Ok(prepared) => prepared,
                Err(_) => {
                    pusher.counters.unbuildable.inc();
                    tracing::warn!("building a push panicked");
                    Err(Outcome::Failed)
                }
            };
            (row, prepared)
        })
        .collect()
}

fn prepare(
    pusher: &Pusher,
    row: &PushRow,
    looked: &Looked,
    signed: &mut HashMap<String, String>,
    now: chrono::DateTime<Utc>,
) -> Prepared {
    // Claimed more often than it may be tried and never finished: given up.
    if row.attempts > MAX_ATTEMPTS {
        tracing::warn!(
            attempts = row.attempts,
            "a push that never finished was given up"
        );
        return Err(Outcome::Failed);
    }
    let Some(topic) = PushTopic::parse(&row.topic, row.seq) else {
        return Err(Outcome::Failed);
    };
    if looked.unreadable.contains(&row.event_id) {
        return Err(retry_or_give_up(&pusher.timing, row.attempts, now));
    }
    let (Some(recipient), Some(Some(event))) = (
        looked.recipients.get(&row.subscription_id),
        looked.events.get(&row.event_id),
    ) else {
        // The subscription or the event is gone: nothing to send.
        return Err(Outcome::Done);
    };
    let update = looked.updates.get(&(row.event_id.clone(), row.seq));
    let Ok(subscription) = recipient.open(&pusher.key) else {
        pusher.counters.unbuildable.inc();
        tracing::warn!("a push subscription could not be opened");
        return Err(Outcome::Failed);
    };
    let detail = Recipient::detail(&subscription);
    let lang = Lang::parse(&recipient.language).unwrap_or_default();
    let Some(message): Option<Message> = compose(
        topic,
        event,
        update,
        &recipient.subscriber,
        detail,
        lang,
        now,
    ) else {
        // Not for them (any more), by the access policy as it stands now.
        return Err(Outcome::Done);
    };
    pusher
        .sender
        .prepare(&subscription, &message, signed)
        .map_err(|error| {
            pusher.counters.unbuildable.inc();
            tracing::warn!(error = %error, "could not build a push");
            Outcome::Failed
        })
}

async fn send_one(pusher: &Pusher, row: &PushRow, request: Request) -> Outcome {
    match pusher.sender.post(request).await {
        Answer::Accepted => {
            pusher.counters.sent.inc();
            Outcome::Done
        }
        Answer::Gone => {
            pusher.counters.gone.inc();
            Outcome::Gone
        }
        Answer::Refused(reason) => {
            pusher.counters.failed.inc();
            tracing::warn!(reason, "a push service refused a push for good");
            Outcome::Failed
        }
        Answer::Later(reason) => {
            pusher.counters.failed.inc();
            let outcome = retry_or_give_up(&pusher.timing, row.attempts, Utc::now());
            tracing::info!(
                reason,
                attempts = row.attempts,
                "a push will be retried or was given up"
            );
            outcome
        }
    }
}
