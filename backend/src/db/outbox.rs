//! The email outbox. Rows are written inside the transaction of the change that causes them
//! (an RSVP, a promotion, an edit, a cancellation) and name their recipient only by RSVP id.
//! Workers claim due rows with a conditional update and a lease, so a row is sent by one
//! instance at a time and a crash between claim and send only delays it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{events, live_updates, outbox, rsvps};
use super::DbConnection;
use super::Error;
use crate::domain::access::{self, Standing};
use crate::domain::event::{from_naive, to_naive, Event, LocationPrivacy, Role};
use crate::domain::live::{Audience, LiveUpdate, UpdateKind};
use crate::domain::message::{MessageKind, MessageState};
use crate::domain::rsvp::RsvpStatus;

/// A claimed message, ready to be composed and sent.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: String,
    pub rsvp_id: String,
    pub event_id: String,
    pub kind: String,
    pub offset_minutes: i32,
    pub attempts: i32,
    /// For an announcement: the update's `seq`.
    pub update_seq: Option<i32>,
}

#[derive(Insertable)]
#[diesel(table_name = outbox)]
struct NewRow<'a> {
    id: String,
    rsvp_id: &'a str,
    event_id: &'a str,
    kind: &'static str,
    offset_minutes: i32,
    state: &'static str,
    due_at: NaiveDateTime,
    next_attempt_at: NaiveDateTime,
    attempts: i32,
    created_at: NaiveDateTime,
    update_seq: Option<i32>,
}

fn insert(
    conn: &mut DbConnection,
    event_id: &str,
    rsvp_id: &str,
    kind: MessageKind,
    offset_minutes: i32,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values(NewRow {
            id: uuid::Uuid::new_v4().to_string(),
            rsvp_id,
            event_id,
            kind: kind.as_str(),
            offset_minutes,
            state: MessageState::Pending.as_str(),
            due_at: to_naive(due),
            next_attempt_at: to_naive(due),
            attempts: 0,
            created_at: to_naive(now),
            update_seq: None,
        })
        .execute(conn)
        .map(|_| ())
}

/// Queue an announcement by email (update `seq` of `event`, to `audience`) to everyone in that
/// audience by the access policy now who left an address: at most one per person per
/// announcement (a unique index holds that too). The policy is asked again when it is sent.
pub fn announce(
    conn: &mut DbConnection,
    event: &Event,
    seq: i32,
    audience: Audience,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let reachable: Vec<(String, RsvpStatus, bool, Option<Role>)> = rsvps::table
        .filter(rsvps::event_id.eq(&event.id))
        .filter(rsvps::purged.eq(false))
        .filter(rsvps::email_sealed.is_not_null())
        .select((rsvps::id, rsvps::status, rsvps::approved, rsvps::role))
        .load(conn)?;
    let written: std::collections::HashSet<String> = outbox::table
        .filter(outbox::event_id.eq(&event.id))
        .filter(outbox::kind.eq(MessageKind::Announcement.as_str()))
        .filter(outbox::update_seq.eq(seq))
        .select(outbox::rsvp_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    for (rsvp_id, status, approved, role) in reachable {
        let standing = Standing {
            status,
            approved,
            role,
        };
        if written.contains(&rsvp_id) || !access::messaged(event, &standing, audience) {
            continue;
        }
        diesel::insert_into(outbox::table)
            .values(NewRow {
                id: uuid::Uuid::new_v4().to_string(),
                rsvp_id: &rsvp_id,
                event_id: &event.id,
                kind: MessageKind::Announcement.as_str(),
                offset_minutes: 0,
                state: MessageState::Pending.as_str(),
                due_at: to_naive(now),
                next_attempt_at: to_naive(now),
                attempts: 0,
                created_at: to_naive(now),
                update_seq: Some(seq),
            })
            .execute(conn)?;
    }
    Ok(())
}

/// Queue the home-safe nudge to each of `rsvp_ids` that left an address and has never had one
/// (once per person, whatever happens; a unique index holds that too).
pub fn nudge(
    conn: &mut DbConnection,
    event_id: &str,
    rsvp_ids: &[String],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    for slice in rsvp_ids.chunks(500) {
        let with_address: Vec<String> = rsvps::table
            .filter(rsvps::id.eq_any(slice))
            .filter(rsvps::email_sealed.is_not_null())
            .select(rsvps::id)
            .load(conn)?;
        let nudged: std::collections::HashSet<String> = outbox::table
            .filter(outbox::rsvp_id.eq_any(&with_address))
            .filter(outbox::kind.eq(MessageKind::Nudge.as_str()))
            .select(outbox::rsvp_id)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        for rsvp_id in with_address.iter().filter(|id| !nudged.contains(*id)) {
            insert(conn, event_id, rsvp_id, MessageKind::Nudge, 0, now, now)?;
        }
    }
    Ok(())
}

/// RSVPs to `event_id` in one of `statuses` that left an address.
fn reachable(
    conn: &mut DbConnection,
    event_id: &str,
    statuses: &[RsvpStatus],
    only: Option<&str>,
) -> QueryResult<Vec<String>> {
    let mut query = rsvps::table
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::status.eq_any(statuses.iter().map(|s| s.as_str())))
        .filter(rsvps::email_sealed.is_not_null())
        .select(rsvps::id)
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(rsvps::id.eq(id));
    }
    query.load(conn)
}

