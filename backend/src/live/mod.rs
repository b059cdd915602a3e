//! Live day-of coordination: the in-process hub that fans updates out to followers
//! (`hub.rs`), the websocket's messages (`protocol.rs`) and connection (`wire.rs`), the protocol
//! each follower speaks (`socket.rs`), and the upgrade service that serves it outside the HTTP/1
//! dispatcher (`takeover.rs`). A connection gets what it uses as a `Context`, never the whole
//! application state.

pub mod access;
pub mod hub;
pub mod news;
pub mod posting;
pub mod protocol;
pub mod relay;
mod relay_tls;
pub mod safety;
pub mod socket;
pub mod takeover;
pub mod wire;

/// What a live connection uses: the database, the hub, its clock, and the counters it bumps.
#[derive(Clone)]
pub struct Context {
    pub pool: crate::db::Pool,
    pub hub: hub::LiveHub,
    pub timing: crate::config::LiveTiming,
    pub counters: Counters,
}

/// What the live service counts (registered with the rest at the web edge, `telemetry`).
#[derive(Clone)]
pub struct Counters {
    /// Followers let go, by reason: `resync`, `too_slow`, `timeout`, `revoked`.
    pub let_go: prometheus::IntCounterVec,
}

impl Counters {
    pub fn let_go(&self, reason: &'static str) {
        self.let_go.with_label_values(&[reason]).inc();
    }
}
