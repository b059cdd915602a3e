//! A PostgreSQL database of its own for each test, dropped afterwards. Without a server the
//! test fails, unless PostgreSQL was left out by name (`UMBRELLA_SKIP=postgres`, see `needs`).

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

use crate::needs::{self, Need};

/// The server to create test databases on (`UMBRELLA_TEST_POSTGRES_URL` overrides).
pub fn server_url() -> String {
    std::env::var("UMBRELLA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

/// Connections the database at `url` has open, and how many of them are a live relay's
/// listener: `(all, listeners)`, counted from the `postgres` database (so this one is not).
pub fn connections(url: &str) -> (i64, i64) {
    let database = url.rsplit('/').next().expect("a database name");
    let counted = std::process::Command::new("psql")
        .args([&format!("{}/postgres", server_url()), "-Atc"])
        .arg(format!(
            "SELECT count(*), count(*) FILTER (WHERE application_name = '{}') \
             FROM pg_stat_activity WHERE datname = '{database}'",
            umbrella::live::relay::APPLICATION_NAME
        ))
        .output()
        .expect("psql runs");
    let text = String::from_utf8_lossy(&counted.stdout);
    let (all, listeners) = text.trim().split_once('|').expect("two counts");
    (
        all.parse().expect("a count"),
        listeners.parse().expect("a count"),
    )
}

pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

fn admin_connection() -> Result<PgConnection, diesel::ConnectionError> {
    PgConnection::establish(&format!("{}/postgres", server_url()))
}

impl TestDatabase {
    /// `None` only when PostgreSQL was left out by name (reported); an unreachable server
    /// fails the test.
    pub fn create() -> Option<Self> {
        if needs::skip(Need::Postgres) {
            return None;
        }
        let mut admin = match admin_connection() {
            Ok(conn) => conn,
            Err(error) => needs::missing(
                Need::Postgres,
                &format!("no server answers at {} ({error})", server_url()),
            ),
        };
        let name = format!("umbrella_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("test database created");
        Some(TestDatabase {
            url: format!("{}/{name}", server_url()),
            name,
        })
    }

    pub fn drop_now(self) {
        let name = self.name;
        // Dropped on a thread of its own: this runs inside async drops.
        let _ = std::thread::spawn(move || {
            if let Ok(mut admin) = admin_connection() {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}
