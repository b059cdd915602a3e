//! Settings: command-line flags with `UMBRELLA_*` environment fallbacks, parsed and checked once.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use clap::builder::TypedValueParser;
use clap::{Args, Parser, Subcommand};

/// `umbrella [SETTINGS] [COMMAND]`; settings may stand before or after the subcommand.
#[derive(Debug, Parser)]
#[command(
    name = "umbrella",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("UMBRELLA_COMMIT"), ")"),
    args_override_self = true,
    about = "Umbrella: pseudonymous event and direct-action coordination.",
    long_about = "Umbrella: pseudonymous event and direct-action coordination.\n\n\
        With no command it serves the web pages, the API and the background workers."
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// Parse a full argument list (the program name first), as the binary does.
    pub fn from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Cli::try_parse_from(args)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve pages, API and background workers (the default).
    Serve,
    /// Apply database migrations, then exit.
    Migrate,
    /// Manage organizer accounts.
    #[command(subcommand)]
    Organizer(OrganizerCommand),
    /// Manage organizer API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Load a handful of realistic sample events.
    Demo,
    /// Write a consistent copy of the database to PATH while the server runs (SQLite: a
    /// compact copy; PostgreSQL: a pg_dump archive). Back up the key file too.
    Backup {
        /// Where to write the copy; it must not exist yet.
        path: PathBuf,
    },
    /// Purge RSVP personal fields of events that ended more than --retention-hours ago.
    Purge,
}

#[derive(Debug, Subcommand)]
pub enum OrganizerCommand {
    /// Create an organizer and print a one-time password (alone on the last line).
    Create {
        /// The organizer's handle: 2 to 32 letters, digits, '.', '_' or '-'.
        handle: String,
        /// Let this organizer manage other organizers.
        #[arg(long)]
        admin: bool,
    },
    /// Disable an organizer: they are signed out everywhere, cannot sign in, and their API
    /// tokens stop working at once.
    Disable {
        /// The organizer's handle.
        handle: String,
    },
    /// Enable a disabled organizer again.
    Enable {
        /// The organizer's handle.
        handle: String,
    },
    /// Turn off an organizer's two-step sign-in, for one who lost both their phone and their
    /// recovery codes. Their password still applies.
    TotpOff {
        /// The organizer's handle.
        handle: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API bearer token for an organizer and print it once (alone on the last line).
    Create {
        /// The organizer's handle.
        handle: String,
    },
    /// Revoke every API token of an organizer.
    Revoke {
        /// The organizer's handle.
        handle: String,
    },
}

/// Every setting the server reads. Each one is a flag and an environment variable.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(
        long,
        env = "UMBRELLA_BIND",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind: SocketAddr,

    /// Database: `sqlite://PATH` or `postgres://USER@HOST/DB`. Default: a SQLite file in the data directory.
    #[arg(long, env = "UMBRELLA_DATABASE_URL", value_parser = parse_database_url, global = true)]
    pub database_url: Option<DatabaseUrl>,

    /// The most database connections this server opens at once (PostgreSQL adds one for the live relay's listener). Default: 8 on SQLite; on PostgreSQL twice this machine's cores, at least 2 and at most 16.
    #[arg(long, env = "UMBRELLA_DATABASE_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub database_connections: Option<u32>,

    /// Where email goes: `smtp://` (STARTTLS required unless `?tls=opportunistic` or `?tls=none`), `smtps://`, or `file:///PATH` (0600 files, for tests). Unset: this server sends no email and asks for none.
    #[arg(long, env = "UMBRELLA_MAIL_URL", value_parser = parse_mail_url, global = true)]
    pub mail_url: Option<MailUrl>,

    /// Sender of every email. Keep the display name neutral.
    #[arg(
        long,
        env = "UMBRELLA_MAIL_FROM",
        default_value = "Reminders <reminders@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Folder for the SQLite database and the secret key file. Created if missing.
    #[arg(
        long,
        env = "UMBRELLA_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// The address people use to reach this site, e.g. `https://events.example.org`. Default: from --bind.
    #[arg(long, env = "UMBRELLA_PUBLIC_URL", value_parser = parse_public_url, global = true)]
    pub public_url: Option<String>,

