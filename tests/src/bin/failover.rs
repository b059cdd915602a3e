//! Load generator for several instances behind a proxy (issue 20, target 3): opens FOLLOWERS
//! websocket followers of one action through the proxy, posts UPDATES updates to one instance,
//! and can `kill -9` another instance after KILL_AFTER updates. Each follower checks sequence
//! numbers: an update it already has is a duplicate, one skipped is a gap. A follower whose
//! connection drops reconnects through the proxy with `?after=` its last sequence number and
//! goes on. Reports delivery latency (p50/p99/max) for followers that stayed connected and for
//! those that reconnected, and every update lost, duplicated or out of order. Each delivery is
//! timed twice: when the update reached the follower's socket (the kernel's receive time,
//! `SO_TIMESTAMPNS`: what a follower on a device of its own would see) and when this tool read
//! it (later by however long the tool, sharing the cores with the servers, took to get to it).
//!
//! `failover PROXY_URL POST_URL EVENT_ID ORGANIZER_TOKEN FOLLOWERS UPDATES [KILL_PID KILL_AFTER]`

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use umbrella_tests::load::{
    cpu_by_process, cpu_used_between, follower_config, post_update, spread,
};
use umbrella_tests::stamped::Stamped;

/// Connections opened at once while ramping up.
const CONNECT_BATCH: usize = 200;
/// Pause between posted updates.
const UPDATE_INTERVAL: Duration = Duration::from_millis(200);
/// How long to wait for stragglers after the last update.
const DRAIN: Duration = Duration::from_secs(20);
/// Attempts to reconnect a dropped follower before it gives up.
const RECONNECT_ATTEMPTS: usize = 50;

type Socket = tokio_tungstenite::WebSocketStream<Stamped>;

/// When update `n` was posted, by both clocks: the monotonic one for the time the tool read it,
/// the real-time one for the kernel's receive time.
type Posted = Arc<Mutex<Vec<Option<(Instant, SystemTime)>>>>;

/// One follower's record: what it received, by sequence number, and what went wrong.
#[derive(Default)]
struct Record {
    /// Post-to-arrival times of updates received on a connection that never dropped, read by
    /// this tool.
    live: Vec<f64>,
    /// The same for updates received after a reconnect (replayed or live).
    after_reconnect: Vec<f64>,
    /// Post-to-socket times (the kernel's receive time) on a connection that never dropped.
    live_at_socket: Vec<f64>,
    /// The same after a reconnect.
    after_reconnect_at_socket: Vec<f64>,
    /// Deliveries the kernel gave no receive time for (reported; none expected on Linux).
    unstamped: usize,
    duplicates: usize,
    gaps: usize,
    reconnects: usize,
    complete: bool,
}

/// Connect and say hello; returns once the server has welcomed the follower.
async fn join(url: &str) -> anyhow::Result<Socket> {
    let parsed = url::Url::parse(url)?;
    let address = parsed
        .socket_addrs(|| Some(80))?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no address for {url}"))?;
    let tcp = tokio::net::TcpStream::connect(address).await?;
    tcp.set_nodelay(true)?;
    let (mut socket, _) = tokio_tungstenite::client_async_with_config(
        url,
        Stamped::new(tcp)?,
        Some(follower_config()),
    )
    .await?;
    socket
        .send(Message::text(json!({"type": "hello"}).to_string()))
        .await?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) => {
                let message: Value = serde_json::from_str(&text)?;
                if message["type"] == "welcome" {
                    return Ok(socket);
                }
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.into()),
            None => anyhow::bail!("closed before the welcome"),
        }
    }
}

