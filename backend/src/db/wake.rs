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

/// One worker's alarm clock.
pub struct Alarm {
    commits: watch::Receiver<u64>,
    /// The longest it sleeps with nothing due.
    longest: Duration,
    /// The shortest time between two rounds woken by commits: a busy server runs a round at
    /// most this often, not once per commit.
    gap: Duration,
    last_round: Instant,
}

impl Alarm {
    /// An alarm woken by this process's commits.
    pub fn new(longest: Duration, gap: Duration) -> Self {
        Self::watching(COMMITTED.subscribe(), longest, gap)
    }

    fn watching(commits: watch::Receiver<u64>, longest: Duration, gap: Duration) -> Self {
        Alarm {
            commits,
            longest,
            gap,
            last_round: Instant::now(),
        }
    }

    /// Sleep until `due` (the worker's next due time, `None` when it holds nothing), at most the
    /// longest sleep, or until this process commits a change; in every case no sooner than
    /// `gap` after the last round began, so that a busy server (or a row that stays due) runs
    /// a round at most that often. A change committed while the last round ran wakes it at once
    /// (after the gap): nothing queued meanwhile is missed.
    pub async fn wait(&mut self, due: Option<DateTime<Utc>>) {
        let until_due = due.map_or(self.longest, |due| {
            (due - Utc::now()).to_std().unwrap_or(Duration::ZERO)
        });
        let next_round = self.last_round + self.gap;
        let deadline = (Instant::now() + until_due.min(self.longest)).max(next_round);
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

/// The earlier of two due times, either of which may be absent.
pub fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An alarm on a commit count of its own: the tests' databases commit in parallel.
    fn alarm() -> (watch::Sender<u64>, Alarm) {
        let (commits, watched) = watch::channel(0);
        let alarm = Alarm::watching(watched, Duration::from_secs(60), Duration::from_secs(1));
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
    fn the_earliest_of_two_due_times() {
        let now = Utc::now();
        let later = now + chrono::Duration::seconds(1);
        assert_eq!(earliest(Some(now), Some(later)), Some(now));
        assert_eq!(earliest(None, Some(later)), Some(later));
        assert_eq!(earliest(Some(now), None), Some(now));
        assert_eq!(earliest(None, None), None);
    }
}
