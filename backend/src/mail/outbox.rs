//! The outbox worker: every few seconds it claims what is due, opens each recipient's sealed
//! address only for the moment of sending, sends a few messages at once, and records how each
//! ended. Failures are retried with exponential backoff up to a cap; a message is never sent
//! twice, because only the holder of a claim may record it as sent, and a claim that outlives
//! its lease (the instance died) is taken over by another worker.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::{FutureExt, StreamExt};

use super::compose::{Composer, Letter};
use super::transport::{SendError, Transport};
use crate::config::MailTiming;
use crate::db::outbox::{self, Found, Looked, OutboxRow, Outcome, Recipient};
use crate::db::wake::Round;
use crate::db::{self, Pool};
use crate::domain::access;
use crate::domain::event::{Event, LocationPrivacy};
use crate::domain::live::{LiveUpdate, UpdateKind};
use crate::domain::message::MessageKind;
use crate::domain::rsvp::RsvpStatus;
use crate::i18n::Lang;
use crate::privacy::crypto::open;
use crate::privacy::keyfile::SecretKey;

/// The shortest time between two rounds: a busy server sends in rounds at most this often.
pub const ROUND_GAP: Duration = Duration::from_secs(2);
/// The longest the worker sleeps with nothing due (the product: at least every 30 seconds).
pub const LONGEST_SLEEP: Duration = Duration::from_secs(30);
/// Messages claimed at once.
const BATCH: i64 = 200;
/// Messages in flight at once, each on its own SMTP connection.
const IN_FLIGHT: usize = super::transport::SMTP_CONNECTIONS as usize;
/// After this many failed attempts a message is given up.
pub const MAX_ATTEMPTS: i32 = 8;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The wait before attempt `attempts + 1`: the configured first wait, doubling each time, at
/// most `MAX_BACKOFF`.
pub fn backoff(timing: &MailTiming, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
    timing
        .retry_base
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(MAX_BACKOFF)
}

/// Everything the worker needs, built once at start.
pub struct Postman {
    pub pool: Pool,
    pub transport: Transport,
    pub composer: Composer,
    pub key: Arc<SecretKey>,
    pub timing: MailTiming,
    pub counters: super::Counters,
    /// Shared with the server's other workers (`db::wake::Turns`).
    pub turns: db::wake::Turns,
}

/// Run until the server stops. A round that panics is caught, so that nothing one message does
/// ends the worker: the round is counted and the next begins.
///
/// Between rounds it sleeps until the next message is due, or until this process commits a
/// change that may have queued one (`db::wake`), not polling: a quiet server stays asleep.
pub async fn run(postman: Arc<Postman>) {
    let mut alarm = db::wake::Alarm::new(LONGEST_SLEEP, ROUND_GAP, db::wake::IDLE_PHASE);
    loop {
        // Caught here rather than in a task of its own, so that stopping the worker stops the
        // round too: a detached round would go on sending what a restarted worker re-claims.
        let round = std::panic::AssertUnwindSafe(deliver_due(&postman))
            .catch_unwind()
            .await;
        let mut looked_ahead = None;
        match round {
            // A full batch: there may be more waiting.
            Ok(Ok(round)) if round.claimed as i64 >= BATCH => continue,
            Ok(Ok(round)) => looked_ahead = round.next_due,
            Ok(Err(error)) => tracing::warn!(error = %error, "the outbox worker hit an error"),
            Err(_) => {
                postman.counters.panics.inc();
                tracing::error!("an outbox round panicked; the worker goes on");
            }
        }
        let due = match looked_ahead {
            Some(due) => Ok(due),
            None => {
                let _turn = postman.turns.take().await;
                db::run(&postman.pool, |conn| Ok(outbox::next_due(conn)?)).await
            }
        };
        alarm.wait_for(due, "the email outbox").await;
    }
}

/// Claim, send and record one batch; says how many messages were claimed, and when none were,
/// when the next one is due.
pub async fn deliver_due(postman: &Arc<Postman>) -> anyhow::Result<Round> {
    let lease = chrono::Duration::from_std(postman.timing.lease)
        .map_err(|error| anyhow::anyhow!("lease: {error}"))?;
    let claimed = {
        let _turn = postman.turns.take().await;
        db::run(&postman.pool, move |conn| {
            db::wake::claim_if_due(conn, outbox::next_due, |conn, now| {
                outbox::claim_due(conn, BATCH, lease, now)
            })
        })
        .await?
    };
    let (claim, rows) = match claimed.into_work() {
        Ok(work) => work,
        Err(idle) => return Ok(idle),
    };
    let claimed = rows.len();
    let looked = db::run(&postman.pool, move |conn| Ok(outbox::look_up(conn, rows))).await?;
    let prepared = prepare(&postman.key, &postman.timing, looked);
    let forgotten: Vec<bool> = futures_util::stream::iter(prepared)
        .map(|item| deliver(postman, &claim, item))
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    if forgotten.contains(&true) {
        // Sealed addresses were removed: make sure the raw files no longer hold them.
        db::run(&postman.pool, db::forget_deleted).await?;
    }
    Ok(Round {
        claimed,
        next_due: None,
    })
}

