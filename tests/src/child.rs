//! The server as a separate process, for tests that kill it mid-work and start it again on the
//! same database (the in-process `TestApp` cannot be killed like a real crash).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{postgres, Backend};

pub struct ChildServer {
    pub address: String,
    binary: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
    data_dir: PathBuf,
    database: Option<postgres::TestDatabase>,
    database_url: String,
}

impl ChildServer {
    /// Start `binary` (the test crate's `umbrella-server`) on a fresh database with `extra`
    /// settings; `None` only when PostgreSQL was left out by name.
    pub async fn start(binary: &str, backend: Backend, extra: &[&str]) -> Option<ChildServer> {
        crate::logs::capture();
        let crate::Storage {
            data_dir,
            database,
            database_url,
        } = crate::Storage::fresh(backend)?;
        let port = crate::free_port();
        let mut args = vec![
            "--bind".to_string(),
            format!("127.0.0.1:{port}"),
            "--data-dir".into(),
            data_dir.display().to_string(),
            "--database-url".into(),
            database_url.clone(),
            "--rate-limit-per-minute".into(),
            "0".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut server = ChildServer {
            address: format!("http://127.0.0.1:{port}"),
            binary: PathBuf::from(binary),
            args,
            child: None,
            data_dir,
            database,
            database_url,
        };
        server.spawn().await;
        Some(server)
    }

    async fn spawn(&mut self) {
        let child = Command::new(&self.binary)
            .args(&self.args)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the server process starts");
        self.child = Some(child);
        let client = reqwest::Client::new();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(response) = client.get(self.url("/healthz")).send().await {
                if response.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server process did not become ready");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// SIGKILL: no shutdown code runs, as in a crash or a power cut.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start again on the same database and data directory.
    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }

    /// Run an `umbrella` command (in this process) against the same database.
    pub async fn cli(&self, args: &[&str]) -> String {
        let mut full = vec!["umbrella".to_string()];
        full.extend(args.iter().map(|s| s.to_string()));
        full.extend(self.args.iter().cloned());
        tokio::task::spawn_blocking(move || {
            let cli = umbrella::config::Cli::from_args(&full).expect("arguments parse");
            let mut out = Vec::new();
            umbrella::cli::run(
                &cli.settings,
                cli.command.unwrap_or(umbrella::config::Command::Migrate),
                &mut out,
            )
            .expect("the command runs");
            String::from_utf8(out).expect("utf-8")
        })
        .await
        .expect("the command finishes")
    }

    /// A direct connection to this server's database, for reading what it stored.
    pub fn database(&self) -> umbrella::db::PooledConnection {
        let cli =
            umbrella::config::Cli::from_args(["umbrella", "--database-url", &self.database_url])
                .expect("arguments parse");
        umbrella::db::connect(&cli.settings.database(), None)
            .expect("database reachable")
            .get()
            .expect("a connection")
    }

    /// The data directory: the key file, and on SQLite the database.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// Run an `umbrella` command as a process of its own (the real binary, as an operator
    /// does) against the same database and data directory.
    pub fn run_binary(&self, args: &[&str]) -> std::process::Output {
        Command::new(&self.binary)
            .args(args)
            .args(&self.args)
            .output()
            .expect("the command runs")
    }

    /// A new organizer with an API token; returns the token.
    pub async fn organizer_token(&self) -> String {
        let handle = format!("org-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        self.cli(&["organizer", "create", &handle]).await;
        crate::last_line(&self.cli(&["token", "create", &handle]).await)
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
        if let Some(database) = self.database.take() {
            database.drop_now();
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}
