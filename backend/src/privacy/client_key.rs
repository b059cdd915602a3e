//! Rate limiting without remembering anyone: a client's address is turned into a salted hash
//! held in memory only, and the salt is replaced every day, so yesterday's keys match nothing.
//! The address itself is never stored or logged.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;

use chrono::{NaiveDate, Utc};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// An opaque per-client key, valid for one day.
pub type ClientKey = [u8; 16];

pub struct ClientKeys {
    salt: Mutex<(NaiveDate, [u8; 32])>,
}

impl Default for ClientKeys {
    fn default() -> Self {
        Self {
            salt: Mutex::new((Utc::now().date_naive(), fresh_salt())),
        }
    }
}

fn fresh_salt() -> [u8; 32] {
    let mut salt = [0u8; 32];
    rand::rng().fill_bytes(&mut salt);
    salt
}

impl ClientKeys {
    pub fn key_for(&self, address: Option<IpAddr>) -> ClientKey {
        let today = Utc::now().date_naive();
        let salt = {
            let mut guard = self
                .salt
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if guard.0 != today {
                *guard = (today, fresh_salt());
            }
            guard.1
        };
        let mut hasher = Sha256::new();
        hasher.update(salt);
        match address {
            Some(IpAddr::V4(v4)) => hasher.update(v4.octets()),
            Some(IpAddr::V6(v6)) => hasher.update(v6.octets()),
            None => hasher.update(b"unknown"),
        }
        let digest = hasher.finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        key
    }
}

/// A per-key limit of so many attempts a minute; `per_minute == 0` turns it off.
pub struct Limiter<K: std::hash::Hash + Eq + Clone> {
    inner: Option<DefaultKeyedRateLimiter<K>>,
}

/// Keys kept before forgetting those that have recovered their full allowance.
const FORGET_ABOVE: usize = 10_000;

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    pub fn per_minute(per_minute: u32) -> Self {
        let inner = NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        Self { inner }
    }

    /// `Err(seconds)` to wait when the key has used up its allowance.
    pub fn check(&self, key: &K) -> Result<(), u64> {
        let Some(limiter) = &self.inner else {
            return Ok(());
        };
        if limiter.len() > FORGET_ABOVE {
            limiter.retain_recent();
        }
        limiter.check_key(key).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_within_a_day_and_hide_the_address() {
        let keys = ClientKeys::default();
        let a: IpAddr = "203.0.113.7".parse().expect("ip");
        let b: IpAddr = "203.0.113.8".parse().expect("ip");
        assert_eq!(keys.key_for(Some(a)), keys.key_for(Some(a)));
        assert_ne!(keys.key_for(Some(a)), keys.key_for(Some(b)));
        assert_ne!(
            ClientKeys::default().key_for(Some(a)),
            keys.key_for(Some(a)),
            "salted per instance"
        );
    }

    #[test]
    fn limiter_refuses_past_the_allowance_and_zero_disables() {
        let limiter = Limiter::per_minute(2);
        assert!(limiter.check(&1).is_ok());
        assert!(limiter.check(&1).is_ok());
        let wait = limiter.check(&1).expect_err("limited");
        assert!((1..=60).contains(&wait));
        assert!(limiter.check(&2).is_ok(), "other keys are unaffected");
        let off = Limiter::per_minute(0);
        assert!((0..100).all(|_| off.check(&1).is_ok()));
    }
}