/// A claimed row with what sending it needs, or the reason it is not sent.
struct Prepared {
    row: OutboxRow,
    event: Option<Arc<Event>>,
    /// For an announcement, the update it announces.
    update: Option<LiveUpdate>,
    send: Result<Contact, Outcome>,
}

/// The opened address and token, held only until the message is composed and sent.
struct Contact {
    email: String,
    token: String,
    lang: Lang,
}

/// Decide for each looked-up row whether it still applies and, if so, open its contact. A row
/// whose event or RSVP could not be read is tried again later (given up after the last
/// attempt); the others go on.
fn prepare(key: &SecretKey, timing: &MailTiming, looked: Vec<Looked>) -> Vec<Prepared> {
    let now = Utc::now();
    looked
        .into_iter()
        .map(|Looked { row, found }| {
            let (event, update, send) = match found {
                Ok(Found {
                    event: Some(event),
                    recipient: Some(recipient),
                    update,
                }) => {
                    let send = decide(key, &row, &event, recipient, update.as_ref(), now);
                    (Some(event), update, send)
                }
                Ok(Found { event, .. }) => (event, None, Err(Outcome::Skipped)),
                Err(error) => {
                    tracing::warn!(error = %error, "could not read what an outbox message is for");
                    (None, None, Err(retry_or_give_up(timing, row.attempts, now)))
                }
            };
            Prepared {
                row,
                event,
                update,
                send,
            }
        })
        .collect()
}

/// After a failure that may pass: try again after the backoff, or give up after the last try.
fn retry_or_give_up(timing: &MailTiming, attempts: i32, now: DateTime<Utc>) -> Outcome {
    if attempts >= MAX_ATTEMPTS {
        Outcome::Failed
    } else {
        let wait = chrono::Duration::from_std(backoff(timing, attempts)).unwrap_or_default();
        Outcome::RetryAt(now + wait)
    }
}

/// Whether a row still applies to its RSVP as things stand now, and if so the opened contact.
fn decide(
    key: &SecretKey,
    row: &OutboxRow,
    event: &Event,
    recipient: Recipient,
    update: Option<&LiveUpdate>,
    now: DateTime<Utc>,
) -> Result<Contact, Outcome> {
    let standing = recipient.standing();
    let Recipient {
        status,
        approved,
        email_sealed,
        token_sealed,
        language,
        checked_in_at,
        safe_at,
        ..
    } = recipient;
    let (Some(email), Some(token)) = (email_sealed, token_sealed) else {
        return Err(Outcome::Skipped);
    };
    let status = RsvpStatus::parse(&status).ok_or(Outcome::Skipped)?;
    let going = status == RsvpStatus::Going;
    let live = !event.is_cancelled() && !event.has_ended(now);
    let applies = match MessageKind::parse(&row.kind) {
        Some(MessageKind::Reminder | MessageKind::Promoted) => going && live,
        Some(MessageKind::Revealed) => {
            going
                && live
                && event.draft.location_privacy == LocationPrivacy::RevealAt
                && event.draft.location_reveal_at.is_some_and(|at| at <= now)
        }
        Some(MessageKind::Approved) => {
            approved && live && matches!(status, RsvpStatus::Going | RsvpStatus::Waitlisted)
        }
        Some(MessageKind::Declined) => status == RsvpStatus::Declined,
        Some(MessageKind::Changed) => {
            live && matches!(
                status,
                RsvpStatus::Going | RsvpStatus::Waitlisted | RsvpStatus::Pending
            )
        }
        Some(MessageKind::Cancelled) => event.is_cancelled() && status != RsvpStatus::Cancelled,
        // The access policy, asked at the moment of sending: still in the audience?
        Some(MessageKind::Announcement) => match (update, standing) {
            (Some(update), Some(standing)) => {
                update.kind != UpdateKind::Help
                    && access::messaged(event, &standing, update.audience)
            }
            _ => false,
        },
        // Still out there: arrived, going, and not yet home safe.
        Some(MessageKind::Nudge) => {
            going && !event.is_cancelled() && checked_in_at.is_some() && safe_at.is_none()
        }
        None => false,
    };
    if !applies {
        return Err(Outcome::Skipped);
    }
    let email = open(key, &row.rsvp_id, &email).map_err(|_| Outcome::Failed)?;
    let token =
        open(key, &db::rsvps::token_aad(&row.rsvp_id), &token).map_err(|_| Outcome::Failed)?;
    Ok(Contact {
        email,
        token,
        lang: Lang::parse(&language).unwrap_or_default(),
    })
}

