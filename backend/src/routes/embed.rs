//! The listing other websites frame: `GET /embed` (`?kind=`, `?tag=`, read and refused as on
//! `/`). Only the origins in `--embed-origins` may frame it (`frame-ancestors`); with none it
//! does not exist (`404`). It sets no cookie and its links open in the top window.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::cache::{respond, Stamp};
use crate::db::events::{self as event_queries, Listing};
use crate::domain::event::EventKind;
use crate::error::AppError;
use crate::extract::{kind_filter, tag_filter};
use crate::i18n::Locale;
use crate::security::{embeddable_policy, Embeddable};
use crate::state::AppState;
use crate::views::outreach::EmbedPage;
use crate::views::HTML;

/// Events the listing shows; a link to the home page offers the rest.
const EMBED_EVENTS: usize = 20;
/// How long a kept listing may show events that have since ended.
const EMBED_WINDOW_SECONDS: i64 = 60;

#[derive(Debug, Deserialize)]
pub struct EmbedQuery {
    kind: Option<String>,
    tag: Option<String>,
}

/// `GET /embed`: built once per change (and at least once a minute), then answered from memory.
pub async fn listing(
    request: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<EmbedQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let origins = &state.settings.embed_origins;
    if !origins.any() {
        return Err(AppError::NotFound);
    }
    let kind = kind_filter(query.kind.as_deref())?;
    let tag = tag_filter(query.tag.as_deref());
    let now = Utc::now();
    let lang = locale.lang;
    let key = format!(
        "embed?lang={}&kind={}&tag={}",
        lang.code(),
        kind.map_or("", EventKind::as_str),
        tag.as_deref().unwrap_or("")
    );
    let changes = crate::db::run(&state.pool, event_queries::changes);
    let stamp = Stamp::events_only(
        state.page_cache.changes(changes).await?,
        Duration::seconds(EMBED_WINDOW_SECONDS),
        now,
    );
    let build = async {
        let listing = Listing::listed(kind, tag.clone(), now, EMBED_EVENTS as i64 + 1);
        let mut events =
            crate::db::run(&state.pool, move |conn| event_queries::list(conn, &listing)).await?;
        let more = events.len() > EMBED_EVENTS;
        events.truncate(EMBED_EVENTS);
        let more_href = format!("/{}", crate::views::filter_query(kind, tag.as_deref()));
        let page = EmbedPage::new(
            &events,
            more,
            kind.is_some() || tag.is_some(),
            more_href,
            state.timezone(),
            lang,
            now,
        );
        Ok::<_, AppError>(page.render()?)
    };
    let page = state.page_cache.get_or_build(key, stamp, build).await?;
    let mut response = respond(&request, &page, HTML, "no-cache");
    response.extensions_mut().insert(Embeddable);
    let policy = HeaderValue::from_str(&embeddable_policy(origins)).map_err(AppError::internal)?;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    // Framed by another site, the page is a cross-origin resource of that site's page.
    headers.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("cross-origin"),
    );
    Ok(response)
}
