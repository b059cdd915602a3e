//! The database: one connection type over SQLite or PostgreSQL, its pool, and migrations.
//!
//! The backend is picked from the URL scheme. Queries live in the model files beside this one
//! (`events.rs`, `rsvps.rs`, `organizers.rs`, `credentials.rs`) as plain `fn(&mut DbConnection, …)`.

pub mod audit;
pub mod backup;
pub mod checkpoint;
pub mod credentials;
pub mod door_links;
pub mod error;
pub mod event_changes;
pub mod events;
pub mod instance_settings;
pub mod invites;
pub mod live;
pub mod notice;
pub mod organizers;
pub mod outbox;
mod places;
pub mod push;
pub mod rsvps;
pub mod safety;
pub mod schema;
pub mod series;
pub mod tallies;
pub mod wake;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::R2D2Connection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use secrecy::ExposeSecret;

use crate::config::DatabaseUrl;

/// Every removal of personal data ends with this (see `checkpoint`).
pub use checkpoint::forget_deleted;
pub use error::Error;

/// A connection to whichever database this instance runs on.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// The migrations built into the binary, one set per backend. Public for the test that reverts
/// each one (tests/tests/e2e/migrations.rs); everything else migrates through [`migrate`].
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Any fixed number shared by every instance: they queue on it while one migrates.
const MIGRATION_LOCK_KEY: i64 = 0x756d_6272_656c;

/// SQLite waits this long for a competing writer before reporting "busy".
const SQLITE_BUSY_TIMEOUT_MS: u32 = 5_000;

/// Every SQLite connection: wait for writers, write-ahead log, enforce foreign keys, and
/// overwrite deleted content so purged personal data is not left in free pages.
fn sqlite_pragmas() -> String {
    format!(
        "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
         PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;"
    )
}

/// Why a connection could not be made or checked. The derive's own `establish` tries each
/// backend in turn and hides the real reason; this keeps it.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("could not connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("could not create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
}

/// Opens connections for the pool, choosing the backend from the URL.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl) -> Self {
        Self { url }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self.url, DatabaseUrl::Sqlite(_))
    }
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => Ok(DbConnection::Postgres(PgConnection::establish(
                url.expose_secret(),
            )?)),
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|source| ConnectError::Folder {
                        path: parent.display().to_string(),
                        source,
                    })?;
                }
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                conn.batch_execute(&sqlite_pragmas())?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.ping().map(|_| ()).map_err(ConnectError::from)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// How long a connection may sit unused in the pool before it is closed: longer than the
/// workers' idle looks are apart (every 30 s, together: `wake::IDLE_PHASE`), so that an idle
/// server keeps the one connection they share rather than opening a new one for each look.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(45);

/// How many connections a pool opens at most when `--database-connections` is not given.
///
/// SQLite has one writer at a time; a few connections serve readers without queueing writers.
/// PostgreSQL does the most with about two busy connections per core (the PostgreSQL wiki's
/// "Number Of Database Connections"); with more, requests that write one row (a rush of RSVPs
/// to one event) queue on its lock inside the database, where they cost CPU and wait in no
/// order, instead of in the pool. On 2 cores, 4 connections instead of 16 took RSVPs that leave
/// an address from about 1,100 to 1,450 a second and their p99 from about 85 to 35 ms
/// (docs/performance.md, 2026-12-07).
/// The machine's own cores stand for the database's: set the flag when PostgreSQL has a machine
/// of its own, or is shared by several instances.
pub fn default_connections(url: &DatabaseUrl) -> u32 {
    match url {
        DatabaseUrl::Sqlite(_) => 8,
        DatabaseUrl::Postgres(_) => {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            u32::try_from(cores.saturating_mul(2)).map_or(16, |n| n.clamp(2, 16))
        }
    }
}

/// Build a pool and check that one connection can be made, reporting the real error if not.
///
/// The pool opens a connection only when asked, while the caller waits, and keeps none open for
/// its own sake (`min_idle` 0):
/// - a quiet server holds only the connection its background workers use: with one kept idle,
///   r2d2 opened a second whenever a worker took the first (measured: three held, now two with
///   the live relay's listener);
/// - a command never has a background thread still connecting while the process exits, which
///   raced OpenSSL's cleanup under libpq (the crash seen on PostgreSQL about one run in eight).
///
/// `at_most` is `--database-connections`; without it, `default_connections`.
pub fn connect(url: &DatabaseUrl, at_most: Option<u32>) -> anyhow::Result<Pool> {
    let manager = ConnectionManager::new(url.clone());
    let max_size = at_most.unwrap_or_else(|| default_connections(url));
    // Try once by hand first: r2d2 only says "timed out" when every attempt fails.
    let first = r2d2::ManageConnection::connect(&manager)?;
    drop(first);
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        // A burst opens up to `max_size` connections; once it is over the pool closes those left
        // unused (r2d2 looks every 30 s).
        .idle_timeout(Some(POOL_IDLE_TIMEOUT))
        .connection_timeout(Duration::from_secs(10))
        .build(manager)?;
    Ok(pool)
}