    /// The group's time zone (IANA name): times are shown in it and typed in it.
    #[arg(long, env = "UMBRELLA_TIMEZONE", default_value = "America/Chicago", value_parser = parse_timezone, global = true)]
    pub timezone: Tz,

    /// RSVPs and login attempts allowed per client per minute; 0 turns the limit off.
    #[arg(
        long,
        env = "UMBRELLA_RATE_LIMIT_PER_MINUTE",
        default_value_t = 30,
        global = true
    )]
    pub rate_limit_per_minute: u32,

    /// Reverse proxies whose `X-Forwarded-For` names the client (comma-separated addresses or
    /// CIDR ranges, e.g. `127.0.0.1,::1`). From anyone else the header is ignored.
    #[arg(long, env = "UMBRELLA_TRUSTED_PROXY", value_parser = crate::privacy::client_address::TrustedProxies::parse, default_value = "", hide_default_value = true, global = true)]
    pub trusted_proxy: crate::privacy::client_address::TrustedProxies,

    /// A bearer token that may read `/metrics` (as an organizer API token may), for Prometheus.
    /// At least 16 characters.
    #[arg(long, env = "UMBRELLA_METRICS_TOKEN", value_parser = MetricsToken::parse, hide_env_values = true, global = true)]
    pub metrics_token: Option<MetricsToken>,

    /// Websites that may show the event listing `/embed` in a frame (comma-separated origins,
    /// e.g. `https://our-group.org,https://www.our-group.org`). Unset: `/embed` answers `404`.
    #[arg(long, env = "UMBRELLA_EMBED_ORIGINS", value_parser = EmbedOrigins::parse, default_value = "", hide_default_value = true, global = true)]
    pub embed_origins: EmbedOrigins,

    /// Push services this server may deliver Web Push messages to (comma-separated host
    /// suffixes, e.g. `fcm.googleapis.com,push.services.mozilla.com`). Default: the major
    /// browsers' services. `127.0.0.1` allows a push service on this machine (tests only).
    #[arg(long, env = "UMBRELLA_PUSH_ENDPOINTS", value_parser = crate::domain::push::PushServices::parse, global = true)]
    pub push_endpoints: Option<crate::domain::push::PushServices>,

    /// The name a phone shows for the site once it is added to the home screen (the web app
    /// manifest), and above its alerts. Keep it neutral.
    #[arg(
        long,
        env = "UMBRELLA_APP_NAME",
        default_value = "Reminders",
        value_parser = parse_app_name,
        global = true
    )]
    pub app_name: String,

    /// Hours after an event ends before RSVP personal fields are purged.
    #[arg(
        long,
        env = "UMBRELLA_RETENTION_HOURS",
        default_value_t = 48,
        global = true
    )]
    pub retention_hours: u32,

    /// Seconds before the first retry of a message that could not be sent (it doubles after
    /// each further failure, up to an hour). Tests shorten it.
    #[arg(long, env = "UMBRELLA_MAIL_RETRY_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600), global = true, hide = true)]
    pub mail_retry_seconds: u64,

    /// Seconds a worker's claim on a message holds before another worker may take it over
    /// (after a crash). Longer than any SMTP exchange. Tests shorten it.
    #[arg(long, env = "UMBRELLA_MAIL_LEASE_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400), global = true, hide = true)]
    pub mail_lease_seconds: u64,

    /// Updates buffered per event for its live followers; a follower that falls further behind
    /// is told to resync. Tests shrink it.
    #[arg(long, env = "UMBRELLA_LIVE_BUFFER", default_value_t = FOLLOWER_BUFFER, value_parser = clap::value_parser!(u64).range(1..=65_536).map(|n| n as usize), global = true, hide = true)]
    pub live_buffer: usize,

    /// Seconds between the server's pings to a live follower. Tests shorten it.
    #[arg(long, env = "UMBRELLA_LIVE_HEARTBEAT_SECONDS", default_value_t = HEARTBEAT_INTERVAL.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600), global = true, hide = true)]
    pub live_heartbeat_seconds: u64,

    /// Seconds a live follower may stay silent (no pong, no frame) or leave a message unread
    /// before it is disconnected. Tests shorten it.
    #[arg(long, env = "UMBRELLA_LIVE_CLIENT_TIMEOUT_SECONDS", default_value_t = CLIENT_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600), global = true, hide = true)]
    pub live_client_timeout_seconds: u64,

    /// Seconds between checks that a live organizer's session or token still holds (changes
    /// made on this server, or on any instance on PostgreSQL, apply at once). Tests shorten it.
    #[arg(long, env = "UMBRELLA_LIVE_RECHECK_SECONDS", default_value_t = CREDENTIAL_RECHECK.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600), global = true, hide = true)]
    pub live_recheck_seconds: u64,
}

