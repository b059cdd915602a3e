//! The organizer's RSVP list for one event (`/organize/events/{id}/rsvps`): pseudonyms, guests,
//! roles, needs, answers to the event's questions, status and whether an email is saved (never
//! the address); approve or decline.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use serde::Deserialize;

use super::{no_store, see_other};
use crate::db::{events as event_queries, rsvps};
use crate::error::AppError;
use crate::extract::decision;
use crate::extract::organizer::PageOrganizer;
use crate::i18n::Locale;
use crate::state::AppState;
use crate::views::pages::OrganizerRsvpsPage;
use crate::views::rsvp_view::{RsvpCounts, RsvpLine};
use crate::views::{render_html, Chrome};

pub async fn list(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let lang = locale.lang;
    let event_id = path.into_inner();
    let key = state.key.clone();
    let (event, rsvps, answers) = crate::db::run(&state.pool, move |conn| {
        let event = event_queries::get(conn, &event_id)?;
        Ok((
            event,
            rsvps::list_for_event(conn, &event_id)?,
            rsvps::answers_of_event(conn, &key, &event_id)?,
        ))
    })
    .await?;
    let tz = state.timezone();
    let answers_of = |rsvp_id: &str| -> Vec<(String, String)> {
        answers
            .iter()
            .find(|(id, _)| id == rsvp_id)
            .map(|(_, given)| {
                given
                    .iter()
                    .map(|answer| {
                        let value = match answer.value.as_str() {
                            "yes" | "no" => lang.word("answer", &answer.value),
                            _ => answer.value.clone(),
                        };
                        (answer.label.clone(), value)
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let page = render_html(&OrganizerRsvpsPage {
        chrome: Chrome::organizer(
            lang.t_text("rsvps-title", "title", &event.draft.title),
            &who.0.organizer.handle,
            &locale,
        ),
        event_id: event.id.clone(),
        event_title: event.draft.title.clone(),
        counts: RsvpCounts::of(&rsvps),
        lines: rsvps
            .iter()
            .map(|rsvp| RsvpLine {
                answers: answers_of(&rsvp.id),
                ..RsvpLine::new(rsvp, tz, lang)
            })
            .collect(),
        capacity: event.draft.capacity,
        show_answers: !event.draft.questions.is_empty() || !answers.is_empty(),
    })?;
    Ok(no_store(page))
}

#[derive(Debug, Deserialize)]
pub struct DecideQuery {
    /// `hub` when the decision was made on the event's hub: the answer goes back there.
    back: Option<String>,
}

/// `POST /organize/events/{id}/rsvps/{rsvp_id}/approve` or `.../decline` (`?back=hub` from the
/// event's hub).
pub async fn decide(
    who: PageOrganizer,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    query: web::Query<DecideQuery>,
) -> Result<HttpResponse, AppError> {
    let (event_id, rsvp_id, word) = path.into_inner();
    let approve = decision(&word)?;
    let actor = who.0.organizer.id;
    let back = match query.back.as_deref() {
        Some("hub") => format!("/organize/events/{event_id}#pending"),
        _ => format!("/organize/events/{event_id}/rsvps"),
    };
    let decided = crate::db::run(&state.pool, move |conn| {
        rsvps::decide(conn, Some(&actor), &event_id, &rsvp_id, approve, Utc::now())
    })
    .await?;
    state.news.rsvps_changed(&decided.event_id);
    Ok(see_other(&back))
}
