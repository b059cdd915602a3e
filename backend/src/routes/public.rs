//! The public home page: `GET /`, upcoming listed events with filters by kind and tag, and
//! paging. (The event page, with its RSVP form, is in `rsvp.rs`.)

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::cache::{respond, Stamp};
use crate::db::events::{self as event_queries, Listing};
use crate::domain::access::Viewer;
use crate::domain::event::EventKind;
use crate::error::AppError;
use crate::extract::{kind_filter, tag_filter};
use crate::i18n::{Lang, Locale};
use crate::requests::event::{decode_cursor, encode_cursor};
use crate::state::AppState;
use crate::views::pages::{HomePage, Subscription};
use crate::views::{group_by_day, Chrome, FilterLink, HTML};

const EVENTS_PER_PAGE: i64 = 30;

#[derive(Debug, Deserialize)]
pub struct HomeQuery {
    kind: Option<String>,
    tag: Option<String>,
    cursor: Option<String>,
}

fn href(kind: Option<&str>, tag: Option<&str>) -> String {
    let mut query = Vec::new();
    if let Some(kind) = kind {
        query.push(format!("kind={kind}"));
    }
    if let Some(tag) = tag {
        query.push(format!("tag={}", crate::views::url_encode(tag)));
    }
    if query.is_empty() {
        "/".into()
    } else {
        format!("/?{}", query.join("&"))
    }
}

/// How long a kept home page may show events that have since ended.
const HOME_WINDOW_SECONDS: i64 = 60;

/// `GET /`: built once per change (and at least once a minute), then answered from memory.
pub async fn home(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<HomeQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let kind = kind_filter(query.kind.as_deref())?;
    let tag = tag_filter(query.tag.as_deref());
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let now = Utc::now();
    let key = format!(
        "home?lang={}&kind={}&tag={}&cursor={}",
        locale.lang.code(),
        kind.map_or("", EventKind::as_str),
        tag.as_deref().unwrap_or(""),
        query.cursor.as_deref().unwrap_or("")
    );
    let changes = crate::db::run(&state.pool, crate::db::events::changes);
    let stamp = Stamp::events_only(
        state.page_cache.changes(changes).await?,
        Duration::seconds(HOME_WINDOW_SECONDS),
        now,
    );
    let build = render_home(&state, &locale, kind, tag, after, now);
    let page = state.page_cache.get_or_build(key, stamp, build).await?;
    Ok(respond(&request, &page, HTML, "no-cache"))
}

async fn render_home(
    state: &AppState,
    locale: &Locale,
    kind: Option<EventKind>,
    tag: Option<String>,
    after: Option<crate::domain::event::Cursor>,
    now: chrono::DateTime<Utc>,
) -> Result<String, AppError> {
    let listing = Listing {
        after,
        ..Listing::listed(kind, tag.clone(), now, EVENTS_PER_PAGE + 1)
    };
    let (mut events, all_tags) = crate::db::run(&state.pool, move |conn| {
        Ok((
            event_queries::list(conn, &listing)?,
            event_queries::listed_tags(conn, now)?,
        ))
    })
    .await?;
    let next_page = if events.len() as i64 > EVENTS_PER_PAGE {
        events.truncate(EVENTS_PER_PAGE as usize);
        events.last().map(|last| {
            let base = href(kind.map(EventKind::as_str), tag.as_deref());
            let joiner = if base.contains('?') { '&' } else { '?' };
            format!("{base}{joiner}cursor={}", encode_cursor(last))
        })
    } else {
        None
    };
    let lang = locale.lang;
    let kind_word = kind.map(EventKind::as_str);
    let mut kinds = vec![FilterLink {
        label: lang.t("filter-all"),
        href: href(None, tag.as_deref()),
        current: kind.is_none(),
    }];
    kinds.extend(EventKind::ALL.iter().map(|k| FilterLink {
        label: lang.word("kinds", k.as_str()),
        href: href(Some(k.as_str()), tag.as_deref()),
        current: kind == Some(*k),
    }));
    let tags = all_tags
        .iter()
        .map(|t| FilterLink {
            label: t.clone(),
            href: if tag.as_deref() == Some(t) {
                href(kind_word, None)
            } else {
                href(kind_word, Some(t))
            },
            current: tag.as_deref() == Some(t),
        })
        .collect();
    Ok(HomePage {
        chrome: Chrome::public(lang.t("home-title"), locale),
        days: group_by_day(&events, Viewer::Public, state.timezone(), lang, now),
        kinds,
        tags,
        filtered: kind.is_some() || tag.is_some(),
        next_page,
        subscriptions: subscriptions(&state.public_base(), lang, kind_word, tag.as_deref()),
        atom_href: format!(
            "/feed.atom{}",
            crate::views::filter_query(kind, tag.as_deref())
        ),
    }
    .render()?)
}

/// The feed for what is shown (when filtered), all events, and each kind.
fn subscriptions(
    base: &str,
    lang: Lang,
    kind: Option<&str>,
    tag: Option<&str>,
) -> Vec<Subscription> {
    let mut feeds = Vec::new();
    if kind.is_some() || tag.is_some() {
        let query = href(kind, tag).trim_start_matches('/').to_string();
        feeds.push(Subscription::new(lang.t("feed-these"), base, &query));
    }
    feeds.push(Subscription::new(lang.t("feed-all"), base, ""));
    feeds.extend(EventKind::ALL.iter().map(|k| {
        Subscription::new(
            lang.word("kinds", k.as_str()),
            base,
            &format!("?kind={}", k.as_str()),
        )
    }));
    feeds
}