impl Settings {
    /// The database to use: the configured one, or `umbrella.db` in the data directory.
    pub fn database(&self) -> DatabaseUrl {
        self.database_url
            .clone()
            .unwrap_or_else(|| DatabaseUrl::Sqlite(self.data_dir.join("umbrella.db")))
    }

    /// The site's public base URL without a trailing slash.
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.clone(),
            None => format!("http://{}", self.bind),
        }
    }

    /// When the outbox retries and how long its claims hold.
    pub fn mail_timing(&self) -> MailTiming {
        MailTiming {
            retry_base: Duration::from_secs(self.mail_retry_seconds),
            lease: Duration::from_secs(self.mail_lease_seconds),
        }
    }

    /// How the live websocket keeps time: heartbeat, client timeout, credential re-checks.
    pub fn live_timing(&self) -> LiveTiming {
        LiveTiming {
            heartbeat: Duration::from_secs(self.live_heartbeat_seconds),
            client_timeout: Duration::from_secs(self.live_client_timeout_seconds),
            recheck: Duration::from_secs(self.live_recheck_seconds),
        }
    }

    /// The push services a subscription's endpoint must belong to (`--push-endpoints`).
    pub fn push_services(&self) -> crate::domain::push::PushServices {
        self.push_endpoints.clone().unwrap_or_default()
    }

    /// Whether the public URL is https, so cookies must be `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_base().starts_with("https://")
    }
}

/// Updates buffered per event for its live followers (the default of `--live-buffer`).
pub const FOLLOWER_BUFFER: usize = 256;
/// How often the server pings a live follower (the default of the hidden
/// `--live-heartbeat-seconds`).
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(15);
/// A live follower silent this long, or leaving a message unread this long, is disconnected
/// (the default of the hidden `--live-client-timeout-seconds`).
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(45);
/// How often a live organizer's credentials are checked again even when no change was announced
/// (e.g. a session that expired, or a change made by the command line on SQLite).
pub const CREDENTIAL_RECHECK: Duration = Duration::from_secs(60);

/// A live connection's clock, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct LiveTiming {
    pub heartbeat: Duration,
    pub client_timeout: Duration,
    pub recheck: Duration,
}

/// Timing of the outbox's retries and claims (`--mail-retry-seconds`, `--mail-lease-seconds`);
/// tests shorten both.
#[derive(Debug, Clone, Copy)]
pub struct MailTiming {
    /// The wait after the first failure; it doubles after each further one.
    pub retry_base: Duration,
    /// How long a claim holds before another worker may take the message over.
    pub lease: Duration,
}

/// The `--metrics-token` value. It never prints, and is compared in constant time.
#[derive(Clone, Debug)]
pub struct MetricsToken(secrecy::SecretString);

impl MetricsToken {
    const MIN_CHARS: usize = 16;

    fn parse(raw: &str) -> Result<Self, String> {
        let token = raw.trim();
        if token.chars().count() < Self::MIN_CHARS {
            return Err(format!(
                "a metrics token is at least {} characters",
                Self::MIN_CHARS
            ));
        }
        Ok(MetricsToken(token.into()))
    }

