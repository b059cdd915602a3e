//! Live pages: the follower's page (`GET /events/{id}/live`, public; `GET /r/{token}/live`, an
//! attendee's own, with their audiences) and the organizer's console
//! (`GET /organize/events/{id}/live`, `POST /organize/events/{id}/updates`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::{no_store, see_other};
use crate::db::{events as event_queries, live as updates_db, Error};
use crate::domain::access::{self as policy, Viewer};
use crate::domain::event::Event;
use crate::domain::live::{Audience, LiveUpdate, UpdateDraft, UpdateKind};
use crate::domain::rsvp::RsvpStatus;
use crate::domain::FieldError;
use crate::error::AppError;
use crate::extract::organizer::PageOrganizer;
use crate::extract::{ManagedRsvp, WebForm};
use crate::i18n::{Lang, Locale};
use crate::state::AppState;
use crate::views::pages::{ConsolePage, FormError, LivePage, UpdateLine};
use crate::views::rsvp_view::role_label;
use crate::views::{render_html, Chrome};

/// The updates `viewer` may see, newest first, as the access policy shows them now; and the
/// last sequence number, so the page's script resumes after it.
fn lines(
    event: &Event,
    viewer: Viewer,
    updates: &[LiveUpdate],
    tz: chrono_tz::Tz,
    lang: Lang,
) -> (Vec<UpdateLine>, i32) {
    let last = updates.last().map_or(0, |u| u.seq);
    let now = Utc::now();
    (
        updates
            .iter()
            .rev()
            .filter_map(|u| policy::update_for(event, &viewer, u, now))
            .map(|seen| UpdateLine::new(seen, tz, lang))
            .collect(),
        last,
    )
}

/// Every update after `after` that `viewer` is in the audience of.
fn updates_for(
    conn: &mut crate::db::DbConnection,
    event: &Event,
    viewer: Viewer,
) -> Result<Vec<LiveUpdate>, Error> {
    let audiences = policy::audiences(event, &viewer);
    updates_db::after(conn, &event.id, 0, Some(&audiences))
}

/// `GET /events/{id}/live`: what the public audience has been told.
pub async fn public(
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let event_id = path.into_inner();
    let (event, updates) = crate::db::run(&state.pool, move |conn| {
        let event = event_queries::get(conn, &event_id)?;
        let updates = updates_for(conn, &event, Viewer::Public)?;
        Ok((event, updates))
    })
    .await?;
    super::refuse_outsiders(&event)?;
    let (updates, last_seq) = lines(
        &event,
        Viewer::Public,
        &updates,
        state.timezone(),
        locale.lang,
    );
    Ok(render_html(&LivePage {
        chrome: Chrome::public(locale.lang.t("live-title"), &locale),
        back: format!("/events/{}", event.id),
        event_id: event.id,
        event_title: event.draft.title,
        updates,
        last_seq,
        token: None,
        help_path: None,
        timezone: state.timezone().name(),
    })?)
}

/// `GET /r/{token}/live`: an attendee's page, with the updates for them and their role.
pub async fn attendee(
    managed: ManagedRsvp,
    state: web::Data<AppState>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let ManagedRsvp { token, rsvp, event } = managed;
    let viewer = Viewer::attendee(&rsvp);
    let for_viewer = event.clone();
    let updates = crate::db::run(&state.pool, move |conn| {
        updates_for(conn, &for_viewer, viewer)
    })
    .await?;
    let (updates, last_seq) = lines(&event, viewer, &updates, state.timezone(), locale.lang);
    let may_ask = rsvp.status == RsvpStatus::Going && !event.is_cancelled();
    let page = LivePage {
        help_path: may_ask.then(|| format!("/r/{token}")),
        chrome: Chrome::public(locale.lang.t("live-title"), &locale),
        back: format!("/r/{token}"),
        event_id: event.id,
        event_title: event.draft.title,
        updates,
        last_seq,
        token: Some(token),
        timezone: state.timezone().name(),
    };
    Ok(no_store(render_html(&page)?))
}

