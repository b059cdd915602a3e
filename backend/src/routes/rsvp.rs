//! RSVPs on the web: the form on the event page (`POST /events/{id}/rsvp`, then `303` to the
//! manage page) and the manage page behind the private link (`GET|POST /r/{token}`: edit,
//! cancel, delete now). Manage pages are never cached.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;

use super::{no_store, see_other};
use crate::cache::{respond, Stamp};
use crate::db::live::Helped;
use crate::db::rsvps;
use crate::domain::access::{shows_details, Viewer};
use crate::domain::admission::Refusal;
use crate::domain::invite::InviteProblem;
use crate::domain::live::HelpText;
use crate::domain::rsvp::{Arrival, RsvpChange};
use crate::domain::FieldError;
use crate::error::AppError;
use crate::extract::organizer::authenticate;
use crate::extract::{ManagedRsvp, WebForm};
use crate::i18n::Locale;
use crate::requests::rsvp::RsvpFormValues;
use crate::state::AppState;
use crate::views::invites::{problem_word, EventOutlinePage};
use crate::views::pages::{EventPage, FormError, ManagePage, UnsubscribePage};
use crate::views::rsvp_view::role_choices;
use crate::views::series::next_occurrences;
use crate::views::Chrome;
use crate::views::{render_html, HTML};
use askama::Template;

fn with_status(mut response: HttpResponse, status: StatusCode) -> HttpResponse {
    *response.status_mut() = status;
    response
}

#[derive(Debug, serde::Deserialize)]
pub struct EventQuery {
    /// An invite code, for an invitation-only event.
    invite: Option<String>,
}

/// `GET /events/{id}`: the same for every visitor, so built once per change (places left
/// included) and at least once a minute, then answered from memory. An invitation-only event
/// shows a visitor only its outline, unless `?invite=` carries a valid code (then the whole
/// page, with the code in its RSVP form, never kept) or the visitor is a signed-in organizer.
pub async fn event_page(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<EventQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let now = Utc::now();
    let code = query.invite.as_deref().map(str::trim).unwrap_or_default();
    if !code.is_empty() {
        let event = super::event_or_404(&state, id).await?;
        return match super::invitation(&state, &request, &event, Some(code)).await? {
            Ok(true) => {
                let form = RsvpFormValues {
                    invite_code: code.to_string(),
                    ..RsvpFormValues::default()
                };
                let mut page =
                    EventPage::new(&event, form, Vec::new(), state.timezone(), &locale, now);
                page.asks_email = state.sends_mail();
                Ok(no_store(render_html(&page)?))
            }
            Ok(false) => Ok(no_store(render_html(&event_page_for(
                &state, &event, &locale, now,
            ))?)),
            Err(problem) => outline(&state, &locale, &event, code, problem),
        };
    }
    // Organizers see everything: an invitation-only event's page in full, never kept. (Only a
    // request that presents credentials costs a lookup here.)
    if authenticate(&request).await?.is_some() {
        let event = super::event_or_404(&state, id.clone()).await?;
        if !shows_details(&event, &Viewer::Public, false) {
            let page = event_page_for(&state, &event, &locale, now);
            return Ok(no_store(render_html(&page)?));
        }
    }
    let key = format!("event/{id}?lang={}", locale.lang.code());
    let changes = crate::db::run(&state.pool, crate::db::events::changes);
    let stamp = Stamp::with_counts(
        state.page_cache.changes(changes).await?,
        chrono::Duration::seconds(EVENT_PAGE_WINDOW_SECONDS),
        now,
    );
    let build = async {
        let event = super::event_or_404(&state, id).await?;
        if !shows_details(&event, &Viewer::Public, false) {
            return Ok::<_, AppError>(outline_page(&state, &locale, &event).render()?);
        }
        let series = super::series_of(&state, &event).await?;
        let mut page = event_page_for(&state, &event, &locale, now);
        page.event.next_occurrences =
            next_occurrences(&series, &event, state.timezone(), locale.lang, now);
        Ok::<_, AppError>(page.render()?)
    };
    let page = state.page_cache.get_or_build(key, stamp, build).await?;
    Ok(respond(&request, &page, HTML, "no-cache"))
}

fn event_page_for(
    state: &AppState,
    event: &crate::domain::event::Event,
    locale: &Locale,
    now: chrono::DateTime<Utc>,
) -> EventPage {
    let mut page = EventPage::new(
        event,
        RsvpFormValues::default(),
        Vec::new(),
        state.timezone(),
        locale,
        now,
    );
    page.asks_email = state.sends_mail();
    page
}

