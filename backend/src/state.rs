//! `AppState`: what every request handler shares (pool, settings, keys, limits, metrics).

use std::sync::Arc;

use crate::auth::throttle::LoginThrottle;
use crate::config::Settings;
use crate::db::Pool;
use crate::privacy::client_key::ClientKeys;
use crate::privacy::keyfile::SecretKey;
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub key: Arc<SecretKey>,
    pub client_keys: Arc<ClientKeys>,
    pub login_throttle: Arc<LoginThrottle>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn public_base(&self) -> String {
        self.settings.public_base()
    }

    pub fn timezone(&self) -> chrono_tz::Tz {
        self.settings.timezone
    }
}
