//! Public outputs built once per change, not per request: the calendar feeds, the home page,
//! event pages and the public events API. A cheap reading of what changed (`Changes`: the
//! latest event edit, the number of events, the places taken) is taken from the database at
//! most once a second and again after any write by this process, so a change shows at once here
//! and within a second on other instances sharing one PostgreSQL. Each output keeps the `Stamp`
//! it was built for and is rebuilt when its stamp moves; it is kept with its gzip form and a
//! strong validator, and answered with `304` when the client already has it. The stamp also
//! moves for changes an output does not show (an unlisted event, another event's RSVPs): a
//! rebuild that gives the same bytes keeps the validators it had (`FeedCache::put`), so they
//! tell nobody that such a change happened, or when.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::header::{self, AcceptEncoding, Encoding, Header, HttpDate};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::state::AppState;

/// How long a reading of the database's changes is trusted (when this process wrote nothing).
const STAMP_TTL: Duration = Duration::from_secs(1);

/// What changed in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changes {
    pub last_change: Option<NaiveDateTime>,
    pub events: i64,
    /// Places taken across all events: moves with (nearly) every RSVP change. Two changes on
    /// other instances that cancel out within a second go unseen until the next change or the
    /// output's time window ends.
    pub places: i64,
}

/// What one output's freshness depends on: the changes it shows, and a time window (time alone
/// changes outputs: events drop off at their end, feeds keep a 30-day window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub last_change: Option<NaiveDateTime>,
    pub events: i64,
    pub places: i64,
    pub window: i64,
}

impl Changes {
    /// For outputs that show events but no counts, rebuilt at least every `window`.
    pub fn events_only(&self, window: chrono::Duration, now: DateTime<Utc>) -> Stamp {
        Stamp {
            last_change: self.last_change,
            events: self.events,
            places: 0,
            window: now.timestamp().div_euclid(window.num_seconds().max(1)),
        }
    }

    /// For outputs that also show counts or places left.
    pub fn with_counts(&self, window: chrono::Duration, now: DateTime<Utc>) -> Stamp {
        Stamp {
            places: self.places,
            ..self.events_only(window, now)
        }
    }
}

/// A rendered output with what conditional and compressed responses need.
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

impl Feed {
    /// For outputs that time alone changes: last modified when built, so a client asking
    /// `If-Modified-Since` never keeps a copy older than this one.
    pub fn built_now(stamp: Stamp, body: String) -> std::io::Result<Self> {
        let mut feed = Feed::new(stamp, body)?;
        feed.last_modified = Utc::now();
        Ok(feed)
    }
}

/// A strong validator: a hash of the exact bytes.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Outputs by key (the route and its query), each with the stamp it was built for.
pub struct FeedCache {
    /// The last reading, when it was taken, and this process's commit count just before.
    changes: Mutex<Option<(Instant, u64, Changes)>>,
    /// Held by the one request that reads the changes again; the others wait for its reading
    /// rather than all asking the database at once when the last one expires.
    refreshing: tokio::sync::Mutex<()>,
    feeds: Mutex<HashMap<String, Arc<Feed>>>,
    /// Outputs kept at most (keys come from query strings); all are dropped when full.
    capacity: usize,
}

impl FeedCache {
    pub fn new(capacity: usize) -> Self {
        FeedCache {
            changes: Mutex::default(),
            refreshing: tokio::sync::Mutex::const_new(()),
            feeds: Mutex::default(),
            capacity,
        }
    }

    /// What changed, read from the database unless it was read less than a second ago and
    /// this process has written nothing since (other instances' writes show within a second).
    pub async fn changes(&self, state: &AppState) -> Result<Changes, AppError> {
        if let Some(changes) = self.recent_changes() {
            return Ok(changes);
        }
        let _refreshing = self.refreshing.lock().await;
        // Another request may have read them while this one waited.
        if let Some(changes) = self.recent_changes() {
            return Ok(changes);
        }
        let commits = crate::db::local_commits();
        let changes = crate::db::run(&state.pool, crate::db::events::changes).await?;
        *self.changes.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), commits, changes));
        Ok(changes)
    }

    /// The last reading, if it is under a second old and this process wrote nothing since.
    fn recent_changes(&self) -> Option<Changes> {
        let commits = crate::db::local_commits();
        let guard = self.changes.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .filter(|(read, at, _)| read.elapsed() < STAMP_TTL && *at == commits)
            .map(|(_, _, changes)| changes)
    }

    /// The cached feed for `key`, if it was built for `stamp`.
    pub fn get(&self, key: &str, stamp: Stamp) -> Option<Arc<Feed>> {
        let feeds = self.feeds.lock().unwrap_or_else(|p| p.into_inner());
        feeds.get(key).filter(|feed| feed.stamp == stamp).cloned()
    }

    /// Keep `feed` for `key`. When it has the same bytes as the one it replaces, it keeps that
    /// one's `Last-Modified` too (its `ETag` is already the same).
    pub fn put(&self, key: String, mut feed: Feed) -> Arc<Feed> {
        let mut feeds = self.feeds.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(kept) = feeds.get(&key).filter(|kept| kept.etag == feed.etag) {
            feed.last_modified = kept.last_modified;
        }
        let feed = Arc::new(feed);
        if feeds.len() >= self.capacity && !feeds.contains_key(&key) {
            feeds.clear();
        }
        feeds.insert(key, feed.clone());
        feed
    }
}

