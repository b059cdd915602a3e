//! The public home page: `GET /`, upcoming listed events with filters by kind and tag, and
//! paging. (The event page, with its RSVP form, is in `rsvp.rs`.)

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use crate::db::events::{self as event_queries, Listing};
use crate::domain::event::EventKind;
use crate::error::AppError;
use crate::extract::{kind_filter, tag_filter};
use crate::privacy::location::Viewer;
use crate::state::AppState;
use crate::views::event_json::{decode_cursor, encode_cursor};
use crate::views::pages::{HomePage, Subscription};
use crate::views::{group_by_day, render_html, Chrome, FilterLink};

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

pub async fn home(
    state: web::Data<AppState>,
    query: web::Query<HomeQuery>,
) -> Result<HttpResponse, AppError> {
    let kind = kind_filter(query.kind.as_deref())?;
    let tag = tag_filter(query.tag.as_deref());
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let now = Utc::now();
    let listing = Listing {
        kind,
        tag: tag.clone(),
        include_unlisted: false,
        ending_after: now,
        after,
        limit: EVENTS_PER_PAGE + 1,
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
    let kind_word = kind.map(EventKind::as_str);
    let mut kinds = vec![FilterLink {
        label: "All".into(),
        href: href(None, tag.as_deref()),
        current: kind.is_none(),
    }];
    kinds.extend(EventKind::ALL.iter().map(|k| FilterLink {
        label: format!("{}s", k.label()),
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
    render_html(&HomePage {
        chrome: Chrome::public("Upcoming events"),
        days: group_by_day(&events, Viewer::Public, state.timezone(), now),
        kinds,
        tags,
        filtered: kind.is_some() || tag.is_some(),
        next_page,
        subscriptions: subscriptions(&state.public_base(), kind_word, tag.as_deref()),
    })
}

/// The feed for what is shown (when filtered), all events, and each kind.
fn subscriptions(base: &str, kind: Option<&str>, tag: Option<&str>) -> Vec<Subscription> {
    let mut feeds = Vec::new();
    if kind.is_some() || tag.is_some() {
        let query = href(kind, tag).trim_start_matches('/').to_string();
        feeds.push(Subscription::new("These events", base, &query));
    }
    feeds.push(Subscription::new("All events", base, ""));
    feeds.extend(EventKind::ALL.iter().map(|k| {
        Subscription::new(
            format!("{}s", k.label()),
            base,
            &format!("?kind={}", k.as_str()),
        )
    }));
    feeds
}
