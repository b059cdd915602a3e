//! `umbrella backup PATH`: a consistent copy of a live database. SQLite writes a compact copy
//! with `VACUUM INTO` (one read transaction, so it is consistent while the server writes);
//! PostgreSQL runs `pg_dump --format=custom`, restored with `pg_restore`; the database password
//! reaches it in a private passfile, never on its command line (which every user can read).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

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
            let plan = PgDump::plan(secrecy::ExposeSecret::expose_secret(url), path)?;
            let passfile = plan.password.as_deref().map(Passfile::write).transpose()?;
            let mut command = std::process::Command::new("pg_dump");
            command.args(&plan.args);
            if let Some(passfile) = &passfile {
                command.env("PGPASSFILE", &passfile.path);
            }
            let status = command.status().map_err(|error| {
                anyhow::anyhow!(
                    "could not run pg_dump ({error}); install the PostgreSQL client tools"
                )
            })?;
            drop(passfile);
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

/// How `pg_dump` is run: its arguments, with the URL's password taken out of them.
#[derive(Debug)]
struct PgDump {
    args: Vec<OsString>,
    password: Option<String>,
}

impl PgDump {
    fn plan(url: &str, path: &Path) -> anyhow::Result<Self> {
        let mut url = url::Url::parse(url)
            .map_err(|error| anyhow::anyhow!("the database URL does not parse: {error}"))?;
        let mut password = url.password().map(|encoded| {
            percent_encoding::percent_decode_str(encoded)
                .decode_utf8_lossy()
                .into_owned()
        });
        // libpq also takes `?password=…`; it leaves the URL as well.
        let (with_password, rest): (Vec<_>, Vec<_>) = url
            .query_pairs()
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .partition(|(name, _)| name == "password");
        if let Some((_, value)) = with_password.into_iter().last() {
            password.get_or_insert(value);
            url.set_query(None);
            if !rest.is_empty() {
                url.query_pairs_mut().extend_pairs(rest);
            }
        }
        if url.password().is_some() {
            url.set_password(None)
                .map_err(|()| anyhow::anyhow!("the database URL's password cannot be taken out"))?;
        }
        let mut args: Vec<OsString> = ["--format=custom", "--no-owner", "--file"]
            .into_iter()
            .map(OsString::from)
            .collect();
        args.push(path.into());
        args.push(url.as_str().into());
        Ok(PgDump { args, password })
    }
}

/// A passfile for one `pg_dump` run: mode 0600 (libpq ignores any other), removed when dropped.
struct Passfile {
    path: PathBuf,
}

impl Passfile {
    fn write(password: &str) -> anyhow::Result<Self> {
        if password.contains(['\n', '\r']) {
            anyhow::bail!("the database password has a line break, which a passfile cannot hold");
        }
        let path =
            std::env::temp_dir().join(format!("umbrella-pgpass-{}", uuid::Uuid::new_v4().simple()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options
            .open(&path)
            .map_err(|error| anyhow::anyhow!("could not write a passfile for pg_dump: {error}"))?;
        let passfile = Passfile { path };
        file.write_all(passfile_line(password).as_bytes())?;
        Ok(passfile)
    }
}

impl Drop for Passfile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// One passfile line for any host, port, database and user (`pg_dump` connects once, to the
/// URL it was given); backslashes and colons are escaped as the format requires.
fn passfile_line(password: &str) -> String {
    let escaped = password.replace('\\', "\\\\").replace(':', "\\:");
    format!("*:*:*:*:{escaped}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(plan: &PgDump) -> String {
        plan.args
            .iter()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn the_password_stays_off_the_command_line() {
        let plan = PgDump::plan(
            "postgres://umbrella:s3cret%3Aword@db.internal:5433/umbrella?sslmode=require",
            Path::new("/backups/today"),
        )
        .expect("planned");
        let line = joined(&plan);
        assert!(!line.contains("s3cret"), "{line}");
        assert!(
            line.ends_with("postgres://umbrella@db.internal:5433/umbrella?sslmode=require"),
            "the rest of the URL stays: {line}"
        );
        assert!(line.contains("--file /backups/today"), "{line}");
        assert_eq!(plan.password.as_deref(), Some("s3cret:word"));
    }

    #[test]
    fn a_password_in_the_query_is_taken_out_too() {
        let plan = PgDump::plan(
            "postgres://umbrella@localhost/umbrella?password=hunter2&application_name=x",
            Path::new("/b"),
        )
        .expect("planned");
        let line = joined(&plan);
        assert!(!line.contains("hunter2"), "{line}");
        assert!(line.contains("application_name=x"), "{line}");
        assert_eq!(plan.password.as_deref(), Some("hunter2"));
    }

    #[test]
    fn no_password_means_no_passfile() {
        for url in [
            "postgres://postgres@127.0.0.1/db",
            "postgres:///db?host=/var/run/postgresql",
        ] {
            let plan = PgDump::plan(url, Path::new("/b")).expect("planned");
            assert_eq!(plan.password, None);
            assert!(joined(&plan).ends_with(url), "{url} passes unchanged");
        }
    }

    #[test]
    fn the_passfile_is_private_escaped_and_removed() {
        assert_eq!(passfile_line(r"a:b\c"), "*:*:*:*:a\\:b\\\\c\n");
        let passfile = Passfile::write("hunter2").expect("written");
        let path = passfile.path.clone();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .expect("there")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "*:*:*:*:hunter2\n"
        );
        drop(passfile);
        assert!(!path.exists(), "removed after the run");
        assert!(Passfile::write("two\nlines").is_err());
    }
}