/// Whether gzip is the client's choice between gzip and no encoding. `q` values are weights
/// (`gzip;q=0.5` still accepts gzip); only `q=0` refuses.
fn accepts_gzip(request: &HttpRequest) -> bool {
    let offered = [Encoding::gzip(), Encoding::identity()];
    AcceptEncoding::parse(request)
        .ok()
        .and_then(|accepted| accepted.negotiate(offered.iter()))
        == Some(Encoding::gzip())
}

fn not_modified(request: &HttpRequest, feed: &Feed) -> bool {
    let headers = request.headers();
    if let Some(tags) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        return tags
            .split(',')
            .any(|tag| tag.trim() == feed.etag || tag.trim() == "*");
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<HttpDate>().ok())
        .map(std::time::SystemTime::from);
    since.is_some_and(|since| {
        std::time::SystemTime::from(feed.last_modified) <= since + Duration::from_secs(1)
    })
}

/// Answer with a kept output: `304` when the client's copy is current, gzip when it accepts it.
pub fn respond(
    request: &HttpRequest,
    feed: &Feed,
    content_type: &'static str,
    cache_control: &'static str,
) -> HttpResponse {
    let unchanged = not_modified(request, feed);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, feed.etag.clone()))
        .insert_header((
            header::LAST_MODIFIED,
            HttpDate::from(std::time::SystemTime::from(feed.last_modified)),
        ))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, "Accept-Encoding"));
    if unchanged {
        return response.finish();
    }
    response.insert_header((header::CONTENT_TYPE, content_type));
    if accepts_gzip(request) {
        response
            .insert_header((header::CONTENT_ENCODING, "gzip"))
            .body(feed.gzip.clone())
    } else {
        response.body(feed.body.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(events: i64) -> Stamp {
        Stamp {
            last_change: None,
            events,
            places: 0,
            window: 1,
        }
    }

    #[test]
    fn a_feed_is_served_only_for_its_stamp() {
        let cache = FeedCache::new(8);
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
    fn a_rebuild_with_the_same_bytes_keeps_its_validators() {
        let cache = FeedCache::new(8);
        let first = cache.put(
            "all".into(),
            Feed::built_now(stamp(1), "same".into()).expect("built"),
        );
        let same = cache.put(
            "all".into(),
            Feed::built_now(stamp(2), "same".into()).expect("built"),
        );
        assert_eq!(
            (&same.etag, same.last_modified),
            (&first.etag, first.last_modified)
        );
        let changed = cache.put(
            "all".into(),
            Feed::built_now(stamp(3), "changed".into()).expect("built"),
        );
        assert_ne!(changed.etag, first.etag);
        assert!(changed.last_modified > first.last_modified);
    }

    #[test]
    fn gzip_is_chosen_by_weight_and_refused_only_by_q_zero() {
        let asking = |value: &str| {
            actix_web::test::TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, value))
                .to_http_request()
        };
        for value in [
            "gzip",
            "gzip;q=0.5",
            "deflate, gzip;q=0.8",
            "br;q=1, gzip;q=0.1",
        ] {
            assert!(accepts_gzip(&asking(value)), "{value}");
        }
        for value in [
            "gzip;q=0",
            "gzip;q=0.0",
            "identity",
            "br",
            "gzip;q=0.5, identity",
        ] {
            assert!(!accepts_gzip(&asking(value)), "{value}");
        }
        assert!(!accepts_gzip(
            &actix_web::test::TestRequest::default().to_http_request()
        ));
    }

    #[test]
    fn etags_follow_the_bytes() {
        assert_eq!(etag_of(b"a"), etag_of(b"a"));
        assert_ne!(etag_of(b"a"), etag_of(b"b"));
    }
}
