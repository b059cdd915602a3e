//! RSVPs on the web: the form on the event page (`POST /events/{id}/rsvp`, then `303` to the
//! manage page) and the manage page behind the private link (`GET|POST /r/{token}`: edit,
//! cancel, delete now). Manage pages are never cached.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::{no_store, see_other};
use crate::cache::{respond, Stamp};
use crate::db::rsvps;
use crate::db::rsvps::Presence;
use crate::error::AppError;
use crate::extract::WebForm;
use crate::i18n::Locale;
use crate::state::AppState;
use crate::views::pages::{EventPage, FormError, ManagePage, UnsubscribePage};
use crate::views::rsvp_view::RsvpFormValues;
use crate::views::Chrome;
use crate::views::{render_html, HTML};
use askama::Template;

fn with_status(mut response: HttpResponse, status: StatusCode) -> HttpResponse {
    *response.status_mut() = status;
    response
}

/// `GET /events/{id}`: the same for every visitor, so built once per change (places left
/// included) and at least once a minute, then answered from memory.
pub async fn event_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let now = Utc::now();
    let key = format!("event/{id}?lang={}", locale.lang.code());
    let changes = crate::db::run(&state.pool, crate::db::events::changes);
    let stamp = Stamp::with_counts(
        state.page_cache.changes(changes).await?,
        chrono::Duration::seconds(EVENT_PAGE_WINDOW_SECONDS),
        now,
    );
    let build = async {
        let event = super::event_or_404(&state, id).await?;
        let mut page = EventPage::new(
            &event,
            RsvpFormValues::default(),
            Vec::new(),
            state.timezone(),
            &locale,
            now,
        );
        page.asks_email = state.sends_mail();
        Ok::<_, AppError>(page.render()?)
    };
    let page = state.page_cache.get_or_build(key, stamp, build).await?;
    Ok(respond(&request, &page, HTML, "no-cache"))
}

/// How long a kept event page may lag the clock (an RSVP form closing at the event's end).
const EVENT_PAGE_WINDOW_SECONDS: i64 = 60;

