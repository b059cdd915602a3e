//! The "home safe by" check's rows: which actions are due, the claim that lets one instance act
//! for each (a conditional update of `events.safety_done_for`, so several instances on one
//! PostgreSQL act once), who is still out, and their nudges queued in the same transaction.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::notice::{self, Notice};
use super::schema::{events, rsvps};
use super::DbConnection;
use super::Error;
use crate::domain::event::{to_naive, EventStatus, Role};
use crate::domain::push::PushTopic;
use crate::domain::rsvp::RsvpStatus;

/// One action whose "home safe by" time passed, as this instance acted on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub event_id: String,
    /// The RSVPs that arrived and are not home safe: each was sent the nudge (by email when
    /// it left an address, and a push to their phones, both queued in the claim's transaction).
    pub still_out: Vec<String>,
    /// Their pseudonyms, for organizers and jail support.
    pub pseudonyms: Vec<String>,
}

/// Scheduled actions whose "home safe by" time has passed and whose check has not run for it.
fn due(conn: &mut DbConnection, now: DateTime<Utc>) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    let rows: Vec<(String, Option<NaiveDateTime>)> = events::table
        .filter(events::safe_by.le(to_naive(now)))
        .filter(events::status.eq(EventStatus::Scheduled))
        .filter(
            events::safety_done_for
                .is_null()
                .or(events::safety_done_for.ne(events::safe_by)),
        )
        .select((events::id, events::safe_by))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, at)| Some((id, at?)))
        .collect())
}

/// When the next "home safe by" time comes, of the scheduled actions whose check has not run
/// for it (`None` when there is none ahead).
pub fn next_due(conn: &mut DbConnection, now: DateTime<Utc>) -> QueryResult<Option<DateTime<Utc>>> {
    let next: Option<NaiveDateTime> = events::table
        .filter(events::safe_by.gt(to_naive(now)))
        .filter(events::status.eq(EventStatus::Scheduled))
        .filter(
            events::safety_done_for
                .is_null()
                .or(events::safety_done_for.ne(events::safe_by)),
        )
        .select(diesel::dsl::min(events::safe_by))
        .first::<Option<NaiveDateTime>>(conn)?;
    Ok(next.map(crate::domain::event::from_naive))
}

/// Claim each due check and act on it: the nudges are queued, and (on PostgreSQL) every
/// instance is told, in the claim's own transaction. A check another instance claimed first
/// is left to it.
pub fn run_due(conn: &mut DbConnection, now: DateTime<Utc>) -> Result<Vec<Checked>, Error> {
    let mut checked = Vec::new();
    for (event_id, safe_by) in due(conn, now)? {
        let acted = super::write_transaction(conn, |conn| {
            let claimed = diesel::update(
                events::table
                    .find(&event_id)
                    .filter(events::safe_by.eq(safe_by))
                    .filter(
                        events::safety_done_for
                            .is_null()
                            .or(events::safety_done_for.ne(safe_by)),
                    ),
            )
            .set(events::safety_done_for.eq(safe_by))
            .execute(conn)?;
            if claimed == 0 {
                return Ok(None);
            }
            let out: Vec<(String, Option<String>)> = rsvps::table
                .filter(rsvps::event_id.eq(&event_id))
                .filter(rsvps::status.eq(RsvpStatus::Going))
                .filter(rsvps::purged.eq(false))
                .filter(rsvps::checked_in_at.is_not_null())
                .filter(rsvps::safe_at.is_null())
                .order(rsvps::checked_in_at.asc())
                .select((rsvps::id, rsvps::pseudonym))
                .load(conn)?;
            let (still_out, pseudonyms): (Vec<String>, Vec<Option<String>>) =
                out.into_iter().unzip();
            super::outbox::nudge(conn, &event_id, &still_out, now)?;
            // The same nudge to their phones, and the alert to organizers' and jail support's.
            for rsvp_id in &still_out {
                super::push::queue_to_rsvp(conn, &event_id, rsvp_id, PushTopic::SafeByNudge, now)?;
            }
            if !still_out.is_empty() {
                let event = super::events::get(conn, &event_id)?;
                super::push::queue_to_organizers_and_roles(
                    conn,
                    &event,
                    &[Role::JailSupport],
                    PushTopic::NotYetSafe,
                    now,
                )?;
            }
            notice::send(
                conn,
                &Notice::Safety {
                    event_id: event_id.clone(),
                },
            )?;
            Ok(Some(Checked {
                event_id: event_id.clone(),
                still_out,
                pseudonyms: pseudonyms.into_iter().flatten().collect(),
            }))
        });
        // One event that cannot be checked (an unreadable row) is logged and left for the
        // next round; the others are still checked (safety rule 12).
        let acted = match acted {
            Ok(acted) => acted,
            Err(error) => {
                tracing::warn!(event = %event_id, %error, "could not run an action's home-safe check");
                continue;
            }
        };
        if let Some(acted) = acted {
            if let Err(error) = forget_addresses_not_needed(conn, &acted.event_id, now) {
                tracing::warn!(event = %acted.event_id, %error, "could not forget addresses after a home-safe check");
            }
            checked.push(acted);
        }
    }
    Ok(checked)
}

/// The check has run: addresses that were kept only for the nudge go now, as they would have
/// after the last reminder (`outbox::forget_address_when_done` decides for each).
fn forget_addresses_not_needed(
    conn: &mut DbConnection,
    event_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let event = super::events::get(conn, event_id)?;
    let with_address: Vec<String> = rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::email_sealed.is_not_null())
        .select(rsvps::id)
        .load(conn)?;
    let mut forgotten = false;
    for rsvp_id in &with_address {
        forgotten |= super::outbox::forget_address_when_done(conn, rsvp_id, &event, now)?;
    }
    if forgotten {
        super::forget_deleted(conn)?;
    }
    Ok(())
}
