//! Email: reminders and notices leave through the outbox (`outbox`: the worker that claims,
//! sends and retries), are composed from templates (`compose`), and go out over SMTP or into
//! `.eml` files chosen on purpose (`transport`, `folder`). With no mail URL none go at all.

pub mod compose;
pub mod folder;
pub mod outbox;
pub mod transport;

/// What the outbox worker counts (registered with the rest at the web edge, `telemetry`).
#[derive(Clone)]
pub struct Counters {
    /// Messages handed to the transport, by kind.
    pub sent: prometheus::IntCounterVec,
    /// Attempts that failed (retried or given up), by kind.
    pub failed: prometheus::IntCounterVec,
    /// Messages that could not be composed from what is stored (failed at once), by kind.
    pub unbuildable: prometheus::IntCounterVec,
    /// Rounds of the worker that panicked (the worker goes on).
    pub panics: prometheus::IntCounter,
}

impl Counters {
    pub fn sent(&self, kind: &str) {
        self.sent.with_label_values(&[kind]).inc();
    }

    pub fn failed(&self, kind: &str) {
        self.failed.with_label_values(&[kind]).inc();
    }

    pub fn unbuildable(&self, kind: &str) {
        self.unbuildable.with_label_values(&[kind]).inc();
    }
}
