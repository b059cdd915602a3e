//! Forgetting removed personal data in SQLite's raw files (safety rule 11): after every removal
//! (a rename, a dropped email, cancel, delete, purge) the write-ahead log is checkpointed and
//! emptied, and the checkpoint's answer is checked, so no old page image outlives the change.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};
use tokio::sync::Notify;

use super::{DbConnection, Pool};

/// How long a removal keeps trying while readers of an older snapshot block the checkpoint.
/// Each try also waits up to SQLite's busy timeout, so the longest wait is about this plus it.
const PATIENCE: Duration = Duration::from_secs(8);
/// The pause between two tries.
const RETRY_PAUSE: Duration = Duration::from_millis(100);
/// How often a checkpoint that could not complete is tried again in the background.
pub const OWED_RETRY_INTERVAL: Duration = Duration::from_secs(15);

/// Checkpoints that had not completed when their removal gave up waiting (for `/metrics`).
static INCOMPLETE: AtomicU64 = AtomicU64::new(0);
/// Whether a removal's checkpoint is still owed; the background retry completes it.
static OWED: AtomicBool = AtomicBool::new(false);
/// Wakes the background retry when a checkpoint becomes owed; until then it sleeps without a
/// timer (an idle server wakes as little as it can, issue #20).
static OWED_NOTICE: LazyLock<Notify> = LazyLock::new(Notify::new);

/// What `PRAGMA wal_checkpoint` answers: whether it was blocked, the frames in the log, and how
/// many of them reached the database file.
#[derive(Debug, QueryableByName)]
struct Outcome {
    #[diesel(sql_type = BigInt)]
    busy: i64,
    #[diesel(sql_type = BigInt)]
    log: i64,
    #[diesel(sql_type = BigInt)]
    checkpointed: i64,
}

impl Outcome {
    /// Every frame copied into the database file and the log emptied (`TRUNCATE` answers 0, 0).
    fn completed(&self) -> bool {
        self.busy == 0 && self.log == self.checkpointed
    }
}

fn checkpoint(sqlite: &mut SqliteConnection) -> diesel::QueryResult<Outcome> {
    diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result(sqlite)
}

/// Make deleted personal data unrecoverable from the raw files. SQLite already overwrites
/// deleted content (`secure_delete`); this also copies every logged page into the database file
/// and empties the write-ahead log, which still holds old page images. A reader of an older
/// snapshot blocks that, so it is tried again for a while; if it still cannot complete, that is
/// logged and counted, and a background task finishes it. Call it after the removal commits: the
/// removal stands either way, so this never fails it. PostgreSQL keeps no such copy in a dump.
pub fn forget_deleted(conn: &mut DbConnection) -> Result<(), super::Error> {
    let DbConnection::Sqlite(sqlite) = conn else {
        return Ok(());
    };
    // Inside a transaction the checkpoint could never complete, and every try would hold the
    // write lock: the caller forgot to commit first. The background retry does it instead.
    let outside = matches!(
        AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth(),
        Ok(None)
    );
    debug_assert!(outside, "forget_deleted inside a transaction");
    if !outside {
        tracing::error!("the write-ahead log was to be emptied inside a transaction; left to the background retry");
        INCOMPLETE.fetch_add(1, Ordering::Relaxed);
        owe();
        return Ok(());
    }
    let deadline = Instant::now() + PATIENCE;
    let last = loop {
        match checkpoint(sqlite) {
            Ok(outcome) if outcome.completed() => {
                OWED.store(false, Ordering::Release);
                return Ok(());
            }
            outcome if Instant::now() >= deadline => break outcome,
            _ => std::thread::sleep(RETRY_PAUSE),
        }
    };
    INCOMPLETE.fetch_add(1, Ordering::Relaxed);
    owe();
    match last {
        Ok(outcome) => tracing::warn!(
            busy = outcome.busy,
            log = outcome.log,
            checkpointed = outcome.checkpointed,
            "the write-ahead log could not be emptied after a removal (a long read blocks it); \
             trying again in the background"
        ),
        Err(error) => tracing::warn!(
            error = %error,
            "the write-ahead log could not be emptied after a removal; trying again in the background"
        ),
    }
    Ok(())
}