/// Queue a notice of `kind` to each RSVP in `rsvp_ids` that left an address, unless one of that
/// kind is already waiting for it (it is composed when sent, so it will say what is current).
pub fn notify(
    conn: &mut DbConnection,
    event_id: &str,
    rsvp_ids: &[String],
    kind: MessageKind,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    // In slices, to stay far below the databases' limits on bound parameters.
    for slice in rsvp_ids.chunks(500) {
        let with_address: Vec<String> = rsvps::table
            .filter(rsvps::id.eq_any(slice))
            .filter(rsvps::email_sealed.is_not_null())
            .select(rsvps::id)
            .load(conn)?;
        let waiting: std::collections::HashSet<String> = outbox::table
            .filter(outbox::rsvp_id.eq_any(&with_address))
            .filter(outbox::kind.eq(kind.as_str()))
            .filter(outbox::state.eq(MessageState::Pending.as_str()))
            .select(outbox::rsvp_id)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        for rsvp_id in with_address.iter().filter(|id| !waiting.contains(*id)) {
            insert(conn, event_id, rsvp_id, kind, 0, now, now)?;
        }
    }
    Ok(())
}

/// Queue a notice to every RSVP of an event in one of `statuses` that left an address.
pub fn notify_event(
    conn: &mut DbConnection,
    event_id: &str,
    statuses: &[RsvpStatus],
    kind: MessageKind,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let ids = reachable(conn, event_id, statuses, None)?;
    notify(conn, event_id, &ids, kind, now)
}

/// Write every reminder (and the location reveal notice) that going RSVPs with an address are
/// owed and do not have yet; `only` limits it to one RSVP. Reminders whose time has passed are
/// skipped, and none is ever written twice (a partial unique index holds that too).
pub fn schedule(
    conn: &mut DbConnection,
    event: &Event,
    only: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    if event.is_cancelled() || event.has_ended(now) {
        return Ok(());
    }
    let going = reachable(conn, &event.id, &[RsvpStatus::Going], only)?;
    if going.is_empty() {
        return Ok(());
    }
    let mut written = outbox::table
        .filter(outbox::event_id.eq(&event.id))
        .filter(outbox::kind.eq_any([
            MessageKind::Reminder.as_str(),
            MessageKind::Revealed.as_str(),
        ]))
        .select((outbox::rsvp_id, outbox::kind, outbox::offset_minutes))
        .into_boxed();
    if let Some(id) = only {
        // One RSVP (a promotion, an approval, an edit of its own): its rows, not the event's.
        written = written.filter(outbox::rsvp_id.eq(id));
    }
    let written: std::collections::HashSet<(String, String, i32)> = written
        .load::<(String, String, i32)>(conn)?
        .into_iter()
        .collect();
    let owed = owed(event, now);
    for rsvp_id in &going {
        for &(kind, offset, due) in &owed {
            let key = (rsvp_id.clone(), kind.as_str().to_string(), offset);
            if !written.contains(&key) {
                insert(conn, &event.id, rsvp_id, kind, offset, due, now)?;
            }
        }
    }
    Ok(())
}

