//! Admin pages: the organizer list (`/organize/organizers`: disable, enable, revoke API
//! tokens) and the audit log (`/organize/audit`, newest first, paged). Non-admins get 403.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{no_store, see_other};
use crate::db::audit;
use crate::db::organizers;
use crate::domain::audit::Action;
use crate::error::AppError;
use crate::extract::organizer::AdminOrganizer;
use crate::i18n::{time, Locale};
use crate::requests::page::PageQuery;
use crate::state::AppState;
use crate::views::pages::{AuditLine, AuditPage, OrganizerLine, OrganizersPage};
use crate::views::{render_html, Chrome};

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    done: Option<String>,
}

/// `GET /organize/organizers`
pub async fn list(
    who: AdminOrganizer,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let lang = locale.lang;
    let all = crate::db::run(&state.pool, |conn| Ok(organizers::list(conn)?)).await?;
    let tz = state.timezone();
    let me = who.0.organizer.id.clone();
    let notice = query
        .done
        .as_deref()
        .filter(|done| ["disabled", "enabled", "revoked"].contains(done))
        .map(|done| lang.word("organizers-done", done));
    let page = OrganizersPage {
        chrome: Chrome::organizer(lang.t("organizers-title"), &who.0.organizer.handle, &locale),
        organizers: all
            .into_iter()
            .map(|listed| {
                let o = listed.organizer;
                OrganizerLine {
                    is_me: o.id == me,
                    role: lang.t(if o.is_admin {
                        "organizer-role-admin"
                    } else {
                        "organizer-role-organizer"
                    }),
                    disabled: o.disabled,
                    totp_on: o.has_totp(),
                    api_tokens: listed.api_tokens,
                    created: time::day_heading(o.created_at.and_utc(), tz, lang),
                    id: o.id,
                    handle: o.handle,
                }
            })
            .collect(),
        notice,
    };
    Ok(no_store(render_html(&page)?))
}

/// `POST /organize/organizers/{id}/disable|enable|revoke-tokens`
pub async fn act(
    who: AdminOrganizer,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (target, word) = path.into_inner();
    let (action, done) = match word.as_str() {
        "disable" => (Action::OrganizerDisabled, "disabled"),
        "enable" => (Action::OrganizerEnabled, "enabled"),
        "revoke-tokens" => (Action::TokensRevoked, "revoked"),
        _ => return Err(AppError::NotFound),
    };
    let actor = who.0.organizer.id.clone();
    if target == actor && action != Action::TokensRevoked {
        return Err(AppError::Forbidden(
            "you cannot disable or enable yourself; ask another admin".into(),
        ));
    }
    let changed = target.clone();
    crate::db::run(&state.pool, move |conn| {
        organizers::find(conn, &target)?.ok_or(crate::db::Error::NotFound)?;
        audit::recorded(conn, Some(&actor), action, &target, |conn| match action {
            Action::OrganizerDisabled => organizers::set_disabled(conn, &target, true),
            Action::OrganizerEnabled => organizers::set_disabled(conn, &target, false),
            _ => Ok(organizers::revoke_api_tokens(conn, &target).map(|_| ())?),
        })
    })
    .await?;
    // Their open live connections re-check now (other instances hear it through PostgreSQL).
    state.news.credentials_changed(&changed);
    tracing::info!(action = action.as_str(), "organizer account changed");
    Ok(see_other(&format!("/organize/organizers?done={done}")))
}

/// Entries a page of the audit log.
const AUDIT_PAGE: i64 = 50;

/// `GET /organize/audit?page=N`: newest first.
pub async fn audit_log(
    who: AdminOrganizer,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
    locale: Locale,
) -> Result<HttpResponse, AppError> {
    let lang = locale.lang;
    let page = query.page(AUDIT_PAGE)?;
    let mut entries = crate::db::run(&state.pool, move |conn| {
        Ok(audit::newest(conn, page.offset(), page.to_read())?)
    })
    .await?;
    let more = page.keep(&mut entries);
    let tz = state.timezone();
    let lines = entries
        .into_iter()
        .map(|entry| {
            AuditLine::new(
                entry.at.and_utc(),
                entry.actor_handle,
                entry.action,
                entry.target_kind,
                entry.target_id,
                tz,
                lang,
            )
        })
        .collect();
    let page = AuditPage {
        chrome: Chrome::organizer(lang.t("audit-title"), &who.0.organizer.handle, &locale),
        lines,
        page: page.number,
        newer: page.newer("/organize/audit"),
        older: page.older("/organize/audit", more),
    };
    Ok(no_store(render_html(&page)?))
}
