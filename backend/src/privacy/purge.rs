//! Retention: RSVP personal fields are purged a set time after their event ends, by an hourly
//! background job and by `umbrella purge`; mail files chosen on purpose (`file://`) go with them,
//! and so do expired door links.

use std::time::Duration;

use chrono::Utc;

use crate::db::rsvps::{self, Purged};
use crate::db::Pool;
use crate::live::news::Notifier;
use crate::mail::folder::MailFolder;

/// What the purge counts (registered with the rest at the web edge, `telemetry`).
#[derive(Clone)]
pub struct Counters {
    /// Runs, by outcome: `ok` or `failed`.
    pub runs: prometheus::IntCounterVec,
    /// RSVPs whose personal fields were removed.
    pub purged: prometheus::IntCounter,
    /// Runs that panicked.
    pub panics: prometheus::IntCounter,
}

/// How often the background purge runs.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// Purge RSVPs to events that ended more than `retention_hours` ago; returns how many, and
/// for which events. Then the mail files of every RSVP no longer current go too.
pub fn purge_now(
    pool: &Pool,
    retention_hours: u32,
    mail_files: Option<&MailFolder>,
) -> anyhow::Result<Purged> {
    let mut conn = pool.get()?;
    let cutoff = Utc::now() - chrono::Duration::hours(i64::from(retention_hours));
    let purged = rsvps::purge_ended(&mut conn, cutoff)
        .map_err(|error| anyhow::anyhow!("purge failed: {error}"))?;
    // Expired door links open nothing already; their rows go too.
    crate::db::door_links::delete_expired(&mut conn, Utc::now())
        .map_err(|error| anyhow::anyhow!("removing expired door links failed: {error}"))?;
    if let Some(folder) = mail_files {
        folder
            .sweep(&mut conn)
            .map_err(|error| anyhow::anyhow!("removing mail files failed: {error}"))?;
    }
    Ok(purged)
}

/// The hourly job: runs at start, then every hour, until the server stops. Live followers of
/// the events purged judge themselves again (their manage links open nothing any more).
pub async fn run_periodically(
    pool: Pool,
    retention_hours: u32,
    mail_files: Option<MailFolder>,
    counters: Counters,
    news: Notifier,
) {
    let mut every = tokio::time::interval(PURGE_INTERVAL);
    loop {
        every.tick().await;
        let (pool, mail_files) = (pool.clone(), mail_files.clone());
        let run = move || purge_now(&pool, retention_hours, mail_files.as_ref());
        match tokio::task::spawn_blocking(run).await {
            Ok(Ok(purged)) => {
                let count = purged.rsvps;
                for event_id in &purged.events {
                    news.rsvps_changed(event_id);
                }
                counters.runs.with_label_values(&["ok"]).inc();
                counters.purged.inc_by(count as u64);
                if count > 0 {
                    tracing::info!(count, "purged personal fields of past RSVPs");
                }
            }
            Ok(Err(error)) => {
                counters.runs.with_label_values(&["failed"]).inc();
                tracing::warn!(error = %error, "purge failed");
            }
            Err(error) => {
                counters.runs.with_label_values(&["failed"]).inc();
                counters.panics.inc();
                tracing::warn!(error = %error, "purge task failed");
            }
        }
    }
}