/// The sequence number of an update frame, read without parsing the whole frame.
fn seq_of(text: &str) -> Option<usize> {
    if !text.starts_with("{\"type\":\"update\"") {
        return None;
    }
    text.split("\"seq\":")
        .nth(1)?
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Follow until every update has arrived, reconnecting after a drop with `?after=`; what it
/// saw goes into `shared` as it goes, so an aborted follower's record is still there.
async fn follow(
    mut socket: Socket,
    base: String,
    updates: usize,
    posted: Posted,
    done: Arc<AtomicUsize>,
    shared: Arc<Mutex<Record>>,
) {
    let mut last = 0usize;
    loop {
        while last < updates {
            let frame = match socket.next().await {
                Some(Ok(frame)) => frame,
                Some(Err(_)) | None => break,
            };
            let Message::Text(text) = frame else { continue };
            let arrived = Instant::now();
            let at_socket = socket.get_ref().arrived();
            let Some(seq) = seq_of(&text) else { continue };
            let Ok(mut record) = shared.lock() else {
                return;
            };
            if seq <= last {
                record.duplicates += 1;
                continue;
            }
            if seq > last + 1 {
                record.gaps += seq - last - 1;
            }
            last = seq;
            let sent = posted
                .lock()
                .ok()
                .and_then(|p| p.get(seq).copied().flatten());
            if let Some((sent, sent_at)) = sent {
                let ms = arrived.duration_since(sent).as_secs_f64() * 1000.0;
                // A stamp before the post (clock steps) counts as no time at all.
                let socket_ms = at_socket.map(|at| {
                    at.duration_since(sent_at).unwrap_or_default().as_secs_f64() * 1000.0
                });
                let record = &mut *record;
                let (read, at_socket) = if record.reconnects == 0 {
                    (&mut record.live, &mut record.live_at_socket)
                } else {
                    (
                        &mut record.after_reconnect,
                        &mut record.after_reconnect_at_socket,
                    )
                };
                read.push(ms);
                match socket_ms {
                    Some(socket_ms) => at_socket.push(socket_ms),
                    None => record.unstamped += 1,
                }
            }
        }
        if last >= updates {
            if let Ok(mut record) = shared.lock() {
                record.complete = true;
            }
            done.fetch_add(1, Ordering::Relaxed);
            // Stay connected until the end: a mass hang-up would load the servers mid-run.
            std::future::pending::<()>().await;
        }
        // Dropped: back in through the proxy, from the last update received.
        if let Ok(mut record) = shared.lock() {
            record.reconnects += 1;
        }
        let url = format!("{base}?after={last}");
        let mut joined = None;
        for attempt in 0..RECONNECT_ATTEMPTS {
            match join(&url).await {
                Ok(socket) => {
                    joined = Some(socket);
                    break;
                }
                Err(_) => {
                    let pause = 50 * (attempt as u64 + 1);
                    tokio::time::sleep(Duration::from_millis(pause.min(1000))).await;
                }
            }
        }
        match joined {
            Some(again) => socket = again,
            None => return,
        }
    }
}

/// One line of delivery latencies (milliseconds from the post), sorted here.
fn report_latency(what: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    println!(
        "delivery latency {what} ({} deliveries): {}",
        samples.len(),
        spread(&samples)
    );
}

/// What every process on the machine used from the first update until every follower had the
/// last (or the wait for stragglers ended), beside what the cores could give in that time: where
/// a delivery's time went, and whether the machine had room for less of it. A killed instance's
/// share is left out (`cpu_used_between`).
fn report_cpu(
    before: &std::collections::BTreeMap<u32, (String, u64)>,
    after: &std::collections::BTreeMap<u32, (String, u64)>,
    elapsed: Duration,
    updates: usize,
) {
    let mut used: Vec<(u64, String)> = cpu_used_between(before, after)
        .into_iter()
        .filter(|(_, ms)| *ms > 0)
        .map(|(name, ms)| (ms, name))
        .collect();
    used.sort_unstable_by(|a, b| b.cmp(a));
    let total: u64 = used.iter().map(|(ms, _)| ms).sum();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_update = |ms: u64| ms as f64 / updates.max(1) as f64;
    let listed: Vec<String> = used
        .iter()
        .take(8)
        .map(|(ms, name)| format!("{name} {:.0} ms", per_update(*ms)))
        .collect();
    println!(
        "CPU per update, every process on the machine, over {:.1} s: {:.0} ms ({}); the {cores} cores give {:.0} ms an update over that time",
        elapsed.as_secs_f64(),
        per_update(total),
        listed.join(", "),
        elapsed.as_secs_f64() * 1000.0 * cores as f64 / updates.max(1) as f64,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [proxy, post_base, event_id, token, followers, updates, rest @ ..] = args.as_slice() else {
        anyhow::bail!(
            "usage: failover PROXY_URL POST_URL EVENT_ID ORGANIZER_TOKEN FOLLOWERS UPDATES [KILL_PID KILL_AFTER]"
        );
    };
    let (followers, updates): (usize, usize) = (followers.parse()?, updates.parse()?);
    let kill = match rest {
        [pid, after] => Some((pid.clone(), after.parse::<usize>()?)),
        _ => None,
    };
    let base = format!(
        "{}/api/v1/events/{event_id}/live",
        proxy.replace("http://", "ws://")
    );

    let posted: Posted = Arc::new(Mutex::new(vec![None; updates + 1]));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(followers);
    let mut records: Vec<Arc<Mutex<Record>>> = Vec::with_capacity(followers);
    for batch in 0..followers.div_ceil(CONNECT_BATCH) {
        let range = (batch * CONNECT_BATCH)..((batch + 1) * CONNECT_BATCH).min(followers);
        let joining: Vec<_> = range
            .map(|_| {
                let url = format!("{base}?after=0");
                tokio::spawn(async move { join(&url).await })
            })
            .collect();
        for joining in joining {
            let socket = joining.await??;
            let record = Arc::new(Mutex::new(Record::default()));
            records.push(record.clone());
            tasks.push(tokio::spawn(follow(
                socket,
                base.clone(),
                updates,
                posted.clone(),
                done.clone(),
                record,
            )));
        }
    }
    println!(
        "followers connected through the proxy: {followers} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if let Ok(counts) = std::env::var("FAILOVER_COUNT_CMD") {
        // The script names how to count each instance's connections (ss), printed here.
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(counts)
            .output()?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }

    let client = reqwest::Client::new();
    let cpu_before = cpu_by_process();
    let updates_began = Instant::now();
    for n in 1..=updates {
        if let Some((pid, after)) = &kill {
            if n == after + 1 {
                let killed = std::process::Command::new("kill")
                    .args(["-9", pid])
                    .status()?;
                anyhow::ensure!(killed.success(), "kill -9 {pid} failed");
                println!("killed instance {pid} (kill -9) after update {after}");
            }
        }
        // Recorded before the POST: followers may receive it before the answer comes.
        if let Ok(mut posted) = posted.lock() {
            posted[n] = Some((Instant::now(), SystemTime::now()));
        }
        post_update(&client, post_base, event_id, token, n).await?;
        tokio::time::sleep(UPDATE_INTERVAL).await;
    }
    let deadline = Instant::now() + DRAIN;
    while done.load(Ordering::Relaxed) < followers && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let cpu_after = cpu_by_process();
    let elapsed = updates_began.elapsed();
    for task in tasks {
        task.abort();
    }
    report_cpu(&cpu_before, &cpu_after, elapsed, updates);
    let records: Vec<Record> = records
        .iter()
        .filter_map(|record| record.lock().ok().map(|mut r| std::mem::take(&mut *r)))
        .collect();
    let complete = records.iter().filter(|record| record.complete).count();
    let (mut live, mut replayed) = (Vec::new(), Vec::new());
    let (mut live_at_socket, mut replayed_at_socket) = (Vec::new(), Vec::new());
    let (mut duplicates, mut gaps, mut reconnected, mut unstamped) = (0, 0, 0, 0);
    for record in &records {
        live.extend(&record.live);
        replayed.extend(&record.after_reconnect);
        live_at_socket.extend(&record.live_at_socket);
        replayed_at_socket.extend(&record.after_reconnect_at_socket);
        duplicates += record.duplicates;
        gaps += record.gaps;
        reconnected += usize::from(record.reconnects > 0);
        unstamped += record.unstamped;
    }
    println!("updates: {updates}; followers with every update: {complete} of {followers}");
    report_latency("at the followers' sockets, connection kept", live_at_socket);
    report_latency("read by this tool, connection kept", live);
    report_latency(
        "at the followers' sockets, after a reconnect",
        replayed_at_socket,
    );
    report_latency("read by this tool, after a reconnect", replayed);
    println!(
        "followers that reconnected: {reconnected}; gaps: {gaps}; duplicates: {duplicates}; deliveries without a receive time: {unstamped}"
    );
    anyhow::ensure!(
        complete == followers && gaps == 0 && duplicates == 0,
        "lost, skipped or repeated updates"
    );
    Ok(())
}
