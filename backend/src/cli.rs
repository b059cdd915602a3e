//! The `umbrella` command line: parse settings, then serve or run one admin command.
//! Commands write to the given output so tests can read what an operator would see.

use std::io::Write;
use std::process::ExitCode;

use chrono::Utc;
use clap::Parser as _;
use secrecy::{ExposeSecret, SecretString};

use crate::config::{Cli, Command, OrganizerCommand, Settings, TokenCommand};
use crate::db::audit;
use crate::db::{credentials, organizers};
use crate::domain::audit::Action;
use crate::domain::organizer::{generate_password, hash_password, Handle};
use crate::privacy::secrets::{hash_token, new_token, API_TOKEN_PREFIX};
use crate::startup::{open_store, Application};

/// The binary's entry point.
pub fn main() -> ExitCode {
    keep_files_private();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) if !error.use_stderr() => error.exit(),
        Err(error) => {
            // One line that names the setting, not a page of usage.
            let rendered = error.to_string();
            eprintln!(
                "{}",
                rendered.lines().next().unwrap_or("error: bad arguments")
            );
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init_tracing();
    let outcome = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.settings),
        command => run(&cli.settings, command, &mut std::io::stdout().lock()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Everything this process creates (the data directory, database, write-ahead log, backups, the
/// key file) is readable by its owner alone, whoever starts it: systemd's unit says so too, a
/// shell or a container usually does not. Set before anything is created.
fn keep_files_private() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// How long an unused blocking thread of the server's main runtime waits for more work.
const BLOCKING_THREAD_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(60);

fn serve(settings: Settings) -> anyhow::Result<()> {
    // The background workers reach the database on this runtime's blocking threads. Kept for a
    // minute rather than tokio's 10 s, the one they use outlives the 30 s between their idle
    // looks instead of a new thread starting for each look (issue #20: an idle server's wake-ups).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_keep_alive(BLOCKING_THREAD_KEEP_ALIVE)
        .build()?;
    actix_web::rt::System::with_tokio_rt(move || runtime).block_on(async move {
        let application = Application::build(settings).await?;
        application.run_until_stopped().await?;
        Ok(())
    })
}

/// The organizer with this handle, or an error that names it.
fn existing(
    conn: &mut crate::db::DbConnection,
    handle: &str,
) -> anyhow::Result<organizers::Organizer> {
    let handle = Handle::parse(handle).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    organizers::find_by_handle(conn, &handle)?
        .ok_or_else(|| anyhow::anyhow!("no organizer is called {}", handle.as_str()))
}

/// Run one non-serving command. Every command migrates the database first.
pub fn run(settings: &Settings, command: Command, out: &mut dyn Write) -> anyhow::Result<()> {
    let (pool, _key) = open_store(settings)?;
    let mut conn = pool.get()?;
    match command {
        Command::Serve => anyhow::bail!("`serve` runs the server; it is not a one-off command"),
        Command::Migrate => {
            writeln!(out, "The database is up to date.")?;
        }
        Command::Organizer(OrganizerCommand::Create { handle, admin }) => {
            let handle = Handle::parse(&handle).map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let password = SecretString::from(generate_password());
            let hash = hash_password(password.expose_secret())?;
            crate::db::write_transaction(&mut conn, |conn| {
                let organizer = organizers::create(conn, &handle, &hash, admin)?;
                Ok(audit::record(
                    conn,
                    None,
                    Action::OrganizerCreated,
                    &organizer.id,
                    Utc::now(),
                )?)
            })
            .map_err(crate::db::Error::into_anyhow)?;
            let role = if admin { "admin" } else { "organizer" };
            writeln!(out, "Created {role} {}.", handle.as_str())?;
            writeln!(
                out,
                "One-time password (shown once; a new one must be chosen at first sign-in):"
            )?;
            writeln!(out, "{}", password.expose_secret())?;
        }
        Command::Organizer(OrganizerCommand::Disable { handle }) => {
            let organizer = existing(&mut conn, &handle)?;
            audit::recorded(
                &mut conn,
                None,
                Action::OrganizerDisabled,
                &organizer.id,
                |conn| organizers::set_disabled(conn, &organizer.id, true),
            )
            .map_err(crate::db::Error::into_anyhow)?;
            writeln!(
                out,
                "Disabled {}: signed out everywhere, and their API tokens no longer work.",
                organizer.handle
            )?;
        }
        Command::Organizer(OrganizerCommand::Enable { handle }) => {
            let organizer = existing(&mut conn, &handle)?;
            audit::recorded(
                &mut conn,
                None,
                Action::OrganizerEnabled,
                &organizer.id,
                |conn| organizers::set_disabled(conn, &organizer.id, false),
            )
            .map_err(crate::db::Error::into_anyhow)?;
            writeln!(out, "Enabled {}.", organizer.handle)?;
        }
        Command::Organizer(OrganizerCommand::TotpOff { handle }) => {
            let organizer = existing(&mut conn, &handle)?;
            audit::recorded(
                &mut conn,
                None,
                Action::TotpDisabled,
                &organizer.id,
                |conn| organizers::disable_totp(conn, &organizer.id),
            )
            .map_err(crate::db::Error::into_anyhow)?;
            writeln!(
                out,
                "Two-step sign-in is off for {}; their password still applies.",
                organizer.handle
            )?;
        }
        Command::Token(TokenCommand::Revoke { handle }) => {
            let organizer = existing(&mut conn, &handle)?;
            let count = audit::recorded(
                &mut conn,
                None,
                Action::TokensRevoked,
                &organizer.id,
                |conn| Ok(organizers::revoke_api_tokens(conn, &organizer.id)?),
            )
            .map_err(crate::db::Error::into_anyhow)?;
            writeln!(out, "Revoked {count} API tokens of {}.", organizer.handle)?;
        }
        Command::Token(TokenCommand::Create { handle }) => {
            let organizer = existing(&mut conn, &handle)?;
            let token = SecretString::from(format!("{API_TOKEN_PREFIX}{}", new_token()));
            audit::recorded(
                &mut conn,
                None,
                Action::TokenCreated,
                &organizer.id,
                |conn| {
                    Ok(credentials::create_api_token(
                        conn,
                        &hash_token(token.expose_secret()),
                        &organizer.id,
                        Utc::now(),
                    )?)
                },
            )
            .map_err(crate::db::Error::into_anyhow)?;
            writeln!(
                out,
                "API token for {} (shown once; send it as Authorization: Bearer):",
                organizer.handle
            )?;
            writeln!(out, "{}", token.expose_secret())?;
        }
        Command::Backup { path } => {
            crate::db::backup::write(&mut conn, &settings.database(), &path)?;
            writeln!(out, "Wrote a backup of the database to {}.", path.display())?;
            writeln!(
                out,
                "Also keep a copy of the key file {}: without it the sealed emails in any backup cannot be read.",
                settings.data_dir.join(crate::privacy::keyfile::KEY_FILE_NAME).display()
            )?;
        }
        Command::Purge => {
            let mail_files = crate::mail::transport::folder_of(settings.mail_url.as_ref());
            let count = crate::privacy::purge::purge_now(
                &pool,
                settings.retention_hours,
                mail_files.as_ref(),
            )?
            .rsvps;
            writeln!(out, "Purged the personal fields of {count} RSVPs.")?;
        }
        Command::Demo => {
            let count = crate::demo::load(&mut conn, Utc::now())?;
            writeln!(out, "Loaded {count} sample events.")?;
        }
    }
    Ok(())
}