fn outline_page(
    state: &AppState,
    locale: &Locale,
    event: &crate::domain::event::Event,
) -> EventOutlinePage {
    let lang = locale.lang;
    let chrome = Chrome::public(EventOutlinePage::title_for(event, lang), locale);
    EventOutlinePage::new(chrome, event, state.timezone(), lang)
}

/// The outline again, saying why the code typed did not work (403).
fn outline(
    state: &AppState,
    locale: &Locale,
    event: &crate::domain::event::Event,
    code: &str,
    problem: InviteProblem,
) -> Result<HttpResponse, AppError> {
    let mut page = outline_page(state, locale, event);
    page.code = code.chars().take(80).collect();
    page.problem = Some(locale.lang.word("invite-problem", problem_word(problem)));
    Ok(no_store(with_status(
        render_html(&page)?,
        StatusCode::FORBIDDEN,
    )))
}

/// How long a kept event page may lag the clock (an RSVP form closing at the event's end).
const EVENT_PAGE_WINDOW_SECONDS: i64 = 60;

/// `POST /events/{id}/rsvp`: the RSVP form. Field errors come back on the event page (422); an
/// invitation-only event's form needs its code (the outline with the reason, 403).
pub async fn create(
    request: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    locale: Locale,
    WebForm(form): WebForm<RsvpFormValues>,
) -> Result<HttpResponse, AppError> {
    state.check_rsvp_rate(&request)?;
    let event = super::event_or_404(&state, path.into_inner()).await?;
    let invite = match super::rsvp_invite(&state, &request, &event, Some(form.invite_code.as_str()))
    {
        Ok(invite) => invite,
        Err(AppError::Forbidden(_)) if form.invite_code.trim().is_empty() => {
            return refused_without_code(&state, &locale, &event);
        }
        Err(AppError::Forbidden(_)) => {
            return outline(
                &state,
                &locale,
                &event,
                &form.invite_code,
                InviteProblem::Unknown,
            );
        }
        Err(other) => return Err(other),
    };
    let mut draft = match form.to_draft(state.sends_mail(), &event.draft.questions) {
        Ok(draft) => draft,
        Err(error) => return rsvp_refused(&state, &locale, &event, form, error),
    };
    draft.invite = invite;
    let key = state.key.clone();
    let as_read = event.clone();
    let created = crate::db::run(&state.pool, move |conn| {
        rsvps::create(conn, &key, &as_read, draft, locale.lang, Utc::now())
    })
    .await;
    match created {
        Ok(created) => Ok(see_other(&format!("/r/{}?new=1", created.token))),
        Err(crate::db::Error::Refused(Refusal::InviteNotValid(problem))) => {
            if let Err(seconds) = super::invite_code_missed(&state, &request) {
                return Err(AppError::RateLimited(seconds));
            }
            outline(&state, &locale, &event, &form.invite_code, problem)
        }
        Err(crate::db::Error::Refused(Refusal::InviteNeeded)) => {
            refused_without_code(&state, &locale, &event)
        }
        Err(crate::db::Error::Refused(refusal)) => match refusal.field_error() {
            Some(error) => rsvp_refused(&state, &locale, &event, form, error),
            None => Err(crate::db::Error::Refused(refusal).into()),
        },
        Err(other) => Err(other.into()),
    }
}

/// An RSVP to an invitation-only event without a code: the outline, asking for one (403).
fn refused_without_code(
    state: &AppState,
    locale: &Locale,
    event: &crate::domain::event::Event,
) -> Result<HttpResponse, AppError> {
    let mut page = outline_page(state, locale, event);
    page.problem = Some(locale.lang.t("invite-needed"));
    Ok(no_store(with_status(
        render_html(&page)?,
        StatusCode::FORBIDDEN,
    )))
}

/// The event page again with the RSVP form as typed and what is wrong with it (422).
fn rsvp_refused(
    state: &AppState,
    locale: &Locale,
    event: &crate::domain::event::Event,
    form: RsvpFormValues,
    error: FieldError,
) -> Result<HttpResponse, AppError> {
    let errors = vec![FormError {
        field: error.field.to_string(),
        message: error.message,
    }];
    let mut page = EventPage::new(event, form, errors, state.timezone(), locale, Utc::now());
    page.asks_email = state.sends_mail();
    Ok(no_store(with_status(
        render_html(&page)?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )))
}

#[derive(Debug, serde::Deserialize)]
pub struct ManageQuery {
    new: Option<String>,
    done: Option<String>,
    /// The day-ahead reminder's link (`?confirm`): ask "still coming?". Showing it changes
    /// nothing: mail scanners open links, so only the page's buttons (posts) do.
    confirm: Option<String>,
}