    /// Whether `presented` is this token, taking as long wherever they differ.
    pub fn matches(&self, presented: &str) -> bool {
        use sha2::{Digest, Sha256};
        use subtle::ConstantTimeEq;
        // Hashing first makes the comparison's length fixed too.
        let (ours, theirs) = (
            Sha256::digest(secrecy::ExposeSecret::expose_secret(&self.0).as_bytes()),
            Sha256::digest(presented.as_bytes()),
        );
        ours.ct_eq(&theirs).into()
    }
}

/// The origins allowed to frame `/embed` (`--embed-origins`), each an `http(s)://host[:port]`
/// origin as browsers write it, so the list goes into `frame-ancestors` as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmbedOrigins(Vec<String>);

impl EmbedOrigins {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut origins: Vec<String> = Vec::new();
        for item in raw
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let origin = Self::origin(item)?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        Ok(EmbedOrigins(origins))
    }

    /// One origin: a scheme and a host, nothing after them but an optional `/`.
    fn origin(item: &str) -> Result<String, String> {
        let refuse =
            |why: &str| format!("{item:?} is not an origin such as https://example.org: {why}");
        let url = url::Url::parse(item).map_err(|error| refuse(&error.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(refuse("use http:// or https://"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(refuse("it has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("it carries a user name or password"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(refuse(
                "give the origin alone, without a path, query or fragment",
            ));
        }
        Ok(url.origin().ascii_serialization())
    }

    /// Whether any website may frame the listing (else `/embed` is `404`).
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    pub fn origins(&self) -> &[String] {
        &self.0
    }
}

/// Which database, decided by the URL scheme.
#[derive(Clone, Debug)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    /// It may carry a password, so it never prints.
    Postgres(secrecy::SecretString),
}

impl DatabaseUrl {
    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }

    /// The PostgreSQL URL itself, for what connects with it (never for printing).
    pub fn postgres_url(&self) -> Option<&str> {
        match self {
            DatabaseUrl::Postgres(url) => Some(secrecy::ExposeSecret::expose_secret(url)),
            DatabaseUrl::Sqlite(_) => None,
        }
    }
}

fn parse_database_url(raw: &str) -> Result<DatabaseUrl, String> {
    let raw = raw.trim();
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        return Ok(DatabaseUrl::Postgres(raw.into()));
    }
    let path = raw
        .strip_prefix("sqlite://")
        .or_else(|| raw.strip_prefix("sqlite:"))
        .ok_or("expected sqlite://PATH or postgres://…")?;
    if path.is_empty() {
        return Err("the SQLite path is empty".into());
    }
    Ok(DatabaseUrl::Sqlite(PathBuf::from(path)))
}

/// The `--mail-url` setting, checked.
#[derive(Clone, Debug)]
pub enum MailUrl {
    /// Write each message as a `.eml` file into this folder.
    Folder(PathBuf),
    /// An SMTP URL as lettre reads it (`?tls=required` added when the URL says nothing). It may
    /// carry a password, so it never prints.
    Smtp(secrecy::SecretString),
}

/// Read `--mail-url`: `file:///PATH`, `smtp://[USER:PASS@]HOST[:PORT][?tls=required|opportunistic|none]`
/// or `smtps://[USER:PASS@]HOST[:PORT]`.
pub fn parse_mail_url(raw: &str) -> Result<MailUrl, String> {
    let raw = raw.trim();
    if let Some(path) = raw.strip_prefix("file://") {
        if path.is_empty() {
            return Err("the folder after file:// is empty".into());
        }
        return Ok(MailUrl::Folder(PathBuf::from(path)));
    }
    let mut url = url::Url::parse(raw).map_err(|error| format!("not a URL: {error}"))?;
    match url.scheme() {
        "smtp" => {
            let tls = url
                .query_pairs()
                .find(|(key, _)| key == "tls")
                .map(|(_, value)| value.into_owned());
            match tls.as_deref() {
                // The default: STARTTLS or nothing. Falling back to plain text when the server
                // does not offer it would let anyone on the path strip it and read the mail.
                None => {
                    url.query_pairs_mut().append_pair("tls", "required");
                }
                Some("required" | "opportunistic") => {}
                // Plain text, e.g. to a relay on the same machine.
                Some("none") => url.set_query(None),
                Some(other) => {
                    return Err(format!(
                        "tls={other} is not understood (use required, opportunistic or none)"
                    ))
                }
            }
        }
        "smtps" => {}
        other => {
            return Err(format!(
                "{other}:// is not a mail URL (use file:///PATH, smtp://… or smtps://…)"
            ))
        }
    }
    let url = url.to_string();
    lettre::transport::smtp::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&url)
        .map_err(|error| format!("the SMTP URL is not usable: {error}"))?;
    Ok(MailUrl::Smtp(url.into()))
}

