//! A PostgreSQL database of its own for each test, dropped afterwards. Without a server, tests
//! fail under `CI=true` and skip loudly elsewhere.

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};

/// The server to create test databases on (`UMBRELLA_TEST_POSTGRES_URL` overrides).
pub fn server_url() -> String {
    std::env::var("UMBRELLA_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

fn admin_connection() -> Result<PgConnection, diesel::ConnectionError> {
    PgConnection::establish(&format!("{}/postgres", server_url()))
}

impl TestDatabase {
    /// `None` (after a loud message) when PostgreSQL is unreachable outside CI.
    pub fn create() -> Option<Self> {
        let mut admin = match admin_connection() {
            Ok(conn) => conn,
            Err(error) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!(
                        "PostgreSQL is required under CI=true but is unreachable at {}: {error}",
                        server_url()
                    );
                }
                eprintln!(
                    "\n!!! SKIPPED a PostgreSQL test: no server at {} ({error}).\n\
                     !!! Install and start PostgreSQL (Debian: apt-get install postgresql) to run it.\n",
                    server_url()
                );
                return None;
            }
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
