//! `AppState`: what every request handler shares (pool, settings, keys, limits, metrics).

use std::sync::Arc;

use crate::auth::throttle::LoginThrottle;
use crate::config::Settings;
use crate::db::Pool;
use crate::error::AppError;
use crate::privacy::client_key::{ClientKey, ClientKeys, Limiter};
use crate::privacy::keyfile::SecretKey;
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub key: Arc<SecretKey>,
    pub client_keys: Arc<ClientKeys>,
    pub login_throttle: Arc<LoginThrottle>,
    /// Password checks and hashes, a few at once and never holding a connection.
    pub passwords: Arc<crate::auth::passwords::Passwords>,
    /// RSVPs a client may make per minute, keyed by the salted in-memory client key.
    pub rsvp_limiter: Arc<Limiter<ClientKey>>,
    /// Clients that keep asking for manage links or event ids that do not exist.
    pub guess_throttle: Arc<crate::privacy::guessing::GuessThrottle>,
    pub metrics: Arc<Metrics>,
    /// Live updates fan out through this.
    pub live: crate::live::hub::LiveHub,
    /// Tells live followers what changed (the hub on SQLite; nothing on PostgreSQL, where the
    /// database's `NOTIFY` reaches every instance).
    pub news: crate::live::news::Notifier,
    /// The public calendar feeds, built once per change.
    pub feed_cache: Arc<crate::cache::OutputCache>,
    /// The home page, event pages and the public events API, built once per change.
    pub page_cache: Arc<crate::cache::OutputCache>,
    /// The VAPID public key phones subscribe with (`GET /api/v1/push`).
    pub push_public_key: Arc<str>,
}

impl AppState {
    pub fn public_base(&self) -> String {
        self.settings.public_base()
    }

    pub fn timezone(&self) -> chrono_tz::Tz {
        self.settings.timezone
    }

    /// Whether this server sends email (a `--mail-url` is set); if not, it asks for no address.
    pub fn sends_mail(&self) -> bool {
        self.settings.mail_url.is_some()
    }

    /// What a live connection uses.
    pub fn live_context(&self) -> crate::live::Context {
        crate::live::Context {
            pool: self.pool.clone(),
            hub: self.live.clone(),
            timing: self.settings.live_timing(),
            counters: self.metrics.live_counters(),
        }
    }

    /// Remove an RSVP's mail files after a change that dropped its address or the RSVP itself.
    pub async fn forget_mail_files(&self, rsvp_id: String) {
        crate::mail::transport::forget_files(self.settings.mail_url.as_ref(), rsvp_id).await
    }

    /// The rate-limit key of the client behind this request (through a trusted proxy, the
    /// address it forwarded): a salted hash, never the address.
    pub fn client_key(&self, request: &actix_web::HttpRequest) -> ClientKey {
        let peer = request.peer_addr().map(|peer| peer.ip());
        let client = self.settings.trusted_proxy.client(peer, request.headers());
        self.client_keys.key_for(client)
    }

    /// Refuse (429) a client that has made too many RSVPs this minute.
    pub fn check_rsvp_rate(&self, request: &actix_web::HttpRequest) -> Result<(), AppError> {
        let key = self.client_key(request);
        self.rsvp_limiter.check(&key).map_err(AppError::RateLimited)
    }
}