fn parse_public_url(raw: &str) -> Result<String, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or("expected an http:// or https:// address")?;
    if rest.is_empty() || rest.contains(char::is_whitespace) {
        return Err("expected a host after the scheme".into());
    }
    Ok(trimmed.to_string())
}

/// `--app-name`: 1 to 40 characters, no control character.
fn parse_app_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
        return Err("a name of 1 to 40 characters, without control characters".into());
    }
    Ok(name.to_string())
}

fn parse_timezone(raw: &str) -> Result<Tz, String> {
    raw.trim()
        .parse::<Tz>()
        .map_err(|_| "not an IANA time zone name such as America/Chicago".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("umbrella").chain(args.iter().copied()))
    }

    #[test]
    fn settings_go_before_or_after_the_subcommand() {
        let before = parse(&["--bind", "127.0.0.1:9000", "migrate"]).expect("parses");
        let after = parse(&["migrate", "--bind", "127.0.0.1:9000"]).expect("parses");
        assert_eq!(before.settings.bind, after.settings.bind);
        assert!(matches!(after.command, Some(Command::Migrate)));
    }

    #[test]
    fn database_url_picks_the_backend_by_scheme() {
        assert!(matches!(
            parse_database_url("sqlite://data/x.db"),
            Ok(DatabaseUrl::Sqlite(path)) if path == std::path::Path::new("data/x.db")
        ));
        assert!(matches!(
            parse_database_url("postgres://postgres@127.0.0.1/umbrella"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        assert!(parse_database_url("mysql://x").is_err());
    }

    #[test]
    fn database_connections_are_at_least_one() {
        assert_eq!(
            parse(&["--database-connections", "3"])
                .expect("parses")
                .settings
                .database_connections,
            Some(3)
        );
        assert_eq!(
            parse(&[]).expect("parses").settings.database_connections,
            None
        );
        for refused in ["0", "1001", "many"] {
            let error = parse(&["--database-connections", refused])
                .expect_err("rejected")
                .to_string();
            assert!(
                error.contains("--database-connections"),
                "{refused}: {error}"
            );
        }
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let error = parse(&["--timezone", "Mars/Olympus"])
            .expect_err("rejected")
            .to_string();
        assert!(error.contains("--timezone"), "{error}");
        let error = parse(&["--bind", "nowhere"])
            .expect_err("rejected")
            .to_string();
        assert!(error.contains("--bind"), "{error}");
    }

    #[test]
    fn the_metrics_token_never_prints_and_matches_only_itself() {
        let cli = parse(&["--metrics-token", "scrape-me-please-1234"]).expect("parses");
        assert!(!format!("{:?}", cli.settings).contains("scrape-me"));
        let token = cli.settings.metrics_token.expect("set");
        assert!(token.matches("scrape-me-please-1234"));
        assert!(!token.matches("scrape-me-please-123"));
        assert!(!token.matches(""));
        let error = parse(&["--metrics-token", "short"])
            .expect_err("too short")
            .to_string();
        assert!(error.contains("--metrics-token"), "{error}");
    }

    #[test]
    fn trusted_proxies_are_a_list_and_bad_ones_name_the_setting() {
        let cli = parse(&["--trusted-proxy", "127.0.0.1, ::1,10.0.0.0/8"]).expect("parses");
        assert!(cli
            .settings
            .trusted_proxy
            .contains("10.1.2.3".parse().expect("ip")));
        let none = parse(&[]).expect("parses");
        assert!(!none
            .settings
            .trusted_proxy
            .contains("127.0.0.1".parse().expect("ip")));
        let error = parse(&["--trusted-proxy", "proxy.local"])
            .expect_err("refused")
            .to_string();
        assert!(error.contains("--trusted-proxy"), "{error}");
    }

    #[test]
    fn embed_origins_are_origins_only() {
        let none = parse(&[]).expect("parses");
        assert!(!none.settings.embed_origins.any(), "none by default");
        let cli = parse(&[
            "--embed-origins",
            "https://Our-Group.org/, http://localhost:8000 ,https://our-group.org",
        ])
        .expect("parses");
        assert_eq!(
            cli.settings.embed_origins.origins(),
            ["https://our-group.org", "http://localhost:8000"],
            "as browsers write them, once each"
        );
        for bad in [
            "*",
            "'self'",
            "our-group.org",
            "ftp://our-group.org",
            "https://our-group.org/events",
            "https://our-group.org?x=1",
            "https://me:pw@our-group.org",
            "https://our-group.org; script-src *",
        ] {
            let error = parse(&["--embed-origins", bad]).expect_err(bad).to_string();
            assert!(error.contains("--embed-origins"), "{bad}: {error}");
        }
    }

    #[test]
    fn push_services_default_to_the_browsers_and_take_a_list() {
        let none = parse(&[]).expect("parses");
        assert_eq!(
            none.settings.push_services(),
            crate::domain::push::PushServices::default()
        );
        let local = parse(&["--push-endpoints", "127.0.0.1"]).expect("parses");
        assert!(local.settings.push_services().allows_loopback());
        let error = parse(&["--push-endpoints", "10.0.0.1"])
            .expect_err("an address is not a push service")
            .to_string();
        assert!(error.contains("--push-endpoints"), "{error}");
        assert_eq!(none.settings.app_name, "Reminders");
        assert!(parse(&["--app-name", ""]).is_err());
    }

    #[test]
    fn postgres_passwords_never_print() {
        let url = parse_database_url("postgres://me:hunter2@db/x").expect("parses");
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn reads_each_kind_of_mail_url() {
        assert!(matches!(
            parse_mail_url("file:///var/mail/out"),
            Ok(MailUrl::Folder(path)) if path == std::path::Path::new("/var/mail/out")
        ));
        let MailUrl::Smtp(plain) =
            parse_mail_url("smtp://user:pw@mail.example.org:587").expect("smtp")
        else {
            panic!("not smtp")
        };
        let plain = secrecy::ExposeSecret::expose_secret(&plain).to_string();
        assert!(
            plain.ends_with("?tls=required"),
            "STARTTLS by default: {plain}"
        );
        let MailUrl::Smtp(opportunistic) =
            parse_mail_url("smtp://mail.example.org?tls=opportunistic").expect("smtp")
        else {
            panic!("not smtp")
        };
        let opportunistic = secrecy::ExposeSecret::expose_secret(&opportunistic).to_string();
        assert!(
            opportunistic.ends_with("?tls=opportunistic"),
            "{opportunistic}"
        );
        let MailUrl::Smtp(required) =
            parse_mail_url("smtp://mail.example.org?tls=required").expect("smtp")
        else {
            panic!("not smtp")
        };
        let required = secrecy::ExposeSecret::expose_secret(&required).to_string();
        assert!(required.ends_with("?tls=required"), "{required}");
        let MailUrl::Smtp(none) = parse_mail_url("smtp://127.0.0.1:2525?tls=none").expect("smtp")
        else {
            panic!("not smtp")
        };
        let none = secrecy::ExposeSecret::expose_secret(&none).to_string();
        assert!(!none.contains("tls"), "{none}");
        assert!(parse_mail_url("smtps://mail.example.org").is_ok());
    }

    #[test]
    fn refuses_broken_mail_urls_and_hides_passwords() {
        assert!(parse_mail_url("ftp://mail.example.org").is_err());
        assert!(parse_mail_url("file://").is_err());
        assert!(parse_mail_url("smtp://mail.example.org?tls=maybe").is_err());
        assert!(parse_mail_url("smtp://").is_err());
        let url = parse_mail_url("smtp://user:secret@mail.example.org").expect("smtp");
        assert!(!format!("{url:?}").contains("secret"));
    }
}
