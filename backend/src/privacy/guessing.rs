//! Guessing secrets (the throttle; `security::slow_down_guessing` applies it): a client whose requests for manage links (`/r/…`, `/api/v1/rsvps/…`), door links (`/door/…`) or
//! event ids keep finding nothing is refused (`429`) for a while. Misses are counted per salted
//! in-memory client key, at the `--rate-limit-per-minute` allowance (`0` turns it off, as
//! behind an onion service where every visitor shares one address). A request for a link or id
//! that exists is always served, so one guesser sharing an address with others (a proxy, Tor)
//! cannot lock them out of their own pages (safety rule 12).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::client_key::{ClientKey, Limiter};

/// Blocked keys kept before the expired ones are dropped.
const FORGET_ABOVE: usize = 10_000;

/// Counts a key's misses (wrong guesses) and says when it must wait. Only misses count.
pub struct GuessThrottle<K: Hash + Eq + Clone = ClientKey> {
    misses: Limiter<K>,
    blocked: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> GuessThrottle<K> {
    pub fn per_minute(per_minute: u32) -> Self {
        GuessThrottle {
            misses: Limiter::per_minute(per_minute),
            blocked: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Instant>> {
        self.blocked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Seconds this key must still wait, if it is blocked.
    pub fn wait(&self, key: &K) -> Option<u64> {
        let until = *self.lock().get(key)?;
        let left = until.checked_duration_since(Instant::now())?;
        Some(left.as_secs().max(1))
    }

    /// Count a miss; once the allowance is used up, block the key until it has recovered.
    pub fn missed(&self, key: &K) {
        if let Err(seconds) = self.misses.check(key) {
            let mut blocked = self.lock();
            if blocked.len() > FORGET_ABOVE {
                let now = Instant::now();
                blocked.retain(|_, until| *until > now);
            }
            blocked.insert(key.clone(), Instant::now() + Duration::from_secs(seconds));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_blocked_after_its_allowance_of_misses() {
        let throttle = GuessThrottle::per_minute(3);
        let (guesser, other) = ([1u8; 16], [2u8; 16]);
        for _ in 0..3 {
            assert_eq!(throttle.wait(&guesser), None);
            throttle.missed(&guesser);
        }
        throttle.missed(&guesser);
        assert!(throttle.wait(&guesser).is_some_and(|s| s >= 1));
        assert_eq!(throttle.wait(&other), None, "others are not affected");
        let off = GuessThrottle::per_minute(0);
        for _ in 0..100 {
            off.missed(&guesser);
        }
        assert_eq!(off.wait(&guesser), None, "0 turns it off");
    }
}
