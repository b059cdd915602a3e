//! `umbrella backup PATH`: a consistent copy of a live database. SQLite writes a compact copy
//! with `VACUUM INTO` (one read transaction, so it is consistent while the server writes);
//! PostgreSQL runs `pg_dump --format=custom`, restored with `pg_restore`.

use std::path::Path;

use diesel::connection::SimpleConnection;

use super::DbConnection;
use crate::config::DatabaseUrl;

pub fn write(conn: &mut DbConnection, database: &DatabaseUrl, path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!(
            "{} already exists; choose a new file for the backup",
            path.display()
        );
    }
    match (conn, database) {
        (DbConnection::Sqlite(sqlite), _) => {
            let target = path
                .to_str()
                .ok_or_else(|| anyhow::anyhow!("the backup path is not UTF-8"))?;
            sqlite.batch_execute(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))?;
            Ok(())
        }
        (DbConnection::Postgres(_), DatabaseUrl::Postgres(url)) => {
            let status = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(path)
                .arg(url)
                .status()
                .map_err(|error| {
                    anyhow::anyhow!(
                        "could not run pg_dump ({error}); install the PostgreSQL client tools"
                    )
                })?;
            if !status.success() {
                anyhow::bail!("pg_dump failed ({status})");
            }
            Ok(())
        }
        (DbConnection::Postgres(_), DatabaseUrl::Sqlite(_)) => {
            anyhow::bail!("the connection and the configured database disagree")
        }
    }
}
