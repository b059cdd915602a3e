//! Shared helpers for the end-to-end tests: `TestApp` starts the real server on a random port
//! with a fresh database (a SQLite file, or a PostgreSQL database of its own), and offers typed
//! helpers so the tests read like the stories they check.

pub mod browser;
pub mod child;
pub mod devtools;
pub mod load;
pub mod logs;
pub mod needs;
pub mod postgres;
pub mod push_service;
pub mod qr;
pub mod smtp;
pub mod stamped;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use rand::Rng;
use reqwest::{Client, Response};
use serde_json::{json, Value};
use umbrella::config::{Cli, Command, Settings};
use umbrella::startup::Application;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh data directory and database for one server: a SQLite file in the directory, or a
/// PostgreSQL database of its own (`None` only when PostgreSQL was left out by name).
pub struct Storage {
    pub data_dir: PathBuf,
    pub database: Option<postgres::TestDatabase>,
    pub database_url: String,
}

impl Storage {
    pub fn fresh(backend: Backend) -> Option<Storage> {
        let data_dir =
            std::env::temp_dir().join(format!("umbrella-test-{}", uuid::Uuid::new_v4().simple()));
        let database = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(postgres::TestDatabase::create()?),
        };
        let database_url = match &database {
            Some(db) => db.url.clone(),
            None => format!("sqlite://{}", data_dir.join("umbrella.db").display()),
        };
        Some(Storage {
            data_dir,
            database,
            database_url,
        })
    }
}

/// Settings for a server that writes its email into `<data dir>/mail` (`file://`), for stories
/// that leave an address: with no mail URL the server takes none.
pub const MAIL_FILES: [&str; 2] = ["--mail-url", "file://{data_dir}/mail"];

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub backend: Backend,
    pub address: String,
    pub data_dir: PathBuf,
    pub settings: Settings,
    /// The loopback address this test's clients connect from, so logs can be searched for it.
    pub client_ip: IpAddr,
    /// The `--metrics-token` this server was started with (`metrics()` reads with it).
    pub metrics_token: String,
    handle: ServerHandle,
    database: Option<postgres::TestDatabase>,
}

