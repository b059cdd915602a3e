//! RSVP rows and the transactions that keep places honest. Every change to an event's RSVPs
//! first locks the event (`events::lock`), so concurrent changes queue up on both databases and
//! no event is ever overbooked; waitlist promotion happens in the same transaction (`settle`).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::events as event_queries;
use super::invites;
use super::notice::{self, Notice};
use super::outbox;
use super::places::TakePlaces;
use super::schema::{events, rsvps};
use super::{DbConnection, Error};
use crate::domain::admission::{self, Refusal, Standing};
use crate::domain::audit::Action;
use crate::domain::event::Access;
use crate::domain::event::{from_naive, to_naive, Event, Role};
use crate::domain::message::MessageKind;
use crate::domain::question::Answer;
use crate::domain::rsvp::Arrival;
use crate::domain::rsvp::{Rsvp, RsvpChange, RsvpDraft, RsvpStatus};
use crate::i18n::Lang;
use crate::privacy::crypto::{open, seal};
use crate::privacy::keyfile::SecretKey;
use crate::privacy::secrets::{hash_token, new_token};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = rsvps)]
struct RsvpRow {
    id: String,
    event_id: String,
    token_hash: Option<String>,
    pseudonym: Option<String>,
    guests: i32,
    role: Option<Role>,
    needs: Option<String>,
    email_sealed: Option<String>,
    status: RsvpStatus,
    approved: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    purged: bool,
    checked_in_at: Option<NaiveDateTime>,
    safe_at: Option<NaiveDateTime>,
    token_sealed: Option<String>,
    /// The language reminders and notices are written in.
    language: String,
    /// When they answered "I'm still coming" (the first time).
    reconfirmed_at: Option<NaiveDateTime>,
    /// Answers to the event's questions, sealed (`answers_aad`).
    answers_sealed: Option<String>,
}

impl RsvpRow {
    fn into_rsvp(self) -> Result<Rsvp, Error> {
        Ok(Rsvp {
            status: self.status,
            role: self.role,
            has_email: self.email_sealed.is_some(),
            id: self.id,
            event_id: self.event_id,
            pseudonym: self.pseudonym,
            guests: self.guests,
            needs: self.needs,
            approved: self.approved,
            checked_in: self.checked_in_at.is_some(),
            home_safe: self.safe_at.is_some(),
            reconfirmed: self.reconfirmed_at.is_some(),
            created_at: from_naive(self.created_at),
        })
    }

    fn places(&self) -> i32 {
        1 + self.guests
    }

    fn standing(&self) -> Standing {
        Standing {
            status: self.status,
            places: self.places(),
        }
    }
}

/// A new RSVP and its manage token, which exists only in this value and the answer to the person.
pub struct NewRsvp {
    pub rsvp: Rsvp,
    pub token: String,
}

fn rows_with_status(
    conn: &mut DbConnection,
    event_id: &str,
    status: RsvpStatus,
) -> QueryResult<Vec<RsvpRow>> {
    rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::status.eq(status))
        .order((rsvps::created_at.asc(), rsvps::id.asc()))
        .select(RsvpRow::as_select())
        .load(conn)
}