/// `POST /events/{id}/rsvp`: the RSVP form. Field errors come back on the event page (422).
pub async fn create(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
    WebForm(form): WebForm<RsvpFormValues>,
) -> Result<HttpResponse, AppError> {
    state.check_rsvp_rate(&request)?;
    let id = path.into_inner();
    let draft = form.to_draft(state.sends_mail());
    let key = state.key.clone();
    let event_id = id.clone();
    let created = crate::db::run(&state.pool, move |conn| {
        Ok(rsvps::create(conn, &key, &event_id, draft?, locale.lang, Utc::now())?.token)
    })
    .await;
    match created {
        Ok(token) => Ok(see_other(&format!("/r/{token}?new=1"))),
        Err(AppError::Invalid { field, message }) => {
            let event = super::event_or_404(&state, id).await?;
            let errors = vec![FormError { field, message }];
            let mut page =
                EventPage::new(&event, form, errors, state.timezone(), &locale, Utc::now());
            page.asks_email = state.sends_mail();
            Ok(with_status(
                render_html(&page)?,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(other) => Err(other),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct ManageQuery {
    new: Option<String>,
    done: Option<String>,
}

fn manage_page(
    state: &AppState,
    locale: &Locale,
    token: &str,
    rsvp_event: &(crate::domain::rsvp::Rsvp, crate::domain::event::Event),
) -> ManagePage {
    let (rsvp, event) = rsvp_event;
    let path = format!("/r/{token}");
    let mut page = ManagePage::new(
        rsvp,
        event,
        format!("{}{path}", state.public_base()),
        path,
        None,
        Vec::new(),
        state.timezone(),
        locale,
        Utc::now(),
    );
    page.asks_email = state.sends_mail();
    page
}

/// `GET /r/{token}`
pub async fn manage(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<ManageQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let lookup = token.clone();
    let found = crate::db::run(&state.pool, move |conn| rsvps::find_by_token(conn, &lookup))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut page = manage_page(&state, &locale, &token, &found);
    page.just_created = query.new.is_some();
    page.notice = query
        .done
        .as_deref()
        .filter(|done| ["saved", "checkedin", "safe", "cancelled"].contains(done))
        .map(|done| locale.lang.word("manage-done", done));
    Ok(no_store(render_html(&page)?))
}

/// `POST /r/{token}`: `action` is `save`, `cancel` or `delete`.
pub async fn manage_post(
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
    WebForm(form): WebForm<RsvpFormValues>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let key = state.key.clone();
    let now = Utc::now();
    match form.action.as_str() {
        "delete" => {
            let token = token.clone();
            let deleted =
                crate::db::run(&state.pool, move |conn| rsvps::delete(conn, &token, now)).await?;
            state.news.rsvps_changed(&deleted.event_id);
            state.forget_mail_files(deleted.rsvp_id).await;
            Ok(no_store(see_other("/?deleted=1")))
        }
        "checkin" | "safe" => {
            let presence = if form.action == "safe" {
                Presence::Safe
            } else {
                Presence::CheckedIn
            };
            let lookup = token.clone();
            let (_, event) = crate::db::run(&state.pool, move |conn| {
                rsvps::mark(conn, &lookup, presence, now)
            })
            .await?;
            state.news.presence_changed(&event.id);
            let done = if presence == Presence::Safe {
                "safe"
            } else {
                "checkedin"
            };
            Ok(no_store(see_other(&format!("/r/{token}?done={done}"))))
        }
        "cancel" => {
            let change = crate::db::rsvps::RsvpChange {
                cancel: true,
                ..Default::default()
            };
            let lookup = token.clone();
            let (rsvp, event) = crate::db::run(&state.pool, move |conn| {
                rsvps::update(conn, &key, &lookup, change, now)
            })
            .await?;
            state.news.rsvps_changed(&event.id);
            // A cancelled RSVP's address goes at once, and its mail files with it.
            state.forget_mail_files(rsvp.id).await;
            Ok(no_store(see_other(&format!("/r/{token}?done=cancelled"))))
        }
        "save" => {
            let change = form.to_change(state.sends_mail());
            let drops_address = change.as_ref().is_ok_and(|change| change.email.is_some());
            let lookup = token.clone();
            let saved = crate::db::run(&state.pool, move |conn| {
                rsvps::update(conn, &key, &lookup, change?, now)
            })
            .await;
            match saved {
                Ok((rsvp, event)) => {
                    // A new role changes which updates this person hears.
                    state.news.rsvps_changed(&event.id);
                    if drops_address {
                        state.forget_mail_files(rsvp.id).await;
                    }
                    Ok(no_store(see_other(&format!("/r/{token}?done=saved"))))
                }
                Err(AppError::Invalid { field, message }) => {
                    let lookup = token.clone();
                    let found = crate::db::run(&state.pool, move |conn| {
                        rsvps::find_by_token(conn, &lookup)
                    })
                    .await?
                    .ok_or(AppError::NotFound)?;
                    let mut page = manage_page(&state, &locale, &token, &found);
                    page.roles = form.role_choices(&found.1.draft, locale.lang);
                    page.form = form;
                    page.errors = vec![FormError { field, message }];
                    Ok(no_store(with_status(
                        render_html(&page)?,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )))
                }
                Err(other) => Err(other),
            }
        }
        _ => Err(AppError::BadRequest("unknown action".into())),
    }
}

/// `GET /r/{token}/unsubscribe`: the link in every email; asks before deleting the address.
pub async fn unsubscribe_page(
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let lookup = token.clone();
    crate::db::run(&state.pool, move |conn| rsvps::find_by_token(conn, &lookup))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(no_store(render_html(&UnsubscribePage {
        chrome: Chrome::public(locale.lang.t("manage-title"), &locale),
        manage_path: format!("/r/{token}"),
        done: false,
    })?))
}

/// `POST /r/{token}/unsubscribe`: the button on that page, and mail programs' one-click
/// unsubscribe (RFC 8058). The address and everything waiting to be sent to it go at once.
pub async fn unsubscribe(
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let lookup = token.clone();
    let rsvp_id = crate::db::run(&state.pool, move |conn| {
        let found = rsvps::find_by_token(conn, &lookup)?;
        rsvps::forget_email(conn, &lookup, Utc::now())?;
        Ok(found.map(|(rsvp, _)| rsvp.id))
    })
    .await?;
    if let Some(rsvp_id) = rsvp_id {
        state.forget_mail_files(rsvp_id).await;
    }
    Ok(no_store(render_html(&UnsubscribePage {
        chrome: Chrome::public(locale.lang.t("manage-title"), &locale),
        manage_path: format!("/r/{token}"),
        done: true,
    })?))
}