/// Write what a new going RSVP with an address is owed: it has nothing in the outbox yet, so
/// nothing is read first (the RSVP's hot path, `rsvps::create`). One statement a row: diesel's
/// multi-row insert is not offered over both databases at once.
pub fn schedule_new(
    conn: &mut DbConnection,
    event: &Event,
    rsvp_id: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    for (kind, offset, due) in owed_by_new(event, now) {
        insert(conn, &event.id, rsvp_id, kind, offset, due, now)?;
    }
    Ok(())
}

/// What a new going RSVP with an address is owed by `event` as it stands (nothing once it is
/// cancelled or over), as rows to insert: one column a list, for PostgreSQL's `unnest` (the
/// RSVP's one-statement insert, `rsvps::take_places_as_read`). Every row starts pending. The
/// default is nothing owed (an RSVP without an address).
#[derive(Default)]
pub struct OwedColumns {
    pub ids: Vec<String>,
    pub kinds: Vec<&'static str>,
    pub offsets: Vec<i32>,
    pub dues: Vec<NaiveDateTime>,
}

pub fn owed_columns(event: &Event, now: DateTime<Utc>) -> OwedColumns {
    let owed = owed_by_new(event, now);
    OwedColumns {
        ids: owed
            .iter()
            .map(|_| uuid::Uuid::new_v4().to_string())
            .collect(),
        kinds: owed.iter().map(|(kind, _, _)| kind.as_str()).collect(),
        offsets: owed.iter().map(|&(_, offset, _)| offset).collect(),
        dues: owed.iter().map(|&(_, _, due)| to_naive(due)).collect(),
    }
}

fn owed_by_new(event: &Event, now: DateTime<Utc>) -> Vec<(MessageKind, i32, DateTime<Utc>)> {
    if event.is_cancelled() || event.has_ended(now) {
        return Vec::new();
    }
    owed(event, now)
}

/// What every going RSVP with an address is owed while `event` is ahead: a reminder at each of
/// its offsets still in the future, and the location reveal notice when the place is revealed
/// later. Each as (kind, offset in minutes, due).
fn owed(event: &Event, now: DateTime<Utc>) -> Vec<(MessageKind, i32, DateTime<Utc>)> {
    let reminders = event
        .draft
        .reminder_offsets_minutes
        .iter()
        .map(|&offset| {
            let due = event.draft.starts_at - Duration::minutes(i64::from(offset));
            (MessageKind::Reminder, offset, due)
        })
        .filter(|&(_, _, due)| due > now);
    let reveal = match (event.draft.location_privacy, event.draft.location_reveal_at) {
        (LocationPrivacy::RevealAt, Some(at)) if at > now && !event.draft.location.is_empty() => {
            Some((MessageKind::Revealed, 0, at))
        }
        _ => None,
    };
    reminders.chain(reveal).collect()
}

/// Remove scheduled messages (reminders and reveal notices) that are waiting and not being
/// sent right now, for a whole event or one RSVP. After an edit, `schedule` writes them afresh.
pub fn unschedule(
    conn: &mut DbConnection,
    event_id: &str,
    only: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let mut query = diesel::delete(outbox::table)
        .filter(outbox::event_id.eq(event_id))
        .filter(outbox::state.eq(MessageState::Pending.as_str()))
        .filter(outbox::kind.eq_any([
            MessageKind::Reminder.as_str(),
            MessageKind::Revealed.as_str(),
        ]))
        .filter(
            outbox::claimed_until
                .is_null()
                .or(outbox::claimed_until.lt(to_naive(now))),
        )
        .into_boxed();
    if let Some(rsvp_id) = only {
        query = query.filter(outbox::rsvp_id.eq(rsvp_id));
    }
    query.execute(conn).map(|_| ())
}

