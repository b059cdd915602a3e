//! The Atom feed of upcoming listed events: `GET /feed.atom` (`?kind=`, `?tag=`, read and
//! refused as on `/` and `/calendar.ics`), built once per change and answered with `304` when
//! the reader already has it.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::cache::Stamp;
use crate::db::events::{self as event_queries, Listing};
use crate::domain::event::EventKind;
use crate::error::AppError;
use crate::extract::{kind_filter, tag_filter};
use crate::i18n::{Lang, Locale};
use crate::state::AppState;
use crate::views::atom::{FeedOf, ATOM};

#[derive(Debug, Deserialize)]
pub struct AtomQuery {
    kind: Option<String>,
    tag: Option<String>,
}

/// A feed's title: "Upcoming events", with its filter when it has one.
fn title(lang: Lang, kind: Option<EventKind>, tag: Option<&str>) -> String {
    let mut title = lang.t("home-title");
    if let Some(kind) = kind {
        title.push_str(&format!(" · {}", lang.word("kinds", kind.as_str())));
    }
    if let Some(tag) = tag {
        title.push_str(&format!(" · #{tag}"));
    }
    title
}

/// `GET /feed.atom`: the events the home page lists, for feed readers.
pub async fn feed(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<AtomQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let kind = kind_filter(query.kind.as_deref())?;
    let tag = tag_filter(query.tag.as_deref());
    let lang = locale.lang;
    let key = format!(
        "atom?lang={}&kind={}&tag={}",
        lang.code(),
        kind.map_or("", EventKind::as_str),
        tag.as_deref().unwrap_or("")
    );
    let changes = crate::db::run(&state.pool, event_queries::changes);
    // Feeds show no counts; the window drops events that have ended.
    let stamp = Stamp::events_only(
        state.feed_cache.changes(changes).await?,
        Duration::minutes(5),
        Utc::now(),
    );
    let build = build(&state, lang, kind, tag);
    let feed = state.feed_cache.get_or_build(key, stamp, build).await?;
    let mut response = crate::cache::respond(&request, &feed, ATOM, "public, max-age=300");
    // Its words follow the reader's language, as pages do.
    response.headers_mut().append(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language, Cookie"),
    );
    Ok(response)
}

async fn build(
    state: &AppState,
    lang: Lang,
    kind: Option<EventKind>,
    tag: Option<String>,
) -> Result<String, AppError> {
    let now = Utc::now();
    let listing = Listing::listed(kind, tag.clone(), now, i64::MAX);
    let events =
        crate::db::run(&state.pool, move |conn| event_queries::list(conn, &listing)).await?;
    let base = state.public_base();
    let query = crate::views::filter_query(kind, tag.as_deref());
    let self_url = format!("{base}/feed.atom{query}");
    let home_url = format!("{base}/{query}");
    let of = FeedOf {
        title: title(lang, kind, tag.as_deref()),
        self_url: &self_url,
        home_url: &home_url,
        public_base: &base,
        tz: state.timezone(),
        lang,
    };
    Ok(crate::views::atom::feed(&of, &events, now))
}