fn manage_page(state: &AppState, locale: &Locale, managed: &ManagedRsvp) -> ManagePage {
    let ManagedRsvp {
        token, rsvp, event, ..
    } = managed;
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
    managed: ManagedRsvp,
    state: web::Data<AppState>,
    query: web::Query<ManageQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let mut page = manage_page(&state, &locale, &managed);
    page.just_created = query.new.is_some();
    page.confirm = query.confirm.is_some();
    page.notice = query
        .done
        .as_deref()
        .filter(|done| {
            [
                "saved",
                "checkedin",
                "safe",
                "cancelled",
                "reconfirmed",
                "help",
                "helpwait",
            ]
            .contains(done)
        })
        .map(|done| locale.lang.word("manage-done", done));
    Ok(no_store(render_html(&page)?))
}

/// `POST /r/{token}`: `action` is `save`, `cancel`, `delete`, `checkin`, `safe`, `reconfirm`
/// ("I'm still coming"; "I can't make it" is `cancel`) or `help` ("I need help", with
/// `help_text`; also from the attendee's live page).
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
                Arrival::HomeSafe
            } else {
                Arrival::CheckedIn
            };
            let lookup = token.clone();
            let (_, event) = crate::db::run(&state.pool, move |conn| {
                rsvps::mark(conn, &lookup, presence, now)
            })
            .await?;
            state.news.presence_changed(&event.id);
            let done = if presence == Arrival::HomeSafe {
                "safe"
            } else {
                "checkedin"
            };
            Ok(no_store(see_other(&format!("/r/{token}?done={done}"))))
        }
        "help" => {
            let text = match HelpText::parse(&form.help_text) {
                Ok(text) => text,
                Err(error) => {
                    let error = FieldError::new("help_text", error.message);
                    return form_refused(&state, &locale, token, form, error).await;
                }
            };
            let helped =
                crate::live::posting::ask_for_help(&state.pool, &state.news, token.clone(), text)
                    .await?;
            let done = match helped {
                Helped::Posted(_) => "help",
                // Asked within the minute: the responders have it already.
                Helped::TooSoon(_) => "helpwait",
            };
            Ok(no_store(see_other(&format!("/r/{token}?done={done}"))))
        }
        "reconfirm" => {
            let lookup = token.clone();
            crate::db::run(&state.pool, move |conn| {
                rsvps::reconfirm(conn, &lookup, now)
            })
            .await?;
            Ok(no_store(see_other(&format!("/r/{token}?done=reconfirmed"))))
        }
        "cancel" => {
            let change = RsvpChange {
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
            // The questions as the event asks them now (the form's answers are by place).
            let managed = ManagedRsvp::find(&state, token.clone()).await?;
            let change = match form.to_change(state.sends_mail(), &managed.event.draft.questions) {
                Ok(change) => change,
                Err(error) => return form_refused(&state, &locale, token, form, error).await,
            };
            let drops_address = change.email.is_some();
            let lookup = token.clone();
            let saved = crate::db::run(&state.pool, move |conn| {
                rsvps::update(conn, &key, &lookup, change, now)
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
                Err(crate::db::Error::Refused(refusal)) => match refusal.field_error() {
                    Some(error) => form_refused(&state, &locale, token, form, error).await,
                    None => Err(crate::db::Error::Refused(refusal).into()),
                },
                Err(other) => Err(other.into()),
            }
        }
        _ => Err(AppError::BadRequest("unknown action".into())),
    }
}

/// The manage page again with the edit form as typed and what is wrong with it (422).
async fn form_refused(
    state: &AppState,
    locale: &Locale,
    token: String,
    form: RsvpFormValues,
    error: FieldError,
) -> Result<HttpResponse, AppError> {
    // Read only here: the other actions need no more than the token.
    let managed = ManagedRsvp::find(state, token).await?;
    let mut page = manage_page(state, locale, &managed);
    page.roles = role_choices(
        &form,
        &managed.event,
        crate::domain::access::Viewer::attendee(&managed.rsvp),
        locale.lang,
    );
    page.form = form;
    page.errors = vec![FormError {
        field: error.field.to_string(),
        message: error.message,
    }];
    Ok(no_store(with_status(
        render_html(&page)?,
        StatusCode::UNPROCESSABLE_ENTITY,
    )))
}

/// `GET /r/{token}/unsubscribe`: the link in every email; asks before deleting the address.
pub async fn unsubscribe_page(
    managed: ManagedRsvp,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    Ok(no_store(render_html(&UnsubscribePage {
        chrome: Chrome::public(locale.lang.t("manage-title"), &locale),
        manage_path: format!("/r/{}", managed.token),
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
