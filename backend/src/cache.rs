//! Public outputs built once per change, not per request: the calendar feeds, the home page,
//! event pages and the public events API. A cheap reading of what changed (`db::events::Changes`:
//! the latest event edit, the number of events, the places taken) is taken from the database at
//! most once a second and again after any write by this process, so a change shows at once here
//! and within a second on other instances sharing one PostgreSQL. Each output keeps the `Stamp`
//! it was built for and is rebuilt when its stamp moves; it is kept with its gzip form and a
//! strong validator, and answered with `304` when the client already has it. The stamp also
//! moves for changes an output does not show (an unlisted event, another event's RSVPs): a
//! rebuild that gives the same bytes keeps the validators it had (`OutputCache::get_or_build`),
//! so they tell nobody that such a change happened, or when.
//!
//! The outputs live in a `moka` cache bounded by their size in bytes. Many requests missing one
//! key at once build it once: the others wait for that build and answer with it.

use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use actix_web::http::header::{
    self, AcceptEncoding, ContentEncoding, Encoding, EntityTag, Header, HttpDate, IfModifiedSince,
    IfNoneMatch,
};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use moka::ops::compute::Op;
use sha2::{Digest, Sha256};

use crate::db::events::Changes;

/// How long a reading of the database's changes is trusted (when this process wrote nothing).
const STAMP_TTL: Duration = Duration::from_secs(1);

/// zlib's default level. Level 9 took about twice the CPU for about 1% fewer bytes on our
/// pages and feeds, and an output is rebuilt whenever its stamp moves (every RSVP moves the
/// event pages'), so the cheaper level is the better trade.
const GZIP_LEVEL: flate2::Compression = flate2::Compression::new(6);

/// Why an output could not be built (its compression failed, or the thread running it did).
#[derive(Debug, thiserror::Error)]
#[error("could not compress an output: {0}")]
pub struct Error(#[from] std::io::Error);

/// What one output's freshness depends on: the changes it shows, and a time window (time alone
/// changes outputs: events drop off at their end, feeds keep a 30-day window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub last_change: Option<NaiveDateTime>,
    pub events: i64,
    pub places: i64,
    pub window: i64,
}

impl Stamp {
    /// For outputs that show events but no counts, rebuilt at least every `window`.
    pub fn events_only(changes: Changes, window: chrono::Duration, now: DateTime<Utc>) -> Stamp {
        Stamp {
            last_change: changes.last_change,
            events: changes.events,
            places: 0,
            window: now.timestamp().div_euclid(window.num_seconds().max(1)),
        }
    }

    /// For outputs that also show counts or places left.
    pub fn with_counts(changes: Changes, window: chrono::Duration, now: DateTime<Utc>) -> Stamp {
        Stamp {
            places: changes.places,
            ..Stamp::events_only(changes, window, now)
        }
    }
}

/// A rendered output with what conditional and compressed responses need.
pub struct Output {
    pub stamp: Stamp,
    /// Shared, so answering a request copies no bytes.
    body: Bytes,
    gzip: Bytes,
    etag: EntityTag,
    last_modified: DateTime<Utc>,
}

impl Output {
    /// An output last modified at its stamp's latest change (for one event's own file).
    pub async fn new(stamp: Stamp, body: String) -> Result<Self, Error> {
        let last_modified = stamp
            .last_change
            .map(|at| at.and_utc())
            .unwrap_or(DateTime::UNIX_EPOCH);
        Output::compressed(stamp, body, last_modified).await
    }

    /// Compressing takes milliseconds on a large feed: done on a blocking thread, not on the
    /// async worker that answers other requests meanwhile.
    async fn compressed(
        stamp: Stamp,
        body: String,
        last_modified: DateTime<Utc>,
    ) -> Result<Self, Error> {
        let body = Bytes::from(body);
        let plain = body.clone();
        let gzip = tokio::task::spawn_blocking(move || gzip(&plain))
            .await
            .map_err(std::io::Error::other)??;
        Ok(Output {
            etag: etag_of(&body),
            stamp,
            body,
            gzip: Bytes::from(gzip),
            last_modified,
        })
    }

