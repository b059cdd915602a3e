//! The public feed is built once per change, not per request. A cheap "stamp" (the latest
//! event change, the number of events, and the hour) says whether a cached feed is current; it
//! is read from the database at most once a second, so several instances on one PostgreSQL see
//! each other's changes within a second. Each feed is kept with its gzip form and validators.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::web::Bytes;
use chrono::{DateTime, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

/// How long a stamp read from the database is trusted.
const STAMP_TTL: Duration = Duration::from_secs(1);
/// Feeds for distinct filters kept at most (filters come from the query string).
const MAX_FEEDS: usize = 256;

/// What a feed's freshness depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub last_change: Option<NaiveDateTime>,
    pub events: i64,
    /// Time alone changes the feed (the 30-day window, cancelled events dropping at their end).
    pub hour: i64,
}

/// A rendered feed with what conditional and compressed responses need.
pub struct Feed {
    pub stamp: Stamp,
    /// Shared, so answering a request copies no bytes.
    pub body: Bytes,
    pub gzip: Bytes,
    pub etag: String,
    pub last_modified: DateTime<Utc>,
}

impl Feed {
    pub fn new(stamp: Stamp, body: String) -> std::io::Result<Self> {
        let body = body.into_bytes();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&body)?;
        let gzip = Bytes::from(encoder.finish()?);
        let last_modified = stamp
            .last_change
            .map(|at| at.and_utc())
            .unwrap_or(DateTime::UNIX_EPOCH);
        Ok(Feed {
            etag: etag_of(&body),
            stamp,
            body: Bytes::from(body),
            gzip,
            last_modified,
        })
    }
}

/// A strong validator: a hash of the exact bytes.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

#[derive(Default)]
pub struct FeedCache {
    stamp: Mutex<Option<(Instant, Stamp)>>,
    feeds: Mutex<HashMap<String, Arc<Feed>>>,
}

impl FeedCache {
    /// The stamp if it was read less than a second ago.
    pub fn recent_stamp(&self) -> Option<Stamp> {
        let guard = self.stamp.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .filter(|(read, _)| read.elapsed() < STAMP_TTL)
            .map(|(_, stamp)| stamp)
    }

    pub fn remember_stamp(&self, stamp: Stamp) {
        *self.stamp.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), stamp));
    }

    /// The cached feed for `key`, if it was built for `stamp`.
    pub fn get(&self, key: &str, stamp: Stamp) -> Option<Arc<Feed>> {
        let feeds = self.feeds.lock().unwrap_or_else(|p| p.into_inner());
        feeds.get(key).filter(|feed| feed.stamp == stamp).cloned()
    }

    pub fn put(&self, key: String, feed: Feed) -> Arc<Feed> {
        let feed = Arc::new(feed);
        let mut feeds = self.feeds.lock().unwrap_or_else(|p| p.into_inner());
        if feeds.len() >= MAX_FEEDS && !feeds.contains_key(&key) {
            feeds.clear();
        }
        feeds.insert(key, feed.clone());
        feed
    }
}

/// The current hour, for `Stamp::hour`.
pub fn hour_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(events: i64) -> Stamp {
        Stamp {
            last_change: None,
            events,
            hour: 1,
        }
    }

    #[test]
    fn a_feed_is_served_only_for_its_stamp() {
        let cache = FeedCache::default();
        cache.put(
            "all".into(),
            Feed::new(stamp(1), "BEGIN:VCALENDAR".into()).expect("built"),
        );
        assert!(cache.get("all", stamp(1)).is_some());
        assert!(
            cache.get("all", stamp(2)).is_none(),
            "a change makes it stale"
        );
        assert!(cache.get("kind=action", stamp(1)).is_none());
    }

    #[test]
    fn etags_follow_the_bytes() {
        assert_eq!(etag_of(b"a"), etag_of(b"a"));
        assert_ne!(etag_of(b"a"), etag_of(b"b"));
    }
}
