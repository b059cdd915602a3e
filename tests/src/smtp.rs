//! A real SMTP server for the mail tests: `smtp_sink.py` (Python's aiosmtpd) in its own process,
//! keeping each accepted message as a file; messages are read back with Python's `email`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::needs::{self, Need};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp_sink.py");

/// Settings that make a test server's outbox try a refused message again after 1 s and take back
/// a claim after 3 s, so that mail stories finish in seconds.
pub const QUICK_MAIL: [&str; 4] = ["--mail-retry-seconds", "1", "--mail-lease-seconds", "3"];

/// A test server that emails quickly through a new SMTP server, which refuses its first `refuse`
/// messages; `extra` settings go beside.
pub async fn serve_with_mail(
    backend: crate::Backend,
    refuse: usize,
    extra: &[&str],
) -> Option<(crate::TestApp, SmtpSink)> {
    let sink = SmtpSink::start(refuse)?;
    let url = sink.url();
    let mut args = vec!["--mail-url", url.as_str()];
    args.extend(QUICK_MAIL);
    args.extend(extra);
    let app = crate::TestApp::spawn_with(backend, &args).await?;
    Some((app, sink))
}

pub struct SmtpSink {
    pub port: u16,
    dir: PathBuf,
    hold_file: PathBuf,
    child: Child,
}

/// Fail the test unless Python's aiosmtpd is here.
fn require() {
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        needs::missing(Need::Smtp, "python3 cannot import aiosmtpd");
    }
}

impl SmtpSink {
    /// Start a server that answers the first `refuse` messages with 451; `None` only when SMTP
    /// was left out by name (`UMBRELLA_SKIP=smtp`).
    pub fn start(refuse: usize) -> Option<SmtpSink> {
        Self::start_with(refuse, 0)
    }

    /// As `start`, taking `delay_ms` over each message.
    pub fn start_with(refuse: usize, delay_ms: u64) -> Option<SmtpSink> {
        if needs::skip(Need::Smtp) {
            return None;
        }
        require();
        let dir =
            std::env::temp_dir().join(format!("umbrella-smtp-{}", uuid::Uuid::new_v4().simple()));
        let hold_file = dir.with_extension("hold");
        let mut child = Command::new("python3")
            .arg(SCRIPT)
            .arg(&dir)
            .args(["--refuse", &refuse.to_string()])
            .args(["--delay-ms", &delay_ms.to_string()])
            .arg("--hold-file")
            .arg(&hold_file)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the SMTP server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the SMTP server says where it listens");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line from the SMTP server: {line:?}"));
        Some(SmtpSink {
            port,
            dir,
            hold_file,
            child,
        })
    }

    /// The `--mail-url` for this server: plain SMTP, said on purpose (`?tls=none`), since this
    /// server offers no STARTTLS and the default requires it.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    /// The `--mail-url` with nothing said about TLS: the default, STARTTLS required.
    pub fn default_url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message accepted so far, oldest first, as raw bytes with its file path.
    pub fn files(&self) -> Vec<PathBuf> {
        eml_files(&self.dir)
    }

    /// Wait until at least `count` messages arrived (or `limit` passed); returns all of them.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<PathBuf> {
        let started = Instant::now();
        loop {
            let files = self.files();
            if files.len() >= count || started.elapsed() > limit {
                return files;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Wait until at least `count` messages arrived and the server at `base` has nothing left
    /// in its outbox (`umbrella_outbox_pending 0` on its `/metrics`, read with
    /// `metrics_token`): every message it queued was sent, given up or found no longer owed, so
    /// no further message can arrive unless something new is queued. Fails after `limit`.
    /// Returns every message that arrived.
    ///
    /// This is the positive signal that "nothing more comes": an outbox round records a
    /// message only after its send finished, and one worker runs its rounds one after another.
    pub async fn settled(
        &self,
        base: &str,
        metrics_token: &str,
        count: usize,
        limit: Duration,
    ) -> Vec<PathBuf> {
        let deadline = Instant::now() + limit;
        loop {
            let files = self.files();
            let pending = crate::outbox_pending(base, metrics_token).await;
            if files.len() >= count && pending == Some(0) {
                return files;
            }
            assert!(
                Instant::now() < deadline,
                "after {limit:?}: {} of {count} messages arrived, outbox pending {pending:?}",
                files.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// How many replies are being held right now (`hold`).
    fn held(&self) -> usize {
        std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "held"))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Wait until at least one reply is being held (`hold`): a message is mid-exchange.
    pub async fn wait_until_held(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.held() == 0 {
            assert!(
                Instant::now() < deadline,
                "no reply was held within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Wait until no reply is held: after the sender was killed, every message it had in the
    /// exchange has been let go (the sink drops a held message whose sender went away), so a
    /// `release` cannot keep one of them.
    pub async fn wait_until_none_held(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.held() > 0 {
            assert!(
                Instant::now() < deadline,
                "replies still held after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Every message parsed by Python's `email` (strict policy), oldest first.
    pub fn messages(&self) -> Vec<Value> {
        self.files().iter().map(read_message).collect()
    }

    /// Hold every reply until `release` (a message whose sender dies meanwhile is not kept).
    pub fn hold(&self) {
        std::fs::write(&self.hold_file, b"hold").expect("hold file written");
    }

    pub fn release(&self) {
        let _ = std::fs::remove_file(&self.hold_file);
    }
}

/// The `.eml` files in `dir` (not the hidden ones being written), in name order.
pub fn eml_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
                .filter(|path| {
                    !path
                        .file_name()
                        .is_some_and(|name| name.to_string_lossy().starts_with('.'))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Parse one stored message with Python's `email` package.
pub fn read_message(path: &PathBuf) -> Value {
    let out = Command::new("python3")
        .arg(SCRIPT)
        .arg("--read")
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the message {} does not parse: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the reader prints JSON")
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(&self.hold_file);
    }
}
