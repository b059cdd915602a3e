//! When a background worker looks at the database again, instead of polling it on a timer: when
//! the next thing it holds is due, as soon as this process commits a change (which may have
//! queued work: a reminder, a push, a "home safe by" time), and at the latest after a longest
//! sleep (for work another instance queued and left unfinished). A quiet server sleeps.

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::time::Instant;

/// The count of write transactions this process has committed, watched by the workers.
static COMMITTED: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

/// Tell the workers that this process committed its `count`th write transaction.
pub(super) fn committed(count: u64) {
    COMMITTED.send_replace(count);
}

/// Where on the clock's half-minute every worker looks when it has nothing due (:00 and :30):
/// all at once, one after another on one pooled connection (`Turns`), so that an idle server's
/// thread wakes for one timer, not one per worker (tokio's timer wheel wakes a thread about
/// three times for each sleep of seconds; issue #20 counts every wake-up).
pub const IDLE_PHASE: Duration = Duration::from_secs(0);

/// Turns the workers of one server take at the database when they look for work, so that a
/// quiet server's workers, woken together, use one pooled connection between them. Held only
/// around those looks (a claim, the next due time), never while sending.
#[derive(Clone, Default)]
pub struct Turns(std::sync::Arc<tokio::sync::Mutex<()>>);

impl Turns {
    /// Wait for this worker's turn; it ends when the guard is dropped.
    pub async fn take(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.0.lock().await
    }
}

/// What one round of a worker did: how much it claimed, and, when it claimed nothing, when its
/// next work is due, read on the same visit to the database (an idle server's look is then one
/// trip to the database and its blocking thread, not two).
pub struct Round {
    pub claimed: usize,
    pub next_due: Option<Option<DateTime<Utc>>>,
}

/// Rows a worker claimed (the claim's id and the rows), or nothing because nothing is due yet,
/// with when the next work is (`None` when none is pending).
pub enum Claimed<R> {
    Rows(String, Vec<R>),
    NotYet(Option<DateTime<Utc>>),
}

impl<R> Claimed<R> {
    /// The claim and its rows, or the round's answer when there are none: nothing due yet (and
    /// when it will be), or rows another instance took meanwhile (the next due time is then read
    /// again).
    pub fn into_work(self) -> Result<(String, Vec<R>), Round> {
        match self {
            Claimed::Rows(claim, rows) if !rows.is_empty() => Ok((claim, rows)),
            Claimed::Rows(..) => Err(Round {
                claimed: 0,
                next_due: None,
            }),
            Claimed::NotYet(next_due) => Err(Round {
                claimed: 0,
                next_due: Some(next_due),
            }),
        }
    }
}

/// A worker's visit to the database: when its next work is due first, and a claim only when
/// something is due now, so that an idle look is that one query.
pub fn claim_if_due<R>(
    conn: &mut super::DbConnection,
    next_due: fn(&mut super::DbConnection) -> diesel::QueryResult<Option<DateTime<Utc>>>,
    claim: impl FnOnce(
        &mut super::DbConnection,
        DateTime<Utc>,
    ) -> Result<(String, Vec<R>), super::Error>,
) -> Result<Claimed<R>, super::Error> {
    let now = Utc::now();
    let due = next_due(conn)?;
    if due.is_none_or(|due| due > now) {
        return Ok(Claimed::NotYet(due));
    }
    let (id, rows) = claim(conn, now)?;
    Ok(Claimed::Rows(id, rows))
}

/// One worker's alarm clock.
pub struct Alarm {
    commits: watch::Receiver<u64>,
    /// The longest it sleeps with nothing due.
    longest: Duration,
    /// The shortest time between two rounds woken by commits: a busy server runs a round at
    /// most this often, not once per commit.
    gap: Duration,
    /// With nothing due, wake on the clock's grid of `longest` shifted by this much (every
    /// 30 s at :00 and :30, say), so that the workers of a quiet server take turns and use one
    /// pooled connection between them; `None` sleeps `longest` from now.
    phase: Option<Duration>,
    last_round: Instant,
}

impl Alarm {
    /// An alarm woken by this process's commits; with nothing due it wakes `phase` past each
    /// multiple of `longest` on the clock.
    pub fn new(longest: Duration, gap: Duration, phase: Duration) -> Self {
        Self::watching(COMMITTED.subscribe(), longest, gap, Some(phase))
    }

    fn watching(
        commits: watch::Receiver<u64>,
        longest: Duration,
        gap: Duration,
        phase: Option<Duration>,
    ) -> Self {
        Alarm {
            commits,
            longest,
            gap,
            phase,
            last_round: Instant::now(),
        }
    }