/// Apply pending migrations. On PostgreSQL this holds an advisory lock so that several
/// instances starting together migrate one after another.
pub fn migrate(conn: &mut DbConnection) -> anyhow::Result<()> {
    let outcome = match conn {
        DbConnection::Sqlite(conn) => conn.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        DbConnection::Postgres(conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))?;
            let outcome = conn.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))?;
            outcome
        }
    };
    outcome.map_err(|error| anyhow::anyhow!("database migration failed: {error}"))
}

/// A transaction that writes. On SQLite it starts with `BEGIN IMMEDIATE`, taking the write lock
/// at once (waiting up to the busy timeout): a deferred transaction that reads and then writes
/// fails at once with "database is locked" when another connection wrote in between.
/// On PostgreSQL it is an ordinary transaction. Called inside another transaction it becomes a
/// savepoint of that one, so a query that writes in its own transaction can be wrapped in a larger
/// one (the audit log is written this way, in the transaction of the action it records).
pub fn write_transaction<T, F>(conn: &mut DbConnection, work: F) -> Result<T, Error>
where
    F: FnOnce(&mut DbConnection) -> Result<T, Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    fn sqlite(conn: &mut DbConnection) -> Option<&mut SqliteConnection> {
        match conn {
            DbConnection::Sqlite(sqlite) => Some(sqlite),
            DbConnection::Postgres(_) => None,
        }
    }
    let Some(inner) = sqlite(conn) else {
        let outcome = conn.transaction(work);
        if outcome.is_ok() {
            count_commit();
        }
        return outcome;
    };
    if AnsiTransactionManager::transaction_manager_status_mut(inner)
        .transaction_depth()?
        .is_some()
    {
        // Already inside this process's write transaction: it holds the lock; nest a savepoint.
        return conn.transaction(work);
    }
    // SQLite has one writer at a time. Queueing this process's writers here, instead of in
    // SQLite's busy handler (which sleeps in growing steps), keeps write latency even under load.
    static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _writer = SQLITE_WRITER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    let outcome = work(conn);
    let sqlite = sqlite(conn).ok_or_else(|| Error::internal(anyhow::anyhow!("backend changed")))?;
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite)?;
            count_commit();
            Ok(value)
        }
        Err(error) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(error)
        }
    }
}

/// Write transactions committed by this process, so caches can tell a local change at once.
static COMMITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Count a committed write transaction (or a statement committed on its own), and wake the
/// background workers (`wake`).
fn count_commit() {
    let count = COMMITS.fetch_add(1, std::sync::atomic::Ordering::Release) + 1;
    wake::committed(count);
}

/// How many write transactions this process has committed.
pub fn local_commits() -> u64 {
    COMMITS.load(std::sync::atomic::Ordering::Acquire)
}

/// Run blocking database work on the thread pool made for it, with a pooled connection.
pub async fn run<T, F>(pool: &Pool, work: F) -> Result<T, Error>
where
    F: FnOnce(&mut DbConnection) -> Result<T, Error> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    actix_web::web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await?
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    fn migration_names(backend: &str) -> BTreeSet<String> {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(backend);
        std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.path().is_dir())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn postgres_gets_two_connections_a_core_and_sqlite_eight() {
        use crate::config::DatabaseUrl;
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let postgres = super::default_connections(&DatabaseUrl::Postgres(
            "postgres://postgres@127.0.0.1/umbrella".to_string().into(),
        ));
        assert_eq!(postgres as usize, (cores * 2).clamp(2, 16));
        let sqlite = super::default_connections(&DatabaseUrl::Sqlite("x.db".into()));
        assert_eq!(sqlite, 8);
    }

    #[test]
    fn migration_names_match_across_backends() {
        let sqlite = migration_names("sqlite");
        let postgres = migration_names("postgres");
        assert!(!sqlite.is_empty(), "no migrations found");
        assert_eq!(
            sqlite, postgres,
            "every migration needs a twin of the same name in both folders"
        );
    }
}