/// A checkpoint is owed: the background retry is told (every retry waiting in this process;
/// tests run several servers in one).
fn owe() {
    OWED.store(true, Ordering::Release);
    OWED_NOTICE.notify_waiters();
}

/// How many removals gave up waiting for their checkpoint since this process started.
pub fn incomplete() -> u64 {
    INCOMPLETE.load(Ordering::Relaxed)
}

/// The background task: completes a checkpoint that a removal could not, until the server stops.
/// On PostgreSQL it ends at its first look: nothing there is ever owed.
pub async fn complete_owed(pool: Pool) {
    loop {
        // Listening before the flag is read, so that a notice between the two is not missed.
        let notice = OWED_NOTICE.notified();
        tokio::pin!(notice);
        notice.as_mut().enable();
        if !OWED.load(Ordering::Acquire) {
            notice.await;
            continue;
        }
        tokio::time::sleep(OWED_RETRY_INTERVAL).await;
        if !OWED.load(Ordering::Acquire) {
            continue;
        }
        let pool = pool.clone();
        let done = tokio::task::spawn_blocking(move || -> anyhow::Result<bool> {
            let mut conn = pool.get()?;
            if !matches!(*conn, DbConnection::Sqlite(_)) {
                return Ok(false);
            }
            forget_deleted(&mut conn)?;
            Ok(true)
        })
        .await;
        match done {
            Ok(Ok(false)) => return,
            Ok(Ok(true)) if !OWED.load(Ordering::Acquire) => {
                tracing::info!("the write-ahead log was emptied after all");
            }
            Ok(Ok(true)) => {}
            Ok(Err(error)) => tracing::warn!(error = %error, "owed checkpoint not run"),
            Err(error) => tracing::warn!(error = %error, "owed checkpoint task failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;

    use super::*;

    fn open(path: &std::path::Path) -> SqliteConnection {
        let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("opens");
        conn.batch_execute(
            "PRAGMA busy_timeout = 100; PRAGMA journal_mode = WAL; PRAGMA secure_delete = ON;",
        )
        .expect("pragmas");
        conn
    }

    /// The background retry sleeps until a checkpoint is owed, then completes it.
    #[tokio::test(start_paused = true)]
    async fn an_owed_checkpoint_is_completed_in_the_background() {
        let dir = std::env::temp_dir().join(format!("umbrella-owed-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("folder");
        let pool = crate::db::connect(
            &crate::config::DatabaseUrl::Sqlite(dir.join("test.db")),
            None,
        )
        .expect("a pool");
        let retry = tokio::spawn(complete_owed(pool));
        tokio::time::sleep(OWED_RETRY_INTERVAL * 4).await;
        assert!(!retry.is_finished(), "waits while nothing is owed");

        owe();
        let completed = tokio::time::timeout(OWED_RETRY_INTERVAL * 4, async {
            while OWED.load(Ordering::Acquire) {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
        .await;
        retry.abort();
        let _ = std::fs::remove_dir_all(dir);
        assert!(completed.is_ok(), "the owed checkpoint was completed");
    }

    /// A reader of an older snapshot makes the checkpoint answer "busy", and the answer is read.
    #[test]
    fn a_blocked_checkpoint_is_seen_as_incomplete() {
        let dir = std::env::temp_dir().join(format!("umbrella-wal-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("folder");
        let file = dir.join("test.db");
        let mut writer = open(&file);
        writer
            .batch_execute("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('first');")
            .expect("written");
        let mut reader = open(&file);
        reader
            .batch_execute("BEGIN; SELECT count(*) FROM t;")
            .expect("a read transaction");
        writer
            .batch_execute("UPDATE t SET v = 'second';")
            .expect("written");
        let blocked = checkpoint(&mut writer).expect("answers");
        assert!(!blocked.completed(), "{blocked:?}");
        reader.batch_execute("COMMIT;").expect("ends");
        let done = checkpoint(&mut writer).expect("answers");
        assert!(done.completed(), "{done:?}");
        assert_eq!(
            std::fs::metadata(dir.join("test.db-wal"))
                .expect("the log")
                .len(),
            0
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
