//! The printable flyer of one event: `GET /events/{id}/flyer` (`?cover=1` for the cover title),
//! one page with the time, the location if public, access notes and a QR code of the event
//! page. Any event with an id has one, unlisted ones too (they work by link).

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::cache::{respond, Stamp};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::state::AppState;
use crate::views::outreach::{FlyerPage, FlyerTitle};
use crate::views::HTML;

#[derive(Debug, Deserialize)]
pub struct FlyerQuery {
    cover: Option<String>,
}

/// `?cover=1` asks for the cover title; `0` or nothing for the real one.
fn titled(cover: Option<&str>) -> Result<FlyerTitle, AppError> {
    match cover.map(str::trim) {
        None | Some("" | "0") => Ok(FlyerTitle::Real),
        Some("1") => Ok(FlyerTitle::Cover),
        Some(_) => Err(AppError::invalid(
            "cover",
            "cover is 1 (the cover title) or 0 (the title)",
        )),
    }
}

/// How long a kept flyer may lag the clock (its words for a location revealed later).
const FLYER_WINDOW_SECONDS: i64 = 300;

/// `GET /events/{id}/flyer`: built once per change, then answered from memory.
pub async fn flyer(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<FlyerQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let titled = titled(query.cover.as_deref())?;
    let id = path.into_inner();
    let now = Utc::now();
    let key = format!(
        "flyer/{id}?lang={}&cover={}",
        locale.lang.code(),
        titled == FlyerTitle::Cover
    );
    let changes = crate::db::run(&state.pool, crate::db::events::changes);
    let stamp = Stamp::events_only(
        state.page_cache.changes(changes).await?,
        Duration::seconds(FLYER_WINDOW_SECONDS),
        now,
    );
    let build = async {
        let event = super::event_or_404(&state, id).await?;
        super::refuse_outsiders(&event)?;
        let page_url = format!("{}/events/{}", state.public_base(), event.id);
        let page = FlyerPage::new(&event, titled, page_url, state.timezone(), &locale, now);
        Ok::<_, AppError>(page.render()?)
    };
    let page = state.page_cache.get_or_build(key, stamp, build).await?;
    Ok(respond(&request, &page, HTML, "no-cache"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_is_one_or_zero() {
        assert_eq!(titled(None).ok(), Some(FlyerTitle::Real));
        assert_eq!(titled(Some("0")).ok(), Some(FlyerTitle::Real));
        assert_eq!(titled(Some("1")).ok(), Some(FlyerTitle::Cover));
        assert!(titled(Some("yes")).is_err());
    }
}