fn set_status(
    conn: &mut DbConnection,
    id: &str,
    status: RsvpStatus,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(rsvps::table.find(id))
        .set((
            rsvps::status.eq(status),
            rsvps::updated_at.eq(to_naive(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Promote waitlisted RSVPs in order, each that fits, and store the places taken. Call inside
/// the transaction that holds the event's lock, after any change to the event's RSVPs (every
/// such change ends here): it also tells other instances' live followers to judge themselves
/// again. Returns the ids promoted.
pub fn settle(
    conn: &mut DbConnection,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<Vec<String>, Error> {
    let taken = taken_now(conn, &event.id)?;
    let waiting = rows_with_status(conn, &event.id, RsvpStatus::Waitlisted)?;
    let places: Vec<i32> = waiting.iter().map(RsvpRow::places).collect();
    let (moving, taken) = admission::promote(event, taken, &places);
    let mut promoted = Vec::with_capacity(moving.len());
    for position in moving {
        let id = &waiting[position].id;
        set_status(conn, id, RsvpStatus::Going, now)?;
        promoted.push(id.clone());
    }
    diesel::update(events::table.find(&event.id))
        .set(events::places_taken.eq(taken))
        .execute(conn)?;
    notice::send(
        conn,
        &Notice::Rsvps {
            event_id: event.id.clone(),
        },
    )?;
    if !promoted.is_empty() {
        outbox::notify(conn, &event.id, &promoted, MessageKind::Promoted, now)?;
        outbox::schedule(conn, event, None, now)?;
    }
    Ok(promoted)
}

fn taken_now(conn: &mut DbConnection, event_id: &str) -> QueryResult<i32> {
    Ok(rows_with_status(conn, event_id, RsvpStatus::Going)?
        .iter()
        .map(RsvpRow::places)
        .sum())
}

/// RSVP to `event`, as the caller read it: going if it fits, waitlisted if not, pending when
/// organizers approve.
///
/// Everything that can be judged or computed before the database is, outside any transaction:
/// the refusals (cancelled, ended, a role the event does not offer), the token and its hash, the
/// sealed address and answers. Then the common case (an open event without approval, the RSVP
/// fitting as read) takes its places in one short transaction without locking first
/// (`take_places_as_read`); anything else, or an event that changed since it was read, goes
/// through the event's lock and is judged again there (`admit_under_lock`).
pub fn create(
    conn: &mut DbConnection,
    key: &SecretKey,
    event: &Event,
    draft: RsvpDraft,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<NewRsvp, Error> {
    let places = draft.guests.places();
    let status = admission::admit(event, event.places_taken, places, draft.role, now)?;
    let id = uuid::Uuid::new_v4().to_string();
    let token = new_token();
    let (email_sealed, token_sealed) = match &draft.email {
        Some(email) => seal_contact(key, &id, email.as_str(), &token)?,
        None => (None, None),
    };
    let answers_sealed = seal_answers(key, &id, &draft.answers)?;
    let mut row = RsvpRow {
        id,
        event_id: event.id.clone(),
        token_hash: Some(hash_token(&token)),
        pseudonym: Some(draft.pseudonym.as_str().to_string()),
        guests: draft.guests.count(),
        role: draft.role,
        needs: Some(draft.needs.as_str().to_string()),
        email_sealed,
        status,
        approved: false,
        created_at: to_naive(now),
        updated_at: to_naive(now),
        purged: false,
        checked_in_at: None,
        safe_at: None,
        token_sealed,
        language: lang.code().to_string(),
        reconfirmed_at: None,
        answers_sealed,
    };
    let as_read = status == RsvpStatus::Going && event.draft.access != Access::Invite;
    if !(as_read && take_places_as_read(conn, event, &row, now)?) {
        row.status = admit_under_lock(conn, &event.id, &row, draft.invite.as_ref(), now)?;
    }
    Ok(NewRsvp {
        rsvp: row.into_rsvp()?,
        token,
    })
}

/// The places for a going RSVP, taken by one conditional update that holds only while the
/// event is as it was read (the same `sequence`: every edit and cancellation bumps it, under
/// the event's lock) and the RSVP still fits; then the row and what it is owed by email, in the
/// same transaction. `false`, with nothing written, when the update did not hold. On
/// PostgreSQL all of that is one prepared statement (`places::TakePlaces`).
fn take_places_as_read(
    conn: &mut DbConnection,
    event: &Event,
    row: &RsvpRow,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    if let DbConnection::Postgres(pg) = &mut *conn {
        let owed = match row.email_sealed {
            Some(_) => outbox::owed_columns(event, now),
            None => outbox::OwedColumns::default(),
        };
        let taken = TakePlaces {
            places: row.places(),
            event_id: &event.id,
            sequence: event.sequence,
            rsvp_id: &row.id,
            token_hash: row.token_hash.as_deref(),
            pseudonym: row.pseudonym.as_deref(),
            guests: row.guests,
            role: row.role.map(Role::as_str),
            needs: row.needs.as_deref(),
            email_sealed: row.email_sealed.as_deref(),
            status: row.status.as_str(),
            created_at: row.created_at,
            token_sealed: row.token_sealed.as_deref(),
            language: &row.language,
            answers_sealed: row.answers_sealed.as_deref(),
            owed: &owed,
        }
        .run(pg)?;
        if taken {
            super::count_commit();
        }
        return Ok(taken);
    }
    let places = row.places();
    let fits = events::capacity
        .is_null()
        .or((events::places_taken + places)
            .nullable()
            .le(events::capacity));
    super::write_transaction(conn, |conn| {
        let taken = diesel::update(
            events::table
                .find(&event.id)
                .filter(events::sequence.eq(event.sequence))
                .filter(fits),
        )
        .set(events::places_taken.eq(events::places_taken + places))
        .execute(conn)?;
        if taken == 0 {
            return Ok(false);
        }
        diesel::insert_into(rsvps::table)
            .values(row)
            .execute(conn)?;
        if row.email_sealed.is_some() {
            outbox::schedule_new(conn, event, &row.id, now)?;
        }
        Ok(true)
    })
}

/// The RSVP judged again under the event's lock, as the event is now, and stored with the
/// status that gives; an invitation's use is taken in the same transaction (both commit, or
/// neither does).
fn admit_under_lock(
    conn: &mut DbConnection,
    event_id: &str,
    row: &RsvpRow,
    invite: Option<&crate::domain::invite::InviteCode>,
    now: DateTime<Utc>,
) -> Result<RsvpStatus, Error> {
    super::write_transaction(conn, |conn| {
        let event = event_queries::lock(conn, event_id)?;
        // Every change to going RSVPs stores the event's count under this same lock, so the
        // stored count is current here and no RSVP rows need reading.
        let taken = event.places_taken;
        let status = admission::admit(&event, taken, row.places(), row.role, now)?;
        if event.draft.access == Access::Invite {
            let code = invite.ok_or(Refusal::InviteNeeded)?;
            invites::take_use(conn, event_id, code, now)?.map_err(Refusal::InviteNotValid)?;
        }
        let row = RsvpRow {
            status,
            ..row.clone()
        };
        diesel::insert_into(rsvps::table)
            .values(&row)
            .execute(conn)?;
        if status == RsvpStatus::Going {
            diesel::update(events::table.find(event_id))
                .set(events::places_taken.eq(taken + row.places()))
                .execute(conn)?;
            if row.email_sealed.is_some() {
                outbox::schedule_new(conn, &event, &row.id, now)?;
            }
        }
        Ok(status)
    })
}

/// The sealed address and, beside it, a sealed copy of the manage token for the links in
/// emails. Both are bound to the row; the token copy also to its column.
fn seal_contact(
    key: &SecretKey,
    rsvp_id: &str,
    email: &str,
    token: &str,
) -> Result<(Option<String>, Option<String>), Error> {
    let email = seal(key, rsvp_id, email).map_err(Error::Internal)?;
    let token = seal(key, &token_aad(rsvp_id), token).map_err(Error::Internal)?;
    Ok((Some(email), Some(token)))
}

/// Answers sealed for the row (`None` when there are none), each with its question's label.
fn seal_answers(
    key: &SecretKey,
    rsvp_id: &str,
    answers: &[Answer],
) -> Result<Option<String>, Error> {
    if answers.is_empty() {
        return Ok(None);
    }
    let plain = serde_json::to_string(answers).map_err(Error::internal)?;
    seal(key, &answers_aad(rsvp_id), &plain)
        .map(Some)
        .map_err(Error::Internal)
}

/// What sealed answers are bound to.
fn answers_aad(rsvp_id: &str) -> String {
    format!("{rsvp_id}/answers")
}

/// Every RSVP's answers to one event's questions, by RSVP id, opened: for organizers only.
/// Purged and unanswered RSVPs have none.
pub fn answers_of_event(
    conn: &mut DbConnection,
    key: &SecretKey,
    event_id: &str,
) -> Result<Vec<(String, Vec<Answer>)>, Error> {
    let sealed: Vec<(String, Option<String>)> = rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::answers_sealed.is_not_null())
        .select((rsvps::id, rsvps::answers_sealed))
        .load(conn)?;
    sealed
        .into_iter()
        .filter_map(|(id, sealed)| sealed.map(|sealed| (id, sealed)))
        .map(|(id, sealed)| {
            let plain = open(key, &answers_aad(&id), &sealed).map_err(Error::Internal)?;
            let answers = serde_json::from_str(&plain)
                .map_err(|_| Error::unexpected("rsvps", "answers_sealed"))?;
            Ok((id, answers))
        })
        .collect()
}

/// What the sealed token copy is bound to.
pub fn token_aad(rsvp_id: &str) -> String {
    format!("{rsvp_id}/token")
}

fn row_by_token(conn: &mut DbConnection, token: &str) -> QueryResult<Option<RsvpRow>> {
    rsvps::table
        .filter(rsvps::token_hash.eq(hash_token(token)))
        .select(RsvpRow::as_select())
        .first(conn)
        .optional()
}

/// The RSVP behind a token with its event locked. The row is read again under the lock, since a
/// concurrent change may have landed in between.
fn lock_by_token(conn: &mut DbConnection, token: &str) -> Result<(Event, RsvpRow), Error> {
    let event_id = row_by_token(conn, token)?.ok_or(Error::NotFound)?.event_id;
    let event = event_queries::lock(conn, &event_id)?;
    let row = row_by_token(conn, token)?.ok_or(Error::NotFound)?;
    Ok((event, row))
}

/// An organizer's or door volunteer's RSVP by its id, within its event: the event locked, the
/// row, and whether it was purged. `NotFound` when the id is not one of that event's RSVPs.
fn lock_of_event(
    conn: &mut DbConnection,
    event_id: &str,
    rsvp_id: &str,
) -> Result<(Event, RsvpRow, bool), Error> {
    let event = event_queries::lock(conn, event_id)?;
    let (row, purged) = rsvps::table
        .filter(rsvps::id.eq(rsvp_id))
        .filter(rsvps::event_id.eq(event_id))
        .select((RsvpRow::as_select(), rsvps::purged))
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)?;
    Ok((event, row, purged))
}

/// The RSVP behind a manage token, with its event.
pub fn find_by_token(conn: &mut DbConnection, token: &str) -> Result<Option<(Rsvp, Event)>, Error> {
    let Some(row) = row_by_token(conn, token)? else {
        return Ok(None);
    };
    let event = event_queries::get(conn, &row.event_id)?;
    Ok(Some((row.into_rsvp()?, event)))
}

/// Apply a change made through a manage link. A change can replace a name, needs or an address,
/// and a cancellation forgets the address: the old values then leave the raw files too.
pub fn update(
    conn: &mut DbConnection,
    key: &SecretKey,
    token: &str,
    change: RsvpChange,
    now: DateTime<Utc>,
) -> Result<(Rsvp, Event), Error> {
    let changed = super::write_transaction(conn, |conn| {
        let (event, row) = lock_by_token(conn, token)?;
        let status = row.status;
        if change.cancel {
            if status != RsvpStatus::Cancelled {
                // A cancelled RSVP gets no reminders, so its address goes at once.
                diesel::update(rsvps::table.find(&row.id))
                    .set((
                        rsvps::status.eq(RsvpStatus::Cancelled),
                        rsvps::updated_at.eq(to_naive(now)),
                    ))
                    .execute(conn)?;
                outbox::forget_address(conn, &row.id)?;
                outbox::drop_waiting(conn, &row.id, now)?;
                super::push::forget_rsvp(conn, &row.id)?;
            }
        } else {
            apply_edit(conn, key, token, &event, &row, change, now)?;
        }
        let event = settled(conn, &event, now)?;
        let row = rsvps::table
            .find(&row.id)
            .select(RsvpRow::as_select())
            .first(conn)?;
        Ok((row.into_rsvp()?, event))
    })?;
    super::forget_deleted(conn)?;
    Ok(changed)
}

fn settled(conn: &mut DbConnection, event: &Event, now: DateTime<Utc>) -> Result<Event, Error> {
    settle(conn, event, now)?;
    event_queries::get(conn, &event.id)
}

/// A manage-link edit: the change over the row as it is, as admission allows.
fn apply_edit(
    conn: &mut DbConnection,
    key: &SecretKey,
    token: &str,
    event: &Event,
    row: &RsvpRow,
    change: RsvpChange,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let current = row.standing();
    let current_role = row.role;
    let guests = change.guests.map_or(row.guests, |guests| guests.count());
    let role = change.role.unwrap_or(current_role);
    admission::allow_edit(
        event,
        current,
        taken_now(conn, &event.id)?,
        1 + guests,
        role,
    )?;
    let pseudonym = match &change.pseudonym {
        Some(pseudonym) => Some(pseudonym.as_str().to_string()),
        None => row.pseudonym.clone(),
    };
    let needs = match &change.needs {
        Some(needs) => Some(needs.as_str().to_string()),
        None => row.needs.clone(),
    };
    let (email_sealed, token_sealed) = match &change.email {
        None => (row.email_sealed.clone(), row.token_sealed.clone()),
        Some(Some(email)) => seal_contact(key, &row.id, email.as_str(), token)?,
        Some(None) => (None, None),
    };
    let has_address = email_sealed.is_some();
    let answers_sealed = match &change.answers {
        None => row.answers_sealed.clone(),
        Some(answers) => seal_answers(key, &row.id, answers)?,
    };
    diesel::update(rsvps::table.find(&row.id))
        .set((
            rsvps::answers_sealed.eq(answers_sealed),
            rsvps::pseudonym.eq(pseudonym),
            rsvps::guests.eq(guests),
            rsvps::role.eq(role),
            rsvps::needs.eq(needs),
            rsvps::email_sealed.eq(email_sealed),
            rsvps::token_sealed.eq(token_sealed),
            rsvps::updated_at.eq(to_naive(now)),
        ))
        .execute(conn)?;
    if !has_address {
        outbox::drop_waiting(conn, &row.id, now)?;
    } else if current.status == RsvpStatus::Going {
        outbox::schedule(conn, event, Some(&row.id), now)?;
    }
    Ok(())
}

/// Arrival or "home safe", from a manage link. Only people going can do either; home safe
/// also counts as arrived.
pub fn mark(
    conn: &mut DbConnection,
    token: &str,
    mark: Arrival,
    now: DateTime<Utc>,
) -> Result<(Rsvp, Event), Error> {
    super::write_transaction(conn, |conn| {
        let (event, row) = lock_by_token(conn, token)?;
        let rsvp = mark_row(conn, &event, &row, mark, now)?;
        Ok((rsvp, event))
    })
}

/// Arrival, marked by a door volunteer for the RSVP `rsvp_id` of `event_id` (the door link
/// names the event): the same check-in as through the manage link.
pub fn mark_arrived(
    conn: &mut DbConnection,
    event_id: &str,
    rsvp_id: &str,
    now: DateTime<Utc>,
) -> Result<Rsvp, Error> {
    if rsvp_id.contains('\0') {
        return Err(Error::NotFound);
    }
    super::write_transaction(conn, |conn| {
        let (event, row, purged) = lock_of_event(conn, event_id, rsvp_id)?;
        if purged {
            return Err(Error::NotFound);
        }
        mark_row(conn, &event, &row, Arrival::CheckedIn, now)
    })
}

/// Record arrival or home safe on one row, under its event's lock.
fn mark_row(
    conn: &mut DbConnection,
    event: &Event,
    row: &RsvpRow,
    mark: Arrival,
    now: DateTime<Utc>,
) -> Result<Rsvp, Error> {
    admission::allow_presence(event, row.status)?;
    let at = Some(to_naive(now));
    if mark == Arrival::HomeSafe {
        diesel::update(rsvps::table.find(&row.id))
            .set(rsvps::safe_at.eq(at))
            .execute(conn)?;
    }
    // Arrival is kept as first recorded; home safe without a check-in counts as arrived.
    diesel::update(
        rsvps::table
            .find(&row.id)
            .filter(rsvps::checked_in_at.is_null()),
    )
    .set(rsvps::checked_in_at.eq(at))
    .execute(conn)?;
    notice::send(
        conn,
        &Notice::Presence {
            event_id: event.id.clone(),
        },
    )?;
    rsvps::table
        .find(&row.id)
        .select(RsvpRow::as_select())
        .first(conn)?
        .into_rsvp()
}

/// "I'm still coming", from the confirm page a day-ahead reminder links to. The first answer is
/// kept; cancelling ("I can't make it") goes through `update` like any cancellation.
pub fn reconfirm(
    conn: &mut DbConnection,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(Rsvp, Event), Error> {
    super::write_transaction(conn, |conn| {
        let (event, row) = lock_by_token(conn, token)?;
        admission::allow_reconfirm(&event, row.status, now)?;
        diesel::update(
            rsvps::table
                .find(&row.id)
                .filter(rsvps::reconfirmed_at.is_null()),
        )
        .set(rsvps::reconfirmed_at.eq(Some(to_naive(now))))
        .execute(conn)?;
        let row = rsvps::table
            .find(&row.id)
            .select(RsvpRow::as_select())
            .first(conn)?;
        Ok((row.into_rsvp()?, event))
    })
}

/// Which RSVP "delete me now" removed, and from which event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    pub rsvp_id: String,
    pub event_id: String,
}

/// "Delete me now": the row and everything in it, at once; freed places go to the waitlist.
pub fn delete(conn: &mut DbConnection, token: &str, now: DateTime<Utc>) -> Result<Deleted, Error> {
    let deleted = super::write_transaction(conn, |conn| {
        let (event, row) = lock_by_token(conn, token)?;
        diesel::delete(rsvps::table.find(&row.id)).execute(conn)?;
        super::live::forget_help(conn, std::slice::from_ref(&row.id))?;
        settle(conn, &event, now)?;
        Ok::<Deleted, Error>(Deleted {
            rsvp_id: row.id,
            event_id: event.id,
        })
    })?;
    super::forget_deleted(conn)?;
    Ok(deleted)
}

/// "Stop emails": the sealed address, the sealed token copy and everything waiting to be sent
/// to this RSVP go at once.
pub fn forget_email(conn: &mut DbConnection, token: &str, now: DateTime<Utc>) -> Result<(), Error> {
    super::write_transaction(conn, |conn| {
        let row = row_by_token(conn, token)?.ok_or(Error::NotFound)?;
        outbox::forget_address(conn, &row.id)?;
        outbox::drop_waiting(conn, &row.id, now)?;
        Ok(())
    })?;
    super::forget_deleted(conn)
}

/// Every RSVP to an event, oldest first (for organizers).
pub fn list_for_event(conn: &mut DbConnection, event_id: &str) -> Result<Vec<Rsvp>, Error> {
    rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .order((rsvps::created_at.asc(), rsvps::id.asc()))
        .select(RsvpRow::as_select())
        .load(conn)?
        .into_iter()
        .map(RsvpRow::into_rsvp)
        .collect()
}

/// An organizer approves or declines an RSVP. Approval makes a pending RSVP going when it fits
/// (waitlisted otherwise) and marks it approved, which `approved` locations require.
///
/// The audit entry is written in the decision's transaction, and it names the event, not the
/// RSVP (no attendee data in the log). A decline's checkpoint runs once that transaction has
/// committed: inside an open transaction it could never complete, and would hold SQLite's write
/// lock while it kept trying.
pub fn decide(
    conn: &mut DbConnection,
    actor: super::audit::Actor<'_>,
    event_id: &str,
    rsvp_id: &str,
    approve: bool,
    now: DateTime<Utc>,
) -> Result<Rsvp, Error> {
    // PostgreSQL refuses text with a NUL, and no id has one: nothing to decide.
    if rsvp_id.contains('\0') {
        return Err(Error::NotFound);
    }
    let action = if approve {
        Action::RsvpApproved
    } else {
        Action::RsvpDeclined
    };
    let decided = super::audit::recorded(conn, actor, action, event_id, |conn| {
        let (event, row, _) = lock_of_event(conn, event_id, rsvp_id)?;
        let current = row.standing();
        let status = current.status;
        let taken = taken_now(conn, event_id)?;
        let new_status = admission::decide(&event, current, row.purged, taken, approve)?;
        diesel::update(rsvps::table.find(&row.id))
            .set((
                rsvps::status.eq(new_status),
                rsvps::approved.eq(approve),
                rsvps::updated_at.eq(to_naive(now)),
            ))
            .execute(conn)?;
        if new_status != status || approve != row.approved {
            let kind = if approve {
                MessageKind::Approved
            } else {
                // Declined: reminders already written for it go too, and its phones.
                outbox::unschedule(conn, &event.id, Some(&row.id), now)?;
                super::push::forget_rsvp(conn, &row.id)?;
                MessageKind::Declined
            };
            outbox::notify(conn, &event.id, std::slice::from_ref(&row.id), kind, now)?;
        }
        if new_status == RsvpStatus::Going {
            outbox::schedule(conn, &event, Some(&row.id), now)?;
        }
        settle(conn, &event, now)?;
        let row = rsvps::table
            .find(&row.id)
            .select(RsvpRow::as_select())
            .first(conn)?;
        row.into_rsvp()
    })?;
    if !approve {
        // A declined RSVP's phones were removed: leave no copy in the write-ahead log.
        super::forget_deleted(conn)?;
    }
    Ok(decided)
}

/// Remove the personal fields of RSVPs to events that ended before `cutoff`: pseudonym, role,
/// needs, sealed email, sealed answers, token hash, and when they arrived and left. Status and guests stay, so
/// counts survive anonymously; how many arrived and made it home is added to the event's totals
/// first (`keep_presence_counts`).
/// One transaction: the RSVPs and what was sent to them go together, or neither does.
pub fn purge_ended(conn: &mut DbConnection, cutoff: DateTime<Utc>) -> Result<Purged, Error> {
    let purged = super::write_transaction(conn, |conn| {
        let ended = events::table
            .filter(events::ends_at.lt(to_naive(cutoff)))
            .select(events::id);
        // Whose live followers must hear of it: a purged manage link opens nothing any more.
        let events: Vec<String> = rsvps::table
            .filter(rsvps::purged.eq(false))
            .filter(rsvps::event_id.eq_any(ended))
            .select(rsvps::event_id)
            .distinct()
            .load(conn)?;
        for event_id in &events {
            notice::send(
                conn,
                &Notice::Rsvps {
                    event_id: event_id.clone(),
                },
            )?;
            keep_presence_counts(conn, event_id)?;
        }
        let ended = events::table
            .filter(events::ends_at.lt(to_naive(cutoff)))
            .select(events::id);
        let rsvps = diesel::update(
            rsvps::table
                .filter(rsvps::purged.eq(false))
                .filter(rsvps::event_id.eq_any(ended)),
        )
        .set((
            rsvps::token_hash.eq(None::<String>),
            rsvps::pseudonym.eq(None::<String>),
            rsvps::role.eq(None::<Role>),
            rsvps::needs.eq(None::<String>),
            rsvps::email_sealed.eq(None::<String>),
            rsvps::token_sealed.eq(None::<String>),
            rsvps::checked_in_at.eq(None::<NaiveDateTime>),
            rsvps::safe_at.eq(None::<NaiveDateTime>),
            rsvps::reconfirmed_at.eq(None::<NaiveDateTime>),
            rsvps::answers_sealed.eq(None::<String>),
            // The language someone chose says something about them too.
            rsvps::language.eq(crate::i18n::Lang::En.code()),
            rsvps::purged.eq(true),
        ))
        .execute(conn)?;
        // Help requests go blank: who asked and what they said.
        diesel::update(
            super::schema::live_updates::table
                .filter(super::schema::live_updates::rsvp_id.is_not_null())
                .filter(
                    super::schema::live_updates::event_id.eq_any(
                        events::table
                            .filter(events::ends_at.lt(to_naive(cutoff)))
                            .select(events::id),
                    ),
                ),
        )
        .set((
            super::schema::live_updates::text.eq(""),
            super::schema::live_updates::rsvp_id.eq(None::<String>),
        ))
        .execute(conn)?;
        // Their phones' push subscriptions go, and what waited to be pushed for the events.
        super::push::purge_ended(conn, cutoff)?;
        // What was sent to whom goes too; the rows held no personal data, only RSVP ids.
        diesel::delete(super::schema::outbox::table)
            .filter(
                super::schema::outbox::event_id.eq_any(
                    events::table
                        .filter(events::ends_at.lt(to_naive(cutoff)))
                        .select(events::id),
                ),
            )
            .execute(conn)?;
        Ok(Purged { rsvps, events })
    })?;
    super::forget_deleted(conn)?;
    Ok(purged)
}

/// Before the purge clears their check-in and home-safe times, add how many of an event's
/// going RSVPs had arrived and made it home to the event's anonymous totals.
fn keep_presence_counts(conn: &mut DbConnection, event_id: &str) -> QueryResult<()> {
    // The event's row first: a purge running on another instance at the same moment then
    // waits here, and once it commits the counts below see its RSVPs as purged (PostgreSQL
    // reads each statement afresh), so no arrival is added twice. SQLite's writes are one at a
    // time anyway.
    diesel::update(events::table.find(event_id))
        .set(events::purged_checked_in.eq(events::purged_checked_in))
        .execute(conn)?;
    let going = || {
        rsvps::table
            .filter(rsvps::event_id.eq(event_id))
            .filter(rsvps::purged.eq(false))
            .filter(rsvps::status.eq(RsvpStatus::Going))
    };
    let checked_in: i64 = going()
        .filter(rsvps::checked_in_at.is_not_null())
        .count()
        .get_result(conn)?;
    let home_safe: i64 = going()
        .filter(rsvps::safe_at.is_not_null())
        .count()
        .get_result(conn)?;
    let (checked_in, home_safe) = (
        i32::try_from(checked_in).unwrap_or(i32::MAX),
        i32::try_from(home_safe).unwrap_or(i32::MAX),
    );
    diesel::update(events::table.find(event_id))
        .set((
            events::purged_checked_in.eq(events::purged_checked_in + checked_in),
            events::purged_home_safe.eq(events::purged_home_safe + home_safe),
        ))
        .execute(conn)
        .map(|_| ())
}

/// What a purge took: how many RSVPs, and the events they were for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Purged {
    pub rsvps: usize,
    pub events: Vec<String>,
}