    /// Bytes held, for the cache's bound.
    fn weight(&self) -> u32 {
        u32::try_from(self.body.len() + self.gzip.len()).unwrap_or(u32::MAX)
    }
}

fn gzip(body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), GZIP_LEVEL);
    encoder.write_all(body)?;
    encoder.finish()
}

/// A strong validator: a hash of the exact bytes.
pub fn etag_of(body: &[u8]) -> EntityTag {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    EntityTag::new_strong(hex)
}

/// Outputs by key (the route and its query), each with the stamp it was built for.
pub struct OutputCache {
    /// The last reading, when it was taken, and this process's commit count just before.
    changes: Mutex<Option<(Instant, u64, Changes)>>,
    /// Held by the one request that reads the changes again; the others wait for its reading
    /// rather than all asking the database at once when the last one expires.
    refreshing: tokio::sync::Mutex<()>,
    outputs: moka::future::Cache<String, Arc<Output>>,
}

impl OutputCache {
    /// A cache holding at most `max_bytes` of outputs (plain and gzip). Keys come from query
    /// strings, so anyone can ask for new ones: moka's admission policy keeps the outputs asked
    /// for often rather than letting a stream of one-off keys push them out.
    pub fn new(max_bytes: u64) -> Self {
        OutputCache {
            changes: Mutex::default(),
            refreshing: tokio::sync::Mutex::const_new(()),
            outputs: moka::future::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &String, output: &Arc<Output>| {
                    output
                        .weight()
                        .saturating_add(u32::try_from(key.len()).unwrap_or(u32::MAX))
                })
                .build(),
        }
    }

    /// What changed: `read` (a database reading) runs unless the last one is under a second old
    /// and this process has written nothing since (other instances' writes show within a
    /// second). `read` is only polled when it is needed.
    pub async fn changes<E>(
        &self,
        read: impl Future<Output = Result<Changes, E>>,
    ) -> Result<Changes, E> {
        if let Some(changes) = self.recent_changes() {
            return Ok(changes);
        }
        let _refreshing = self.refreshing.lock().await;
        // Another request may have read them while this one waited.
        if let Some(changes) = self.recent_changes() {
            return Ok(changes);
        }
        let commits = crate::db::local_commits();
        let changes = read.await?;
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

    /// The output for `key` as built for `stamp`: the kept one, or one `build` renders now (last
    /// modified now). Concurrent calls for one key run one at a time, so a miss is built once
    /// and those waiting find it built. A rebuild with the same bytes as the kept output keeps
    /// that one's `Last-Modified` (its `ETag` is already the same).
    pub async fn get_or_build<E>(
        &self,
        key: String,
        stamp: Stamp,
        build: impl Future<Output = Result<String, E>>,
    ) -> Result<Arc<Output>, E>
    where
        E: From<Error> + Send + Sync + 'static,
    {
        if let Some(kept) = self.outputs.get(&key).await.filter(|o| o.stamp == stamp) {
            return Ok(kept);
        }
        let computed = self
            .outputs
            .entry(key)
            .and_try_compute_with(|kept| async move {
                let kept = kept.map(moka::Entry::into_value);
                if kept.as_ref().is_some_and(|kept| kept.stamp == stamp) {
                    return Ok(Op::Nop);
                }
                let mut output = Output::compressed(stamp, build.await?, Utc::now()).await?;
                if let Some(kept) = kept.filter(|kept| kept.etag == output.etag) {
                    output.last_modified = kept.last_modified;
                }
                Ok::<_, E>(Op::Put(Arc::new(output)))
            })
            .await?;
        // `Nop` is returned only with a kept output, so there is always an entry here.
        computed
            .into_entry()
            .map(moka::Entry::into_value)
            .ok_or_else(|| E::from(Error(std::io::Error::other("the output vanished"))))
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

/// Whether the client's copy is current. `If-None-Match` decides when it is sent, with the
/// weak comparison RFC 9110 asks for (a proxy may have marked our tag weak); otherwise
/// `If-Modified-Since`, at the one-second precision of HTTP dates.
fn not_modified(request: &HttpRequest, output: &Output) -> bool {
    if request.headers().contains_key(header::IF_NONE_MATCH) {
        return match IfNoneMatch::parse(request) {
            Ok(IfNoneMatch::Any) => true,
            Ok(IfNoneMatch::Items(tags)) => tags.iter().any(|tag| tag.weak_eq(&output.etag)),
            Err(_) => false,
        };
    }
    IfModifiedSince::parse(request).is_ok_and(|IfModifiedSince(since)| {
        SystemTime::from(output.last_modified) <= SystemTime::from(since) + Duration::from_secs(1)
    })
}

/// Answer with a kept output: `304` when the client's copy is current, gzip when it accepts it.
pub fn respond(
    request: &HttpRequest,
    output: &Output,
    content_type: &'static str,
    cache_control: &'static str,
) -> HttpResponse {
    let unchanged = not_modified(request, output);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header(header::ETag(output.etag.clone()))
        .insert_header(header::LastModified(HttpDate::from(SystemTime::from(
            output.last_modified,
        ))))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, "Accept-Encoding"));
    if unchanged {
        return response.finish();
    }
    response.insert_header((header::CONTENT_TYPE, content_type));
    if accepts_gzip(request) {
        response
            .insert_header(ContentEncoding::Gzip)
            .body(output.gzip.clone())
    } else {
        response.body(output.body.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn stamp(events: i64) -> Stamp {
        Stamp {
            last_change: None,
            events,
            places: 0,
            window: 1,
        }
    }

    /// Build `body` for `key` at `stamp`, counting the builds that really ran.
    async fn output(
        cache: &OutputCache,
        key: &str,
        stamp: Stamp,
        body: &str,
        builds: &AtomicUsize,
    ) -> Arc<Output> {
        cache
            .get_or_build(key.to_string(), stamp, async {
                builds.fetch_add(1, Ordering::SeqCst);
                Ok::<_, Error>(body.to_string())
            })
            .await
            .expect("built")
    }

    #[tokio::test]
    async fn an_output_is_kept_only_for_its_stamp() {
        let cache = OutputCache::new(1 << 20);
        let builds = AtomicUsize::new(0);
        output(&cache, "all", stamp(1), "BEGIN:VCALENDAR", &builds).await;
        output(&cache, "all", stamp(1), "BEGIN:VCALENDAR", &builds).await;
        assert_eq!(builds.load(Ordering::SeqCst), 1, "kept for its stamp");
        output(&cache, "all", stamp(2), "BEGIN:VCALENDAR", &builds).await;
        assert_eq!(builds.load(Ordering::SeqCst), 2, "a change makes it stale");
        output(&cache, "kind=action", stamp(2), "BEGIN:VCALENDAR", &builds).await;
        assert_eq!(builds.load(Ordering::SeqCst), 3, "each key has its own");
    }

    #[tokio::test]
    async fn a_rebuild_with_the_same_bytes_keeps_its_validators() {
        let cache = OutputCache::new(1 << 20);
        let builds = AtomicUsize::new(0);
        let first = output(&cache, "all", stamp(1), "same", &builds).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        let same = output(&cache, "all", stamp(2), "same", &builds).await;
        assert_eq!(
            builds.load(Ordering::SeqCst),
            2,
            "rebuilt for the new stamp"
        );
        assert_eq!(
            (&same.etag, same.last_modified),
            (&first.etag, first.last_modified)
        );
        let changed = output(&cache, "all", stamp(3), "changed", &builds).await;
        assert_ne!(changed.etag, first.etag);
        assert!(changed.last_modified > first.last_modified);
    }

    #[tokio::test]
    async fn concurrent_misses_for_one_key_build_it_once() {
        let cache = Arc::new(OutputCache::new(1 << 20));
        let builds = Arc::new(AtomicUsize::new(0));
        let askers: Vec<_> = (0..16)
            .map(|_| {
                let (cache, builds) = (cache.clone(), builds.clone());
                tokio::spawn(async move {
                    cache
                        .get_or_build("home".into(), stamp(1), async {
                            builds.fetch_add(1, Ordering::SeqCst);
                            // Slow enough that every asker arrives during the build.
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok::<_, Error>("page".to_string())
                        })
                        .await
                        .expect("built")
                        .etag
                        .clone()
                })
            })
            .collect();
        for asker in askers {
            assert_eq!(asker.await.expect("answered"), etag_of(b"page"));
        }
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_cache_stays_within_its_bytes() {
        let cache = OutputCache::new(64 * 1024);
        let builds = AtomicUsize::new(0);
        for n in 0..200 {
            let body = format!("{n:04}").repeat(1024);
            output(&cache, &format!("tag={n}"), stamp(1), &body, &builds).await;
        }
        cache.outputs.run_pending_tasks().await;
        assert!(cache.outputs.weighted_size() <= 64 * 1024);
        assert!(cache.outputs.entry_count() > 0, "some outputs are kept");
    }

    #[tokio::test]
    async fn a_build_that_fails_keeps_nothing_and_says_why() {
        let cache = OutputCache::new(1 << 20);
        let failed = cache
            .get_or_build("home".into(), stamp(1), async {
                Err::<String, _>(Error(std::io::Error::other("no database")))
            })
            .await;
        assert!(failed.is_err());
        let builds = AtomicUsize::new(0);
        output(&cache, "home", stamp(1), "page", &builds).await;
        assert_eq!(
            builds.load(Ordering::SeqCst),
            1,
            "the next request builds it"
        );
    }

    fn asking(headers: &[(header::HeaderName, &str)]) -> HttpRequest {
        let mut request = actix_web::test::TestRequest::default();
        for (name, value) in headers {
            request = request.insert_header((name.clone(), *value));
        }
        request.to_http_request()
    }

    #[tokio::test]
    async fn conditional_requests_get_304_only_for_the_current_copy() {
        let output = Output::new(stamp(1), "page".into()).await.expect("built");
        let tag = output.etag.to_string();
        let date = HttpDate::from(SystemTime::from(output.last_modified)).to_string();
        let status = |headers: &[(header::HeaderName, &str)]| {
            respond(&asking(headers), &output, "text/html", "no-cache")
                .status()
                .as_u16()
        };
        assert_eq!(status(&[(header::IF_NONE_MATCH, &tag)]), 304);
        let weak = format!("W/{tag}");
        assert_eq!(status(&[(header::IF_NONE_MATCH, &weak)]), 304, "weak match");
        let listed = format!("\"other\", {tag}");
        assert_eq!(status(&[(header::IF_NONE_MATCH, &listed)]), 304);
        assert_eq!(status(&[(header::IF_NONE_MATCH, "*")]), 304);
        assert_eq!(status(&[(header::IF_NONE_MATCH, "\"other\"")]), 200);
        assert_eq!(status(&[(header::IF_MODIFIED_SINCE, &date)]), 304);
        assert_eq!(
            status(&[
                (header::IF_NONE_MATCH, "\"other\""),
                (header::IF_MODIFIED_SINCE, &date)
            ]),
            200,
            "If-None-Match decides when both are sent"
        );
        assert_eq!(
            status(&[(header::IF_MODIFIED_SINCE, "Thu, 01 Jan 1970 00:00:00 GMT")]),
            304,
            "last modified at the epoch: the stamp has no change"
        );
        assert_eq!(status(&[]), 200);
    }

    #[test]
    fn gzip_is_chosen_by_weight_and_refused_only_by_q_zero() {
        let asking = |value: &str| asking(&[(header::ACCEPT_ENCODING, value)]);
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
        assert!(!etag_of(b"a").weak, "strong");
    }

    #[test]
    fn gzip_round_trips() {
        use std::io::Read;
        let packed = gzip(b"BEGIN:VCALENDAR").expect("compressed");
        let mut unpacked = String::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_string(&mut unpacked)
            .expect("gzip");
        assert_eq!(unpacked, "BEGIN:VCALENDAR");
    }
}