async fn console_page(
    state: &AppState,
    who: &PageOrganizer,
    locale: &Locale,
    event_id: String,
    errors: Vec<FormError>,
) -> Result<ConsolePage, AppError> {
    let lang = locale.lang;
    let id = event_id.clone();
    let (event, updates, presence): (Event, _, _) = crate::db::run(&state.pool, move |conn| {
        let event = event_queries::get(conn, &id)?;
        let updates = updates_db::after(conn, &id, 0, None)?;
        Ok((event, updates, updates_db::presence(conn, &id)?))
    })
    .await?;
    let mut audiences = vec![
        ("public", lang.t("console-audience-public")),
        ("attendees", lang.t("console-audience-attendees")),
        ("responders", lang.t("console-audience-responders")),
    ];
    audiences.extend(event.draft.roles.iter().map(|role| {
        (
            Audience::Role(*role).as_str(),
            lang.word("role", role.as_str()),
        )
    }));
    let (updates, last_seq) = lines(&event, Viewer::Organizer, &updates, state.timezone(), lang);
    let help = updates
        .iter()
        .filter(|line| line.kind == UpdateKind::Help.as_str())
        .cloned()
        .collect();
    let now = Utc::now();
    let safe_by = event.draft.safe_by.map(|at| {
        (
            at <= now,
            crate::i18n::time::time_of_day(at, state.timezone(), lang),
        )
    });
    Ok(ConsolePage {
        safe_by_passed: safe_by
            .clone()
            .filter(|(passed, _)| *passed)
            .map(|(_, at)| at),
        safe_by: safe_by.filter(|(passed, _)| !passed).map(|(_, at)| at),
        help,
        sends_mail: state.sends_mail(),
        chrome: Chrome::organizer(lang.t("console-title"), &who.0.organizer.handle, locale),
        followers: state.live.followers(&event_id),
        event_id,
        event_title: event.draft.title,
        audiences,
        updates,
        last_seq,
        checked_in: presence.checked_in,
        safe: presence.safe,
        not_yet_safe: presence
            .not_yet_safe
            .into_iter()
            .map(|(name, role)| (name, role_label(role, lang)))
            .collect(),
        errors,
        timezone: state.timezone().name(),
    })
}

/// `GET /organize/events/{id}/live`
pub async fn console(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let page = console_page(&state, &who, &locale, path.into_inner(), Vec::new()).await?;
    Ok(no_store(render_html(&page)?))
}

#[derive(Debug, Deserialize)]
pub struct ConsoleForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    location: String,
    /// "Also by email" (a checkbox).
    #[serde(default)]
    email: Option<String>,
}

/// `POST /organize/events/{id}/updates`: mistakes come back on the console (422).
pub async fn post(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
    WebForm(form): WebForm<ConsoleForm>,
) -> Result<HttpResponse, AppError> {
    let event = super::event_or_404(&state, path.into_inner()).await?;
    let event_id = event.id.clone();
    let draft = match UpdateKind::parse(&form.kind) {
        None => Err(FieldError::new("kind", "choose a kind of update")),
        Some(kind) => {
            let location = Some(form.location).filter(|l| !l.trim().is_empty());
            UpdateDraft::parse(
                kind,
                &form.audience,
                form.text,
                location,
                &event.draft.roles,
            )
        }
    };
    match draft {
        Ok(draft) => {
            let actor = &who.0.organizer.id;
            let email = form.email.is_some() && state.sends_mail();
            crate::live::posting::post(&state.pool, &state.news, actor, &event_id, draft, email)
                .await?;
            Ok(see_other(&format!("/organize/events/{event_id}/live")))
        }
        Err(FieldError { field, message }) => {
            let errors = vec![FormError {
                field: field.to_string(),
                message,
            }];
            let page = console_page(&state, &who, &locale, event_id, errors).await?;
            let mut response = no_store(render_html(&page)?);
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}