/// Send one prepared message and record the outcome; returns whether the RSVP's address was
/// removed because nothing more will be sent to it.
async fn deliver(postman: &Arc<Postman>, claim: &str, item: Prepared) -> bool {
    let Prepared {
        row,
        event,
        update,
        send,
    } = item;
    let kind = row.kind.clone();
    let outcome = match (send, &event) {
        // Claimed more often than it may be tried, and never finished: something about this
        // message stopped the worker or its instance each time (a lease ran out). Given up.
        _ if row.attempts > MAX_ATTEMPTS => {
            tracing::warn!(kind = %kind, attempts = row.attempts, "a message that never finished was given up");
            Outcome::Failed
        }
        // No mail server: nothing goes, and what was queued before is let go.
        _ if !postman.transport.sends() => Outcome::Skipped,
        (Ok(contact), Some(event)) => {
            send_one(postman, &row, event, update.as_ref(), contact).await
        }
        (Err(outcome), _) => outcome,
        (Ok(_), None) => Outcome::Skipped,
    };
    match outcome {
        Outcome::Sent => postman.counters.sent(&kind),
        Outcome::Failed | Outcome::RetryAt(_) => postman.counters.failed(&kind),
        Outcome::Skipped => {}
    }
    let claim = claim.to_string();
    let recorded = db::run(&postman.pool, move |conn| {
        outbox::record(conn, &row, &claim, outcome, event.as_deref(), Utc::now())
    })
    .await;
    recorded.unwrap_or_else(|error| {
        tracing::warn!(error = %error, "could not record an outbox message");
        false
    })
}

async fn send_one(
    postman: &Arc<Postman>,
    row: &OutboxRow,
    event: &Event,
    update: Option<&LiveUpdate>,
    contact: Contact,
) -> Outcome {
    let Some(kind) = MessageKind::parse(&row.kind) else {
        return Outcome::Skipped;
    };
    let letter = Letter {
        kind,
        event,
        to: &contact.email,
        token: &contact.token,
        lang: contact.lang,
        outbox_id: &row.id,
        offset_minutes: row.offset_minutes,
        update,
        now: Utc::now(),
    };
    // A message that cannot be built fails for good, whatever stored text caused it: an error,
    // or a panic inside the mail library, which must not end the worker.
    let composed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        postman.composer.compose(&letter)
    }));
    let message = match composed {
        Ok(Ok(message)) => message,
        Ok(Err(error)) => {
            postman.counters.unbuildable(kind.as_str());
            tracing::warn!(kind = %kind, error = %error, "could not compose a message");
            return Outcome::Failed;
        }
        Err(_) => {
            postman.counters.unbuildable(kind.as_str());
            tracing::warn!(kind = %kind, "composing a message panicked");
            return Outcome::Failed;
        }
    };
    drop(contact);
    match postman.transport.send(message, &row.rsvp_id, &row.id).await {
        Ok(()) => Outcome::Sent,
        Err(SendError::Permanent(reason)) => {
            tracing::warn!(kind = %kind, reason, "a message was refused for good");
            Outcome::Failed
        }
        Err(SendError::Transient(reason)) if row.attempts >= MAX_ATTEMPTS => {
            tracing::warn!(kind = %kind, reason, attempts = row.attempts, "a message was given up");
            Outcome::Failed
        }
        Err(SendError::Transient(reason)) => {
            let wait = backoff(&postman.timing, row.attempts);
            tracing::info!(kind = %kind, reason, attempts = row.attempts, retry_in_s = wait.as_secs(), "a message will be retried");
            Outcome::RetryAt(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let timing = MailTiming {
            retry_base: Duration::from_secs(30),
            lease: Duration::from_secs(300),
        };
        assert_eq!(backoff(&timing, 1), Duration::from_secs(30));
        assert_eq!(backoff(&timing, 2), Duration::from_secs(60));
        assert_eq!(backoff(&timing, 4), Duration::from_secs(240));
        assert_eq!(backoff(&timing, 30), MAX_BACKOFF);
    }
}
