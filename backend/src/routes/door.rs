//! The door volunteer's list behind a door link (`GET|POST /door/{token}`): who is going, a
//! search that works without JavaScript, and one-tap "arrived". Unknown, revoked and expired
//! links are `404` (and count as misses for the guessing throttle); never cached.

use actix_web::{web, HttpResponse};
use chrono::Utc;

use super::{no_store, see_other};
use crate::db::{door_links, rsvps};
use crate::domain::access::door_line;
use crate::domain::door::{DoorLine, DoorLink, DoorToken};
use crate::domain::event::Event;
use crate::error::AppError;
use crate::extract::WebForm;
use crate::i18n::Locale;
use crate::requests::door::{ArrivalForm, DoorQuery};
use crate::state::AppState;
use crate::views::door::{door_path, DoorPage};
use crate::views::{render_html, url_encode, Chrome};

/// The link behind the token in the path and its event, or `404`: a token of the wrong shape
/// is not even looked up.
async fn open(state: &AppState, raw: &str) -> Result<(DoorToken, DoorLink, Event), AppError> {
    let token = DoorToken::parse(raw).ok_or(AppError::NotFound)?;
    let lookup = token.clone();
    let (link, event) = crate::db::run(&state.pool, move |conn| {
        door_links::open(conn, &lookup, Utc::now())
    })
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((token, link, event))
}

/// `GET /door/{token}` (`?q=` narrows the list by name).
pub async fn page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<DoorQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let search = query.search()?;
    let (token, link, event) = open(&state, &path).await?;
    let event_id = event.id.clone();
    let lines: Vec<DoorLine> = crate::db::run(&state.pool, move |conn| {
        rsvps::list_for_event(conn, &event_id)
    })
    .await?
    .iter()
    .filter_map(door_line)
    .collect();
    let lang = locale.lang;
    let mut page = DoorPage::new(
        Chrome::public(lang.t("door-title"), &locale),
        door_path(token.as_str()),
        &link,
        &event,
        &lines,
        search.as_ref(),
        state.timezone(),
        lang,
    );
    page.notice = query
        .arrived
        .as_deref()
        .and_then(|id| lines.iter().find(|line| line.rsvp_id == id))
        .map(|line| lang.t_text("door-done-arrived", "name", &line.pseudonym));
    Ok(no_store(render_html(&page)?))
}

/// `POST /door/{token}` with `rsvp_id`: that person arrived (the same check-in as through
/// their own manage link). Back to the list, under the same search.
pub async fn arrived(
    state: web::Data<AppState>,
    path: web::Path<String>,
    WebForm(form): WebForm<ArrivalForm>,
) -> Result<HttpResponse, AppError> {
    let arrival = form.parse()?;
    let (token, _, event) = open(&state, &path).await?;
    let (event_id, rsvp_id) = (event.id.clone(), arrival.rsvp_id.clone());
    crate::db::run(&state.pool, move |conn| {
        rsvps::mark_arrived(conn, &event_id, &rsvp_id, Utc::now())
    })
    .await?;
    state.news.presence_changed(&event.id);
    let mut back = format!(
        "{}?arrived={}",
        door_path(token.as_str()),
        url_encode(&arrival.rsvp_id)
    );
    if let Some(search) = &arrival.search {
        back.push_str(&format!("&q={}", url_encode(search.as_str())));
    }
    Ok(no_store(see_other(&back)))
}
