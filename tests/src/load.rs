//! What the live load tools share (`loadgen`, `failover`): followers' websocket settings, the
//! percentile they report, posting the numbered updates they time, and the CPU every process on
//! the machine used meanwhile.

use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// A follower's websocket settings. tungstenite's default 128 KiB read buffer is zeroed on
/// every read, which made the load generator, not the server, the bottleneck; updates are small.
pub fn follower_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
}

/// The `p` percentile (0 to 1) of sorted samples; NaN when there are none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// "p50 …, p99 …, max …" (milliseconds) of sorted samples, as the load tools print them.
pub fn spread(sorted: &[f64]) -> String {
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(sorted, 0.5),
        percentile(sorted, 0.99),
        sorted.last().copied().unwrap_or(f64::NAN)
    )
}

/// Post public update number `n` to a new event (record its time before calling: followers may
/// receive it before the answer comes). Fails unless the server stored it as number `n`.
pub async fn post_update(
    client: &reqwest::Client,
    base: &str,
    event_id: &str,
    token: &str,
    n: usize,
) -> anyhow::Result<()> {
    let response = client
        .post(format!("{base}/api/v1/events/{event_id}/updates"))
        .bearer_auth(token)
        .json(&json!({"kind": "announcement", "audience": "public", "text": format!("Update {n} for everyone")}))
        .send()
        .await?;
    let body: Value = response.json().await?;
    let seq = body["seq"].as_u64().unwrap_or(0) as usize;
    anyhow::ensure!(
        seq == n,
        "update {n} was stored as number {seq}: use a new event"
    );
    Ok(())
}

/// CPU time (user and system, in milliseconds) used so far by every process on the machine, by
/// process id, with its command name (`/proc/*/stat`). Kernel threads are left out: their names
/// change with their work.
pub fn cpu_by_process() -> std::collections::BTreeMap<u32, (String, u64)> {
    // SAFETY: sysconf only reads a constant of the system.
    let ticks_per_second = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) })
        .unwrap_or(100)
        .max(1);
    let mut used = std::collections::BTreeMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return used;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (name) state ppid …": the name may hold spaces, so split around its brackets.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let name = &stat[open + 1..close];
        let fields: Vec<&str> = stat[close + 1..].split_whitespace().collect();
        // After the name: state, ppid, …; utime and stime are the 12th and 13th (stat's 14, 15).
        let (Some(ppid), Some(user), Some(system)) =
            (fields.get(1), fields.get(11), fields.get(12))
        else {
            continue;
        };
        if *ppid == "2" || name.starts_with("kworker") {
            continue;
        }
        let ticks = user.parse::<u64>().unwrap_or(0) + system.parse::<u64>().unwrap_or(0);
        used.insert(pid, (name.to_string(), ticks * 1000 / ticks_per_second));
    }
    used
}

/// The CPU each command used between two readings of `cpu_by_process`, summed over its
/// processes. A process that ended between them (a killed instance) is left out: what it used
/// before it ended cannot be read any more.
pub fn cpu_used_between(
    before: &std::collections::BTreeMap<u32, (String, u64)>,
    after: &std::collections::BTreeMap<u32, (String, u64)>,
) -> std::collections::BTreeMap<String, u64> {
    let mut used = std::collections::BTreeMap::new();
    for (pid, (name, ms)) in after {
        let earlier = before
            .get(pid)
            .filter(|(was, _)| was == name)
            .map_or(0, |(_, ms)| *ms);
        *used.entry(name.clone()).or_default() += ms.saturating_sub(earlier);
    }
    used
}
