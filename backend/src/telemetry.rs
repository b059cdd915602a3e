//! Logs and metrics. Each request gets a span with its method, matched route, status and
//! latency, and nothing about the client: no address, user agent or referrer, ever.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};
use tracing::Instrument;

/// Log to standard error. `UMBRELLA_LOG` (or `RUST_LOG`) adjusts the level, e.g. `debug`.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("UMBRELLA_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second call (tests start many servers in one process) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Prometheus metrics for requests and the database pool.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    mail_sent: IntCounterVec,
    mail_failures: IntCounterVec,
    mail_unbuildable: IntCounterVec,
    worker_panics: IntCounterVec,
    outbox_pending: IntGauge,
    outbox_failed: IntGauge,
    live_dropped: IntCounterVec,
    live_connections: IntGauge,
    purge_runs: IntCounterVec,
    purged_rsvps: IntCounter,
    wal_incomplete: IntCounter,
    push_sent: IntCounter,
    push_failures: IntCounter,
    push_gone: IntCounter,
    push_unbuildable: IntCounter,
    push_pending: IntGauge,
    push_failed: IntGauge,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new_custom(Some("umbrella".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "HTTP request latency by route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["route"],
        )?;
        let pool_connections = IntGauge::new("db_pool_connections", "Open database connections")?;
        let pool_idle = IntGauge::new("db_pool_idle_connections", "Idle database connections")?;
        let pool_max = IntGauge::new(
            "db_pool_max_connections",
            "The most database connections the pool opens (--database-connections)",
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_idle.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        let mail_sent = IntCounterVec::new(
            Opts::new(
                "mail_sent_total",
                "Emails handed to the mail transport, by kind",
            ),
            &["kind"],
        )?;
        let mail_failures = IntCounterVec::new(
            Opts::new(
                "mail_failures_total",
                "Email attempts that failed (retried or given up), by kind",
            ),
            &["kind"],
        )?;
        let mail_unbuildable = IntCounterVec::new(
            Opts::new(
                "mail_unbuildable_total",
                "Emails that could not be composed from what is stored (failed at once, not \
                 retried), by kind",
            ),
            &["kind"],
        )?;
        let worker_panics = IntCounterVec::new(
            Opts::new(
                "worker_panics_total",
                "Rounds of a background worker that panicked (the worker goes on), by worker",
            ),
            &["worker"],
        )?;
        registry.register(Box::new(mail_unbuildable.clone()))?;
        registry.register(Box::new(worker_panics.clone()))?;
        let outbox_pending = IntGauge::new("outbox_pending", "Emails waiting in the outbox")?;
        let outbox_failed = IntGauge::new(
            "outbox_failed",
            "Emails given up after every retry (kept until purge)",
        )?;
        registry.register(Box::new(mail_sent.clone()))?;
        registry.register(Box::new(mail_failures.clone()))?;
        registry.register(Box::new(outbox_pending.clone()))?;
        registry.register(Box::new(outbox_failed.clone()))?;
        let live_dropped = IntCounterVec::new(
            Opts::new(
                "live_dropped_total",
                "Live followers the server let go: told to resync (lagging), unread for the \
                 client timeout (too_slow), silent past it (timeout), or no longer an organizer \
                 (revoked)",
            ),
            &["reason"],
        )?;
        registry.register(Box::new(live_dropped.clone()))?;
        let live_connections = IntGauge::new(
            "live_connections",
            "Open live websocket connections on this instance",
        )?;
        let purge_runs = IntCounterVec::new(
            Opts::new("purge_runs_total", "Runs of the RSVP purge, by outcome"),
            &["outcome"],
        )?;
        let purged_rsvps = IntCounter::new(
            "purged_rsvps_total",
            "RSVPs whose personal fields the purge removed",
        )?;
        registry.register(Box::new(live_connections.clone()))?;
        registry.register(Box::new(purge_runs.clone()))?;
        registry.register(Box::new(purged_rsvps.clone()))?;
        let wal_incomplete = IntCounter::new(
            "wal_checkpoints_incomplete_total",
            "Removals of personal data after which the SQLite write-ahead log could not be \
             emptied at once (a long read blocked it; retried in the background)",
        )?;
        registry.register(Box::new(wal_incomplete.clone()))?;
        let push_sent = IntCounter::new(
            "push_sent_total",
            "Web Push messages a push service accepted",
        )?;
        let push_failures = IntCounter::new(
            "push_failures_total",
            "Web Push attempts that failed (retried or given up)",
        )?;
        let push_gone = IntCounter::new(
            "push_gone_total",
            "Push subscriptions removed because their push service said they are gone",
        )?;
        let push_unbuildable = IntCounter::new(
            "push_unbuildable_total",
            "Web Push messages that could not be built (failed at once, not retried)",
        )?;
        let push_pending = IntGauge::new("push_outbox_pending", "Pushes waiting to be sent")?;
        let push_failed = IntGauge::new(
            "push_outbox_failed",
            "Pushes given up after every retry (kept until purge)",
        )?;
        for counter in [&push_sent, &push_failures, &push_gone, &push_unbuildable] {
            registry.register(Box::new(counter.clone()))?;
        }
        registry.register(Box::new(push_pending.clone()))?;
        registry.register(Box::new(push_failed.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            pool_connections,
            pool_idle,
            pool_max,
            mail_sent,
            mail_failures,
            mail_unbuildable,
            worker_panics,
            outbox_pending,
            outbox_failed,
            live_dropped,
            live_connections,
            purge_runs,
            purged_rsvps,
            wal_incomplete,
            push_sent,
            push_failures,
            push_gone,
            push_unbuildable,
            push_pending,
            push_failed,
        })
    }

    /// What the live service counts: followers let go, by reason.
    pub fn live_counters(&self) -> crate::live::Counters {
        crate::live::Counters {
            let_go: self.live_dropped.clone(),
        }
    }

    /// What the purge counts: its runs by outcome, the RSVPs purged, and runs that panicked.
    pub fn purge_counters(&self) -> crate::privacy::purge::Counters {
        crate::privacy::purge::Counters {
            runs: self.purge_runs.clone(),
            purged: self.purged_rsvps.clone(),
            panics: self.worker_panics.with_label_values(&["purge"]),
        }
    }

    /// What the outbox worker counts: messages sent, failed attempts and messages that could
    /// not be composed, by kind, and rounds that panicked.
    pub fn mail_counters(&self) -> crate::mail::Counters {
        crate::mail::Counters {
            sent: self.mail_sent.clone(),
            failed: self.mail_failures.clone(),
            unbuildable: self.mail_unbuildable.clone(),
            panics: self.worker_panics.with_label_values(&["outbox"]),
        }
    }

    /// What the push worker counts.
    pub fn push_counters(&self) -> crate::push::Counters {
        crate::push::Counters {
            sent: self.push_sent.clone(),
            failed: self.push_failures.clone(),
            gone: self.push_gone.clone(),
            unbuildable: self.push_unbuildable.clone(),
            panics: self.worker_panics.with_label_values(&["push"]),
        }
    }

    /// Record the push outbox's depth (read by the caller from the database).
    pub fn set_push_depth(&self, pending: i64, failed: i64) {
        self.push_pending.set(pending);
        self.push_failed.set(failed);
    }

    /// Record the outbox's depth (read by the caller from the database).
    pub fn set_outbox_depth(&self, pending: i64, failed: i64) {
        self.outbox_pending.set(pending);
        self.outbox_failed.set(failed);
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    /// The Prometheus text exposition, with the pool's state and the open live connections
    /// read now.
    pub fn render(
        &self,
        pool: &crate::db::Pool,
        live_connections: usize,
    ) -> anyhow::Result<String> {
        self.live_connections
            .set(i64::try_from(live_connections).unwrap_or(i64::MAX));
        let state = pool.state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.pool_max.set(i64::from(pool.max_size()));
        // Counted per process by the database layer; brought up to date here.
        let incomplete = crate::db::checkpoint::incomplete();
        self.wal_incomplete
            .inc_by(incomplete.saturating_sub(self.wal_incomplete.get()));
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8(buffer)?)
    }
}

/// A request method as logs and metrics name it: the standard ones (RFC 9110, and `PATCH`) by
/// name, anything else as `other`, so a client cannot mint labels.
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// Middleware: time each request, log one line about it, count it in `metrics`.
pub async fn observe_requests(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
    metrics: std::sync::Arc<Metrics>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(request.method());
    let span = tracing::info_span!(
        "request",
        method,
        route = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let response = next.call(request).instrument(span.clone()).await?;
    // The matched pattern (`/events/{id}`), never the path: paths carry ids and tokens.
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    span.record("route", route.as_str());
    span.record("status", status);
    span.record("latency_ms", elapsed.as_secs_f64() * 1000.0);
    span.in_scope(|| tracing::info!("served"));
    metrics.observe(method, &route, status, elapsed.as_secs_f64());
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::Method;

    #[test]
    fn only_standard_methods_name_themselves() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let made_up = Method::from_bytes(b"FOO").expect("a token");
        assert_eq!(method_label(&made_up), "other");
        let long = Method::from_bytes(b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .expect("a token");
        assert_eq!(method_label(&long), "other");
    }
}