/// Everything still waiting for one RSVP goes (its address was removed or it was cancelled).
pub fn drop_waiting(conn: &mut DbConnection, rsvp_id: &str, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::delete(outbox::table)
        .filter(outbox::rsvp_id.eq(rsvp_id))
        .filter(outbox::state.eq(MessageState::Pending.as_str()))
        .filter(
            outbox::claimed_until
                .is_null()
                .or(outbox::claimed_until.lt(to_naive(now))),
        )
        .execute(conn)
        .map(|_| ())
}

/// When the next message becomes due for a worker: the earliest pending row's next attempt,
/// or, for a row another worker holds, the end of its lease. `None` when nothing is pending.
pub fn next_due(conn: &mut DbConnection) -> QueryResult<Option<DateTime<Utc>>> {
    // One query (an idle server's look is one round trip): a row held past its next attempt
    // becomes due when the hold ends, any other at its next attempt.
    let becomes_due = diesel::dsl::case_when(
        outbox::claimed_until.gt(outbox::next_attempt_at.nullable()),
        outbox::claimed_until,
    )
    .otherwise(outbox::next_attempt_at.nullable());
    let next: Option<NaiveDateTime> = outbox::table
        .filter(outbox::state.eq(MessageState::Pending.as_str()))
        .select(diesel::dsl::min(becomes_due))
        .first(conn)?;
    Ok(next.map(from_naive))
}

