//! Retention: RSVP personal fields are purged a set time after their event ends, by an hourly
//! background job and by `umbrella purge`.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use crate::db::{rsvps, Pool};
use crate::telemetry::Metrics;

/// How often the background purge runs.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// Purge RSVPs to events that ended more than `retention_hours` ago; returns how many.
pub fn purge_now(pool: &Pool, retention_hours: u32) -> anyhow::Result<usize> {
    let mut conn = pool.get()?;
    let cutoff = Utc::now() - chrono::Duration::hours(i64::from(retention_hours));
    rsvps::purge_ended(&mut conn, cutoff).map_err(|error| anyhow::anyhow!("purge failed: {error}"))
}

/// The hourly job: runs at start, then every hour, until the server stops.
pub async fn run_periodically(pool: Pool, retention_hours: u32, metrics: Arc<Metrics>) {
    let mut every = tokio::time::interval(PURGE_INTERVAL);
    loop {
        every.tick().await;
        let pool = pool.clone();
        match tokio::task::spawn_blocking(move || purge_now(&pool, retention_hours)).await {
            Ok(Ok(count)) => {
                metrics.purge_ran(Ok(count));
                if count > 0 {
                    tracing::info!(count, "purged personal fields of past RSVPs");
                }
            }
            Ok(Err(error)) => {
                metrics.purge_ran(Err(()));
                tracing::warn!(error = %error, "purge failed");
            }
            Err(error) => {
                metrics.purge_ran(Err(()));
                tracing::warn!(error = %error, "purge task failed");
            }
        }
    }
}
