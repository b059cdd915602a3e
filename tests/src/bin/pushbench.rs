//! Web Push benchmark: N phones subscribed to one action, one update posted, and the time until
//! every push was encrypted (each for its own phone) and handed to a push service double on this
//! machine. Starts its own server (`umbrella-server`, beside this binary) on a fresh SQLite
//! database, or on `BENCH_DATABASE_URL`; reports the server's CPU time and memory.
//!
//! `pushbench [SUBSCRIBERS]` (default 10000)

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{json, Value};
use umbrella_tests::push_service::PushService;

/// Requests in flight while seeding.
const SEEDING: usize = 32;
/// How long the pushes may take before the run is called a failure.
const DEADLINE: Duration = Duration::from_secs(120);

struct Server {
    child: Child,
    base: String,
    args: Vec<String>,
    binary: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn cli(&self, extra: &[&str]) -> anyhow::Result<String> {
        let out = Command::new(&self.binary)
            .args(extra)
            .args(&self.args)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8(out.stdout)?
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_string())
    }
}

/// CPU seconds (user + system) the process has used, and its resident and peak memory in KiB.
fn usage(pid: u32) -> Option<(f64, u64, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse().ok())
    };
    Some((ticks / 100.0, field("VmRSS:")?, field("VmHWM:")?))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let subscribers: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let binary = std::env::current_exe()?
        .parent()
        .ok_or_else(|| anyhow::anyhow!("no folder"))?
        .join("umbrella-server");
    let data_dir = std::env::temp_dir().join(format!("pushbench-{}", uuid::Uuid::new_v4()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut args = vec![
        "--data-dir".to_string(),
        data_dir.display().to_string(),
        "--push-endpoints".into(),
        "127.0.0.1".into(),
        "--rate-limit-per-minute".into(),
        "0".into(),
    ];
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
        args.extend(["--database-url".to_string(), url]);
    }
    let child = Command::new(&binary)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(&args)
        .env("UMBRELLA_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        args,
        binary,
    };
    let client = reqwest::Client::new();
    for _ in 0..100 {
        if client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    server.cli(&["organizer", "create", "bench"])?;
    let token = server.cli(&["token", "create", "bench"])?;
    let starts = chrono::Utc::now() + chrono::Duration::hours(2);
    let event: Value = client
        .post(format!("{}/api/v1/events", server.base))
        .bearer_auth(&token)
        .json(&json!({"title": "Benchmark action", "kind": "action",
                      "starts_at": starts.to_rfc3339(),
                      "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(),
                      "location": "Main square"}))
        .send()
        .await?
        .json()
        .await?;
    let event_id = event["id"].as_str().expect("an event").to_string();

    let service = PushService::start().await;
    let key: Value = client
        .get(format!("{}/api/v1/push", server.base))
        .send()
        .await?
        .json()
        .await?;
    service.expect_key(key["public_key"].as_str().expect("a key"));
    service.count_only();
    let seeded = Instant::now();
    let (base, service_ref) = (Arc::new(server.base.clone()), &service);
    let failures: usize = futures_util::stream::iter(0..subscribers)
        .map(|n| {
            let (client, base, event_id) = (client.clone(), base.clone(), event_id.clone());
            async move {
                let rsvp: Value = client
                    .post(format!("{base}/api/v1/events/{event_id}/rsvps"))
                    .json(&json!({"pseudonym": format!("Phone {n}")}))
                    .send()
                    .await
                    .ok()?
                    .json()
                    .await
                    .ok()?;
                let token = rsvp["token"].as_str()?;
                let status = client
                    .put(format!("{base}/api/v1/rsvps/{token}/push"))
                    .json(&service_ref.phone().subscription("neutral"))
                    .send()
                    .await
                    .ok()?
                    .status();
                (status == 204).then_some(())
            }
        })
        .buffer_unordered(SEEDING)
        .filter(|done| std::future::ready(done.is_none()))
        .count()
        .await;
    println!(
        "seeded {} phones in {:.1} s ({failures} failed)",
        subscribers - failures,
        seeded.elapsed().as_secs_f64()
    );

    let pid = server.child.id();
    let before = usage(pid);
    let posted = Instant::now();
    let response = client
        .post(format!("{}/api/v1/events/{event_id}/updates", server.base))
        .bearer_auth(&token)
        .json(&json!({"kind": "alert", "audience": "public", "text": "Benchmark alert"}))
        .send()
        .await?;
    anyhow::ensure!(response.status() == 201, "posting: {}", response.status());
    let stored = posted.elapsed();
    let expected = subscribers - failures;
    let mut peak_rss = 0;
    while service.count() < expected && posted.elapsed() < DEADLINE {
        if let Some((_, rss, _)) = usage(pid) {
            peak_rss = peak_rss.max(rss);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let took = posted.elapsed();
    let after = usage(pid);
    println!(
        "update stored (and {expected} pushes queued) in {:.0} ms",
        stored.as_secs_f64() * 1000.0
    );
    println!(
        "{} of {expected} pushes encrypted and handed to the push service in {:.2} s",
        service.count(),
        took.as_secs_f64()
    );
    if let (Some((cpu_before, _, _)), Some((cpu_after, rss, hwm))) = (before, after) {
        println!(
            "server CPU {:.2} s over those {:.2} s ({:.0}% of one core); resident {} MiB now, \
             {} MiB at most while sending, peak {} MiB",
            cpu_after - cpu_before,
            took.as_secs_f64(),
            100.0 * (cpu_after - cpu_before) / took.as_secs_f64(),
            rss / 1024,
            peak_rss / 1024,
            hwm / 1024
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data_dir);
    anyhow::ensure!(service.count() >= expected, "not every push arrived");
    Ok(())
}
