//! Load generator for live updates: opens N websocket followers of one action, posts updates
//! through the API, and reports connect time, delivery latency (p50/p99 across every follower
//! and update), messages lost, and the server's resident memory.
//!
//! `loadgen BASE_URL EVENT_ID ORGANIZER_TOKEN FOLLOWERS UPDATES [SERVER_PID]`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use umbrella_tests::load::{follower_config, percentile, post_update, spread};

/// Connections opened at once while ramping up.
const CONNECT_BATCH: usize = 200;
/// Pause between posted updates.
const UPDATE_INTERVAL: Duration = Duration::from_millis(200);
/// How long to wait for stragglers after the last update.
const DRAIN: Duration = Duration::from_secs(10);

fn resident_kb(pid: &str) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [base, event_id, token, followers, updates, rest @ ..] = args.as_slice() else {
        anyhow::bail!(
            "usage: loadgen BASE_URL EVENT_ID ORGANIZER_TOKEN FOLLOWERS UPDATES [SERVER_PID]"
        );
    };
    let (followers, updates): (usize, usize) = (followers.parse()?, updates.parse()?);
    let server_pid = rest.first().cloned();
    let ws_url = format!(
        "{}/api/v1/events/{event_id}/live?after=0",
        base.replace("http://", "ws://")
    );

    // Post times by sequence number, shared with every follower.
    let posted: Arc<Mutex<Vec<Option<Instant>>>> = Arc::new(Mutex::new(vec![None; updates + 1]));
    let latencies: Arc<Mutex<Vec<(usize, f64)>>> =
        Arc::new(Mutex::new(Vec::with_capacity(followers * updates)));
    let received = Arc::new(AtomicUsize::new(0));
    let welcomed = Arc::new(AtomicUsize::new(0));
    let mut connect_times = Vec::with_capacity(followers);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(followers);
    for batch in 0..followers.div_ceil(CONNECT_BATCH) {
        let mut connecting = Vec::new();
        for _ in (batch * CONNECT_BATCH)..((batch + 1) * CONNECT_BATCH).min(followers) {
            let url = ws_url.clone();
            connecting.push(tokio::spawn(async move {
                let begun = Instant::now();
                let (mut socket, _) = tokio_tungstenite::connect_async_with_config(
                    url,
                    Some(follower_config()),
                    true,
                )
                .await?;
                socket
                    .send(Message::text(json!({"type": "hello"}).to_string()))
                    .await?;
                loop {
                    if let Some(Message::Text(text)) = socket.next().await.transpose()? {
                        let message: Value = serde_json::from_str(&text)?;
                        if message["type"] == "welcome" {
                            return anyhow::Ok((socket, begun.elapsed()));
                        }
                    }
                }
            }));
        }
        for connecting in connecting {
            let (mut socket, took) = connecting.await??;
            connect_times.push(took.as_secs_f64() * 1000.0);
            welcomed.fetch_add(1, Ordering::Relaxed);
            let (posted, latencies, received) =
                (posted.clone(), latencies.clone(), received.clone());
            tasks.push(tokio::spawn(async move {
                let mut mine = 0;
                while mine < updates {
                    let Some(Ok(frame)) = socket.next().await else {
                        break;
                    };
                    let Message::Text(text) = frame else { continue };
                    let arrived = Instant::now();
                    // Read just the sequence number: the client must not be the bottleneck.
                    if !text.starts_with("{\"type\":\"update\"") {
                        continue;
                    }
                    let seq: usize = text
                        .split("\"seq\":")
                        .nth(1)
                        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
                        .and_then(|digits| digits.parse().ok())
                        .unwrap_or(0);
                    let sent = posted
                        .lock()
                        .map(|p| p.get(seq).copied().flatten())
                        .unwrap_or(None);
                    if let Some(sent) = sent {
                        if let Ok(mut all) = latencies.lock() {
                            all.push((seq, arrived.duration_since(sent).as_secs_f64() * 1000.0));
                        }
                    }
                    received.fetch_add(1, Ordering::Relaxed);
                    mine += 1;
                }
                // Stay connected until the end: thousands of followers hanging up at once
                // would load the server while the last update is still going out.
                std::future::pending::<()>().await;
                drop(socket);
            }));
        }
    }
    let connect_total = started.elapsed();
    let idle_memory = server_pid.as_deref().and_then(resident_kb);

    let client = reqwest::Client::new();
    for n in 1..=updates {
        let before = Instant::now();
        // The event is new, so this update will be number n. The time is recorded before the
        // POST: followers may receive the update before its response arrives here.
        if let Ok(mut posted) = posted.lock() {
            posted[n] = Some(before);
        }
        post_update(&client, base, event_id, token, n).await?;
        tokio::time::sleep(UPDATE_INTERVAL).await;
    }
    let deadline = Instant::now() + DRAIN;
    while received.load(Ordering::Relaxed) < followers * updates && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let loaded_memory = server_pid.as_deref().and_then(resident_kb);

    connect_times.sort_by(f64::total_cmp);
    let samples = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    let mut latencies: Vec<f64> = samples.iter().map(|(_, ms)| *ms).collect();
    latencies.sort_by(f64::total_cmp);
    let expected = followers * updates;
    let got = received.load(Ordering::Relaxed);
    println!(
        "followers connected: {} of {followers} in {:.1} s",
        welcomed.load(Ordering::Relaxed),
        connect_total.as_secs_f64()
    );
    println!(
        "connect (to welcome): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&connect_times, 0.5),
        percentile(&connect_times, 0.99)
    );
    println!(
        "updates: {updates}, deliveries expected {expected}, received {got}, lost {}",
        expected.saturating_sub(got)
    );
    println!(
        "delivery latency (post to arrival, {} samples): {}",
        latencies.len(),
        spread(&latencies)
    );
    if std::env::var_os("LOADGEN_PER_UPDATE").is_some() {
        for n in 1..=updates {
            let mut these: Vec<f64> = samples
                .iter()
                .filter(|(seq, _)| *seq == n)
                .map(|(_, ms)| *ms)
                .collect();
            these.sort_by(f64::total_cmp);
            println!("update {n}: {}", spread(&these));
        }
    }
    if let (Some((idle, _)), Some((loaded, peak))) = (idle_memory, loaded_memory) {
        println!("server resident memory: {} MB with followers connected, {} MB after updates, peak {} MB", idle / 1024, loaded / 1024, peak / 1024);
    }
    for task in tasks {
        task.abort();
    }
    Ok(())
}