/// Claim up to `limit` due messages for `lease`. The update re-checks that each row is still
/// unclaimed, so when two instances pick the same rows only one of them gets each.
pub fn claim_due(
    conn: &mut DbConnection,
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<(String, Vec<OutboxRow>), Error> {
    let claim = uuid::Uuid::new_v4().to_string();
    let free = || {
        outbox::claimed_until
            .is_null()
            .or(outbox::claimed_until.lt(to_naive(now)))
    };
    let due: Vec<String> = outbox::table
        .filter(outbox::state.eq(MessageState::Pending.as_str()))
        .filter(outbox::next_attempt_at.le(to_naive(now)))
        .filter(free())
        .order(outbox::next_attempt_at.asc())
        .limit(limit)
        .select(outbox::id)
        .load(conn)?;
    if due.is_empty() {
        return Ok((claim, Vec::new()));
    }
    super::write_transaction(conn, |conn| {
        diesel::update(outbox::table)
            .filter(outbox::id.eq_any(&due))
            .filter(outbox::state.eq(MessageState::Pending.as_str()))
            .filter(free())
            .set((
                outbox::claim.eq(&claim),
                outbox::claimed_until.eq(to_naive(now + lease)),
                outbox::attempts.eq(outbox::attempts + 1),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    let rows = outbox::table
        .filter(outbox::claim.eq(&claim))
        .select(OutboxRow::as_select())
        .load(conn)?;
    Ok((claim, rows))
}

/// What sending a message needs of its RSVP, as stored when the message's turn comes.
#[derive(Queryable, Selectable)]
#[diesel(table_name = rsvps)]
pub struct Recipient {
    pub status: String,
    pub approved: bool,
    pub email_sealed: Option<String>,
    pub token_sealed: Option<String>,
    pub language: String,
    pub role: Option<Role>,
    pub checked_in_at: Option<NaiveDateTime>,
    pub safe_at: Option<NaiveDateTime>,
}

impl Recipient {
    /// Where this RSVP stands, for the access policy (`None` for a status this version does
    /// not know).
    pub fn standing(&self) -> Option<Standing> {
        Some(Standing {
            status: RsvpStatus::parse(&self.status)?,
            approved: self.approved,
            role: self.role,
        })
    }
}

/// What a claimed message is for, read just now: its event and recipient (either may be gone)
/// and, for an announcement, the update it announces.
pub struct Found {
    pub event: Option<Arc<Event>>,
    pub recipient: Option<Recipient>,
    pub update: Option<LiveUpdate>,
}

/// A claimed message with what it is for, or why that could not be read.
pub struct Looked {
    pub row: OutboxRow,
    pub found: Result<Found, Error>,
}

/// Read the events and RSVPs behind a batch of claimed messages. Each event is read once,
/// however many messages share it. A message whose event or RSVP cannot be read carries its
/// own error; the others are read on.
pub fn look_up(conn: &mut DbConnection, rows: Vec<OutboxRow>) -> Vec<Looked> {
    let mut events: HashMap<String, Option<Arc<Event>>> = HashMap::new();
    rows.into_iter()
        .map(|row| {
            let found = look_up_one(conn, &mut events, &row);
            Looked { row, found }
        })
        .collect()
}

fn look_up_one(
    conn: &mut DbConnection,
    events: &mut HashMap<String, Option<Arc<Event>>>,
    row: &OutboxRow,
) -> Result<Found, Error> {
    if !events.contains_key(&row.event_id) {
        let event = super::events::find(conn, &row.event_id)?.map(Arc::new);
        events.insert(row.event_id.clone(), event);
    }
    let event = events.get(&row.event_id).cloned().flatten();
    let recipient = rsvps::table
        .find(&row.rsvp_id)
        .select(Recipient::as_select())
        .first(conn)
        .optional()?;
    let update = match row.update_seq {
        Some(seq) => announced(conn, &row.event_id, seq)?,
        None => None,
    };
    Ok(Found {
        event,
        recipient,
        update,
    })
}

/// The update an announcement email is for (what it said and to whom), if it is still there.
fn announced(
    conn: &mut DbConnection,
    event_id: &str,
    seq: i32,
) -> Result<Option<LiveUpdate>, Error> {
    let row: Option<(UpdateKind, String, String, NaiveDateTime)> = live_updates::table
        .find((event_id, seq))
        .select((
            live_updates::kind,
            live_updates::audience,
            live_updates::text,
            live_updates::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some((kind, audience, text, created_at)) = row else {
        return Ok(None);
    };
    let audience =
        Audience::parse(&audience).ok_or_else(|| Error::unexpected("live_updates", "audience"))?;
    Ok(Some(LiveUpdate {
        event_id: event_id.to_string(),
        seq,
        kind,
        audience,
        text,
        // An email never carries a location (rule 7): only the text is read.
        location: None,
        created_at: from_naive(created_at),
        pseudonym: None,
    }))
}

/// How a claimed message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Skipped,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    Failed,
}

/// Record how a claimed message ended, if this claim still holds it.
pub fn finish(
    conn: &mut DbConnection,
    id: &str,
    claim: &str,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let (state, next_attempt, sent_at) = match outcome {
        Outcome::Sent => (MessageState::Sent, None, Some(to_naive(now))),
        Outcome::Skipped => (MessageState::Skipped, None, None),
        Outcome::RetryAt(at) => (MessageState::Pending, Some(to_naive(at)), None),
        Outcome::Failed => (MessageState::Failed, None, None),
    };
    super::write_transaction(conn, |conn| {
        let target = outbox::table
            .filter(outbox::id.eq(id))
            .filter(outbox::claim.eq(claim));
        diesel::update(target)
            .set((
                outbox::state.eq(state.as_str()),
                outbox::sent_at.eq(sent_at),
                outbox::claim.eq(None::<String>),
                outbox::claimed_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        if let Some(at) = next_attempt {
            diesel::update(outbox::table.find(id))
                .set(outbox::next_attempt_at.eq(at))
                .execute(conn)?;
        }
        Ok(())
    })
}

/// Record how a claimed message ended (if this claim still holds it) and, unless it will be
/// tried again, forget its RSVP's address when nothing more will be sent to it (see
/// `forget_address_when_done`; without the event nothing is forgotten). Returns whether the
/// address was forgotten.
pub fn record(
    conn: &mut DbConnection,
    row: &OutboxRow,
    claim: &str,
    outcome: Outcome,
    event: Option<&Event>,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    finish(conn, &row.id, claim, outcome, now)?;
    match (event, outcome) {
        (Some(event), Outcome::Sent | Outcome::Skipped | Outcome::Failed) => {
            forget_address_when_done(conn, &row.rsvp_id, event, now)
        }
        (_, Outcome::RetryAt(_)) | (None, _) => Ok(false),
    }
}

/// Once nothing more will be sent to an RSVP, its sealed address and token copy go: after the
/// event's last reminder time (and, for an action with a "home safe by" time, once its check
/// has run, so the nudge can reach it), after a cancellation, or once the RSVP was declined or
/// cancelled.
/// The caller runs `db::forget_deleted` afterwards (once per batch) so the raw files forget too.
pub fn forget_address_when_done(
    conn: &mut DbConnection,
    rsvp_id: &str,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let last_reminder_passed = event
        .draft
        .reminder_offsets_minutes
        .iter()
        .min()
        .is_some_and(|&last| event.draft.starts_at - Duration::minutes(i64::from(last)) <= now);
    // Checked and done under the write lock, so no notice can be queued in between.
    let forgotten = super::write_transaction(conn, |conn| {
        let waiting: i64 = outbox::table
            .filter(outbox::rsvp_id.eq(rsvp_id))
            .filter(outbox::state.eq(MessageState::Pending.as_str()))
            .count()
            .get_result(conn)?;
        let status: Option<String> = rsvps::table
            .find(rsvp_id)
            .select(rsvps::status)
            .first(conn)
            .optional()?;
        let withdrawn = matches!(
            status.as_deref().and_then(RsvpStatus::parse),
            None | Some(RsvpStatus::Declined | RsvpStatus::Cancelled)
        );
        let safety_checked = match event.draft.safe_by {
            None => true,
            Some(safe_by) => {
                let done_for: Option<NaiveDateTime> = events::table
                    .find(&event.id)
                    .select(events::safety_done_for)
                    .first(conn)
                    .optional()?
                    .flatten();
                done_for == Some(to_naive(safe_by))
            }
        };
        let done = waiting == 0
            && (withdrawn || event.is_cancelled() || (last_reminder_passed && safety_checked));
        if done {
            forget_address(conn, rsvp_id)?;
        }
        Ok(done)
    })?;
    Ok(forgotten)
}

/// Remove an RSVP's sealed address and sealed token copy (inside the caller's transaction).
pub fn forget_address(conn: &mut DbConnection, rsvp_id: &str) -> QueryResult<()> {
    diesel::update(rsvps::table.find(rsvp_id))
        .set((
            rsvps::email_sealed.eq(None::<String>),
            rsvps::token_sealed.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Messages waiting to be sent, and those that gave up (for `/metrics`).
pub fn depth(conn: &mut DbConnection) -> QueryResult<(i64, i64)> {
    let count = |conn: &mut DbConnection, state: MessageState| -> QueryResult<i64> {
        outbox::table
            .filter(outbox::state.eq(state.as_str()))
            .count()
            .get_result(conn)
    };
    Ok((
        count(conn, MessageState::Pending)?,
        count(conn, MessageState::Failed)?,
    ))
}

/// Of these RSVPs, the ones that still exist, are not purged and are not cancelled: a `file://`
/// mail folder keeps the messages of these and of no others.
pub fn still_current(
    conn: &mut DbConnection,
    rsvp_ids: &[String],
) -> QueryResult<std::collections::HashSet<String>> {
    let mut current = std::collections::HashSet::new();
    // In slices, to stay far below the databases' limits on bound parameters.
    for slice in rsvp_ids.chunks(500) {
        let ids: Vec<String> = rsvps::table
            .filter(rsvps::id.eq_any(slice))
            .filter(rsvps::purged.eq(false))
            .filter(rsvps::status.ne(RsvpStatus::Cancelled.as_str()))
            .select(rsvps::id)
            .load(conn)?;
        current.extend(ids);
    }
    Ok(current)
}