    /// How long until the next time to look with nothing due.
    fn until_idle_look(&self) -> Duration {
        let Some(phase) = self.phase else {
            return self.longest;
        };
        let period = i64::try_from(self.longest.as_millis())
            .unwrap_or(i64::MAX)
            .max(1);
        let shift = i64::try_from(phase.as_millis()).unwrap_or(0);
        let into = (Utc::now().timestamp_millis() - shift).rem_euclid(period);
        Duration::from_millis(u64::try_from(period - into).unwrap_or(0))
    }

    /// `wait` on the next due time as `worker` read it; one it could not read is logged, and the
    /// worker looks again once the gap has passed.
    pub async fn wait_for(
        &mut self,
        due: Result<Option<DateTime<Utc>>, super::Error>,
        worker: &str,
    ) {
        let due = due.unwrap_or_else(|error| {
            tracing::warn!(%error, worker, "could not read when the next work is due");
            Some(Utc::now())
        });
        self.wait(due).await;
    }

    /// Sleep until `due` (the worker's next due time, `None` when it holds nothing), at most the
    /// longest sleep, or until this process commits a change; in every case no sooner than
    /// `gap` after the last round began, so that a busy server (or a row that stays due) runs
    /// a round at most that often. A change committed while the last round ran wakes it at once
    /// (after the gap): nothing queued meanwhile is missed.
    pub async fn wait(&mut self, due: Option<DateTime<Utc>>) {
        let idle_look = self.until_idle_look();
        let until_due = due.map_or(idle_look, |due| {
            (due - Utc::now()).to_std().unwrap_or(Duration::ZERO)
        });
        let next_round = self.last_round + self.gap;
        let deadline = (Instant::now() + until_due.min(idle_look)).max(next_round);
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => {}
            changed = self.commits.changed() => {
                // A closed channel (the sender lives as long as the process) sleeps as before.
                let woken_at = if changed.is_ok() { next_round } else { deadline };
                tokio::time::sleep_until(woken_at).await;
            }
        }
        // The round begins: what commits from here on wakes the next wait.
        self.commits.borrow_and_update();
        self.last_round = Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An alarm on a commit count of its own: the tests' databases commit in parallel.
    fn alarm() -> (watch::Sender<u64>, Alarm) {
        let (commits, watched) = watch::channel(0);
        let alarm = Alarm::watching(
            watched,
            Duration::from_secs(60),
            Duration::from_secs(1),
            None,
        );
        (commits, alarm)
    }

    #[tokio::test(start_paused = true)]
    async fn it_sleeps_until_due_and_no_longer_than_the_longest() {
        let (_commits, mut alarm) = alarm();
        let started = Instant::now();
        alarm
            .wait(Some(Utc::now() + chrono::Duration::seconds(5)))
            .await;
        let slept = started.elapsed();
        // Paused time moves only with timers; chrono's clock is real, so allow its drift.
        assert!(
            slept <= Duration::from_secs(5) && slept >= Duration::from_secs(4),
            "{slept:?}"
        );
        let started = Instant::now();
        alarm.wait(None).await;
        assert_eq!(started.elapsed(), Duration::from_secs(60));
        let started = Instant::now();
        alarm
            .wait(Some(Utc::now() - chrono::Duration::seconds(5)))
            .await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(1),
            "what is overdue is due once the gap after the last round has passed"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_commit_wakes_it_after_the_gap_and_none_is_missed() {
        let (commits, mut alarm) = alarm();
        alarm.wait(Some(Utc::now())).await;
        // A commit while the round runs (before the next wait) is not lost.
        commits.send_replace(1);
        let started = Instant::now();
        alarm.wait(None).await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(1),
            "woken by the commit, no sooner than the gap after the last round"
        );
        // With no commit since, it sleeps its longest.
        let started = Instant::now();
        let waited = tokio::time::timeout(Duration::from_secs(30), alarm.wait(None)).await;
        assert!(waited.is_err(), "nothing woke it within 30 s");
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }

    #[test]
    fn an_idle_look_falls_on_its_phase_of_the_clock() {
        let (_commits, watched) = watch::channel(0);
        let longest = Duration::from_secs(30);
        let alarms = [0, 10, 20].map(|phase| {
            let phase = Some(Duration::from_secs(phase));
            Alarm::watching(watched.clone(), longest, Duration::from_secs(1), phase)
        });
        let now = Utc::now().timestamp_millis();
        let looks: Vec<i64> = alarms
            .iter()
            .map(|alarm| {
                let until = alarm.until_idle_look();
                assert!(until > Duration::ZERO && until <= longest, "{until:?}");
                (now + i64::try_from(until.as_millis()).expect("small")) % 30_000
            })
            .collect();
        // Each on its phase of the half-minute (a few milliseconds pass between readings).
        for (look, phase) in looks.iter().zip([0, 10_000, 20_000]) {
            let off = (look - phase).rem_euclid(30_000);
            assert!(!(1_000..=29_000).contains(&off), "{looks:?}");
        }
    }
}