impl TestApp {
    /// Start a server on `backend`; `None` only when its database was left out by name
    /// (`UMBRELLA_SKIP=postgres`).
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, &[]).await
    }

    /// Start a server with extra settings, e.g. `["--rate-limit-per-minute", "3"]`; `{data_dir}`
    /// in a setting stands for this server's fresh data directory (see `MAIL_FILES`).
    pub async fn spawn_with(backend: Backend, extra: &[&str]) -> Option<TestApp> {
        logs::capture();
        let Storage {
            data_dir,
            database,
            database_url,
        } = Storage::fresh(backend)?;
        let metrics_token = format!("metrics-{}", uuid::Uuid::new_v4().simple());
        let mut args = vec![
            "umbrella".to_string(),
            "--metrics-token".into(),
            metrics_token.clone(),
            "--bind".into(),
            "127.0.0.1:0".into(),
            "--data-dir".into(),
            data_dir.display().to_string(),
            "--database-url".into(),
            database_url,
            "--rate-limit-per-minute".into(),
            "0".into(),
        ];
        let data_dir_text = data_dir.display().to_string();
        args.extend(
            extra
                .iter()
                .map(|s| s.replace("{data_dir}", &data_dir_text)),
        );
        let settings = Cli::from_args(&args).expect("test settings parse").settings;
        let application = Application::build(settings.clone())
            .await
            .expect("the server starts");
        let port = application.port();
        let handle = application.handle();
        tokio::spawn(application.run_until_stopped());
        let mut rng = rand::rng();
        let client_ip = IpAddr::V4(Ipv4Addr::new(
            127,
            rng.random_range(1..=254),
            rng.random_range(1..=254),
            rng.random_range(2..=254),
        ));
        Some(TestApp {
            backend,
            address: format!("http://127.0.0.1:{port}"),
            data_dir,
            settings,
            client_ip,
            metrics_token,
            handle,
            database,
        })
    }

    /// Stop the server as SIGTERM does: no new connections, and open ones get the shutdown
    /// grace to finish. Returns when it has stopped.
    pub async fn stop_gracefully(&self) {
        self.handle.stop(true).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A browser-like client: keeps cookies, does not follow redirects, connects from `client_ip`.
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .local_address(self.client_ip)
            .build()
            .expect("client builds")
    }

    /// A plain client with no cookies, connecting from `client_ip`.
    pub fn client(&self) -> Client {
        Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(self.client_ip)
            .build()
            .expect("client builds")
    }

    /// Run an `umbrella` command against this server's settings and return what it printed.
    pub async fn cli(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut full = vec!["umbrella".to_string()];
        full.extend(args.iter().map(|s| s.to_string()));
        full.extend([
            "--data-dir".to_string(),
            self.settings.data_dir.display().to_string(),
            "--database-url".to_string(),
            match self.settings.database() {
                umbrella::config::DatabaseUrl::Sqlite(path) => {
                    format!("sqlite://{}", path.display())
                }
                umbrella::config::DatabaseUrl::Postgres(_) => self
                    .settings
                    .database()
                    .postgres_url()
                    .unwrap_or_default()
                    .to_string(),
            },
        ]);
        tokio::task::spawn_blocking(move || {
            let cli = Cli::from_args(&full)?;
            let mut out = Vec::new();
            umbrella::cli::run(
                &cli.settings,
                cli.command.unwrap_or(Command::Migrate),
                &mut out,
            )?;
            Ok(String::from_utf8(out)?)
        })
        .await?
    }

    /// `umbrella organizer create HANDLE`: returns the one-time password.
    pub async fn create_organizer(&self, handle: &str) -> String {
        let out = self
            .cli(&["organizer", "create", handle])
            .await
            .expect("organizer created");
        last_line(&out)
    }

    /// A new organizer with an API token; returns the token.
    pub async fn organizer_token(&self) -> String {
        let handle = format!("org-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        self.create_organizer(&handle).await;
        let out = self
            .cli(&["token", "create", &handle])
            .await
            .expect("token created");
        last_line(&out)
    }

    /// `umbrella organizer create HANDLE --admin`: returns the one-time password.
    pub async fn create_admin(&self, handle: &str) -> String {
        let out = self
            .cli(&["organizer", "create", handle, "--admin"])
            .await
            .expect("admin created");
        last_line(&out)
    }

    /// `umbrella token create HANDLE`: returns the token.
    pub async fn token_for(&self, handle: &str) -> String {
        let out = self
            .cli(&["token", "create", handle])
            .await
            .expect("token created");
        last_line(&out)
    }

    /// Sign in through the login form and choose a new password; returns the signed-in browser.
    pub async fn signed_in_browser(&self, handle: &str) -> Client {
        let one_time = self.create_organizer(handle).await;
        self.first_sign_in(handle, &one_time).await
    }

    /// `signed_in_browser` for a new admin.
    pub async fn signed_in_admin(&self, handle: &str) -> Client {
        let one_time = self.create_admin(handle).await;
        self.first_sign_in(handle, &one_time).await
    }

    /// The password `signed_in_browser` and `signed_in_admin` choose.
    pub const PASSWORD: &'static str = "a long and private passphrase";

    async fn first_sign_in(&self, handle: &str, one_time: &str) -> Client {
        let browser = self.browser();
        let response = self
            .post_form(
                &browser,
                "/organize/login",
                &[("handle", handle), ("password", one_time)],
            )
            .await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), "/organize/password");
        let new_password = Self::PASSWORD;
        let response = self
            .post_form(
                &browser,
                "/organize/password",
                &[
                    ("current", one_time),
                    ("password", new_password),
                    ("confirm", new_password),
                ],
            )
            .await;
        assert_eq!(response.status(), 303, "password accepted");
        browser
    }

    /// Post a form as the site's own page would (same-origin).
    pub async fn post_form(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        client
            .post(self.url(path))
            .header("Sec-Fetch-Site", "same-origin")
            .form(fields)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(&self.client(), path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// `GET /metrics` as Prometheus reads it, with the metrics token.
    pub async fn metrics(&self) -> (u16, String) {
        let response = self
            .client()
            .get(self.url("/metrics"))
            .bearer_auth(&self.metrics_token)
            .send()
            .await
            .expect("request sent");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.client().get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Send JSON with a bearer token and return the status and JSON answer.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> (u16, Value) {
        let mut request = self.client().request(method, self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// RSVP to an event through the API; panics unless it is created. Returns the manage token.
    pub async fn rsvp_api(&self, event_id: &str, body: Value) -> String {
        let (status, answer) = self
            .send_json(
                reqwest::Method::POST,
                &format!("/api/v1/events/{event_id}/rsvps"),
                None,
                &body,
            )
            .await;
        assert_eq!(status, 201, "{answer}");
        answer["token"].as_str().expect("token").to_string()
    }

    /// Create an event through the API; panics unless it is created.
    pub async fn create_event(&self, token: &str, fields: Value) -> Value {
        let (status, body) = self
            .send_json(
                reqwest::Method::POST,
                "/api/v1/events",
                Some(token),
                &fields,
            )
            .await;
        assert_eq!(status, 201, "event created: {body}");
        body
    }

    /// The `.eml` files a `MAIL_FILES` server has written, oldest name first.
    pub fn mail_files(&self) -> Vec<PathBuf> {
        smtp::eml_files(&self.data_dir.join("mail"))
    }

    /// Move an event so that it ended two hours ago (written straight to the database: the
    /// API refuses times in the past), e.g. to let the purge take its RSVPs.
    pub fn end_event(&self, event_id: &str) {
        use diesel::prelude::*;
        use umbrella::db::schema::events;
        let ended = (chrono::Utc::now() - chrono::Duration::hours(3)).naive_utc();
        diesel::update(events::table.find(event_id))
            .set((
                events::starts_at.eq(ended),
                events::ends_at.eq(ended + chrono::Duration::hours(1)),
            ))
            .execute(&mut self.database())
            .expect("event moved into the past");
    }

    /// The raw bytes a seized server would give up: the SQLite files, or a dump of PostgreSQL.
    pub fn raw_database(&self) -> Vec<u8> {
        match self.backend {
            Backend::Sqlite => ["umbrella.db", "umbrella.db-wal", "umbrella.db-shm"]
                .iter()
                .filter_map(|name| std::fs::read(self.data_dir.join(name)).ok())
                .flatten()
                .collect(),
            Backend::Postgres => {
                let database = self.settings.database();
                let url = database
                    .postgres_url()
                    .unwrap_or_else(|| panic!("expected PostgreSQL, got {database:?}"))
                    .to_string();
                let dump = std::process::Command::new("pg_dump")
                    .arg(&url)
                    .output()
                    .expect("pg_dump runs");
                assert!(
                    dump.status.success(),
                    "pg_dump: {}",
                    String::from_utf8_lossy(&dump.stderr)
                );
                dump.stdout
            }
        }
    }

    /// A direct connection to this server's database, for reading what it stored.
    pub fn database(&self) -> umbrella::db::PooledConnection {
        umbrella::db::connect(&self.settings.database(), None)
            .expect("database reachable")
            .get()
            .expect("a connection")
    }

    /// Every event an organizer can list (listed and unlisted, upcoming).
    pub async fn all_event_ids(&self, token: &str) -> Vec<String> {
        let (status, body) = self.get_json("/api/v1/events?limit=200", Some(token)).await;
        assert_eq!(status, 200);
        body["events"]
            .as_array()
            .map(|events| {
                events
                    .iter()
                    .map(|e| e["id"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { handle.stop(false).await });
        }
        if let Some(database) = self.database.take() {
            database.drop_now();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// `umbrella_outbox_pending` from the `/metrics` of the server at `base` (counted in the
/// database at each read, so it is the same for every instance on one database); `None` when
/// it cannot be read.
pub async fn outbox_pending(base: &str, metrics_token: &str) -> Option<i64> {
    let response = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(metrics_token)
        .send()
        .await
        .ok()?;
    let text = response.text().await.ok()?;
    metric(&text, "umbrella_outbox_pending")
}

/// The value of one series (its name with any labels, e.g. `umbrella_mail_sent_total{kind="cancelled"}`)
/// in a Prometheus text exposition; `None` when it is not there.
pub fn metric(exposition: &str, series: &str) -> Option<i64> {
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

/// A realistic event starting `days` from now, as API JSON; `extra` fields override.
pub fn event_fields(title: &str, days: i64, extra: Value) -> Value {
    let starts = chrono::Utc::now() + chrono::Duration::days(days);
    let mut fields = json!({
        "title": title,
        "kind": "workshop",
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
        "location": "Community room, 12 Main St",
        "description": "Bring questions.",
        "tags": ["legal"],
    });
    if let (Some(base), Some(extra)) = (fields.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    fields
}

/// Whether `needle` occurs anywhere in `haystack` (raw database bytes).
/// The code an authenticator app shows for the base32 `secret`, `offset` seconds from now.
pub fn totp_code_at(secret: &str, offset: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret).expect("base32 secret");
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("a TOTP");
    let at = chrono::Utc::now().timestamp() + offset;
    totp.generate(u64::try_from(at).expect("after 1970"))
        .to_string()
}

/// A free port below Linux's ephemeral range (32768 and up by default). A port the kernel hands
/// out for `:0` could be handed again, to another test's server binding `:0`, between this check
/// and the child's own bind; then the child fails to start and another server answers for it.
pub(crate) fn free_port() -> u16 {
    for _ in 0..1000 {
        let port = 20_000 + (uuid::Uuid::new_v4().as_u128() % 12_000) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port between 20000 and 32000");
}

pub fn bytes_contain(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

pub fn last_line(text: &str) -> String {
    text.lines().last().unwrap_or_default().trim().to_string()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// Run a story on both databases: `on_both_databases!(story_name);` makes
/// `story_name::sqlite` and `story_name::postgres`, each calling `story_name(app)`.
/// `on_both_databases!(with ["--flag", "value"] => story_name);` starts the servers with extra
/// settings (e.g. the hidden test-only timings).
#[macro_export]
macro_rules! on_both_databases {
    (with $extra:expr => $($story:ident),+ $(,)?) => {$(
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::TestApp::spawn_with($crate::Backend::Sqlite, &$extra).await {
                    super::$story(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::TestApp::spawn_with($crate::Backend::Postgres, &$extra).await {
                    super::$story(app).await;
                }
            }
        }
    )+};
    ($($story:ident),+ $(,)?) => {$(
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::TestApp::spawn($crate::Backend::Sqlite).await {
                    super::$story(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::TestApp::spawn($crate::Backend::Postgres).await {
                    super::$story(app).await;
                }
            }
        }
    )+};
}

/// Run `script` (beside this crate's manifest) with python3 on `bytes`; its JSON answer. Fails
/// the test when `module` cannot be imported (unless `need` was left out by name: `None`) or
/// when the script exits non-zero (the input did not parse).
fn python_check(script: &str, module: &str, need: needs::Need, bytes: &[u8]) -> Option<Value> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    if needs::skip(need) {
        return None;
    }
    let available = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|out| out.status.success());
    if !available {
        needs::missing(need, &format!("python3 cannot import {module}"));
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("written");
    let out = child.wait_with_output().expect("finished");
    assert!(
        out.status.success(),
        "{module} could not read it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("the checker prints JSON"))
}

/// Read an Atom feed with the independent Python `feedparser` package (`feed_check.py`).
/// `None` only when the feed parser was left out by name (`UMBRELLA_SKIP=feed`).
pub fn parse_feed(bytes: &[u8]) -> Option<Value> {
    python_check("feed_check.py", "feedparser", needs::Need::Feed, bytes)
}

/// Parse iCalendar bytes with the independent Python `icalendar` package (`calendar_check.py`).
/// `None` only when the calendar parser was left out by name (`UMBRELLA_SKIP=calendar`); the
/// test fails when it is missing.
pub fn parse_calendar(bytes: &[u8]) -> Option<Value> {
    python_check(
        "calendar_check.py",
        "icalendar",
        needs::Need::Calendar,
        bytes,
    )
}
