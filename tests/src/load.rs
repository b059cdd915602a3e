//! What the live load tools share (`loadgen`, `failover`): followers' websocket settings, the
//! percentile they report, and posting the numbered updates they time.

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
