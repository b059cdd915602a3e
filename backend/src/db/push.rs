//! Web Push subscriptions and the push outbox. A subscription's endpoint and keys are sealed
//! with the key file (the row's id as associated data); only a keyed hash of the endpoint is
//! stored beside them, to replace or remove the same phone's row. Outbox rows are written in
//! the transaction of the change that causes them and name a subscription and a topic, never
//! what the message says; workers claim due rows with a conditional update and a lease, so one
//! push is sent by one instance at a time.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::schema::{organizers, push_outbox, push_subscriptions, rsvps};
use super::{DbConnection, Error};
use crate::domain::access::{self, Standing, Viewer};
use crate::domain::event::{to_naive, Event, Role};
use crate::domain::live::LiveUpdate;
use crate::domain::push::{PushDetail, PushTopic};
use crate::domain::rsvp::RsvpStatus;
use crate::privacy::crypto::{keyed_hash, open, seal};
use crate::privacy::keyfile::SecretKey;

/// Phones one RSVP or one organizer may have subscribed at once; a further one replaces the
/// oldest.
pub const MAX_SUBSCRIPTIONS_EACH: usize = 5;
/// What the endpoint's keyed hash is labelled with.
const ENDPOINT_LABEL: &str = "umbrella push endpoint v1";
const PENDING: &str = "pending";
const FAILED: &str = "failed";

/// Whose phone a subscription is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Rsvp(String),
    Organizer(String),
}

/// What is sealed in a subscription's row.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SealedSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub detail: String,
}

#[derive(Insertable)]
#[diesel(table_name = push_subscriptions)]
struct NewSubscription<'a> {
    id: &'a str,
    rsvp_id: Option<&'a str>,
    organizer_id: Option<&'a str>,
    endpoint_hash: &'a str,
    sealed: &'a str,
    language: &'a str,
    created_at: NaiveDateTime,
}

fn endpoint_hash(key: &SecretKey, endpoint: &str) -> String {
    keyed_hash(key, ENDPOINT_LABEL, endpoint)
}

/// Store (or replace) a phone's subscription for `owner`.
pub fn subscribe(
    conn: &mut DbConnection,
    key: &SecretKey,
    owner: &Owner,
    subscription: &crate::domain::push::PushSubscription,
    language: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let hash = endpoint_hash(key, &subscription.endpoint);
    let plain = serde_json::to_string(&SealedSubscription {
        endpoint: subscription.endpoint.clone(),
        p256dh: subscription.p256dh_text(),
        auth: subscription.auth_text(),
        detail: subscription.detail.as_str().to_string(),
    })
    .map_err(Error::internal)?;
    let sealed = seal(key, &id, &plain).map_err(Error::internal)?;
    let (rsvp_id, organizer_id) = match owner {
        Owner::Rsvp(id) => (Some(id.as_str()), None),
        Owner::Organizer(id) => (None, Some(id.as_str())),
    };
    super::write_transaction(conn, |conn| {
        remove(conn, owner, Some(&hash))?;
        diesel::insert_into(push_subscriptions::table)
            .values(NewSubscription {
                id: &id,
                rsvp_id,
                organizer_id,
                endpoint_hash: &hash,
                sealed: &sealed,
                language,
                created_at: to_naive(now),
            })
            .execute(conn)?;
        // The oldest beyond the cap go.
        let newest_first = (
            push_subscriptions::created_at.desc(),
            push_subscriptions::id.desc(),
        );
        let mut ids: Vec<String> = match owner {
            Owner::Rsvp(id) => push_subscriptions::table
                .filter(push_subscriptions::rsvp_id.eq(id))
                .order(newest_first)
                .select(push_subscriptions::id)
                .load(conn)?,
            Owner::Organizer(id) => push_subscriptions::table
                .filter(push_subscriptions::organizer_id.eq(id))
                .order(newest_first)
                .select(push_subscriptions::id)
                .load(conn)?,
        };
        if ids.len() > MAX_SUBSCRIPTIONS_EACH {
            let extra = ids.split_off(MAX_SUBSCRIPTIONS_EACH);
            delete_subscriptions(conn, &extra)?;
        }
        Ok(())
    })
}

fn remove(conn: &mut DbConnection, owner: &Owner, hash: Option<&str>) -> QueryResult<usize> {
    let target = push_subscriptions::table.select(push_subscriptions::id);
    let ids: Vec<String> = match (owner, hash) {
        (Owner::Rsvp(id), Some(hash)) => target
            .filter(push_subscriptions::rsvp_id.eq(id))
            .filter(push_subscriptions::endpoint_hash.eq(hash))
            .load(conn)?,
        (Owner::Rsvp(id), None) => target
            .filter(push_subscriptions::rsvp_id.eq(id))
            .load(conn)?,
        (Owner::Organizer(id), Some(hash)) => target
            .filter(push_subscriptions::organizer_id.eq(id))
            .filter(push_subscriptions::endpoint_hash.eq(hash))
            .load(conn)?,
        (Owner::Organizer(id), None) => target
            .filter(push_subscriptions::organizer_id.eq(id))
            .load(conn)?,
    };
    delete_subscriptions(conn, &ids)
}

/// Remove `owner`'s subscription for `endpoint`, or all of them; the raw files forget them too.
pub fn unsubscribe(
    conn: &mut DbConnection,
    key: &SecretKey,
    owner: &Owner,
    endpoint: Option<&str>,
) -> Result<usize, Error> {
    let hash = endpoint.map(|endpoint| endpoint_hash(key, endpoint));
    let removed = super::write_transaction(conn, |conn| Ok(remove(conn, owner, hash.as_deref())?))?;
    super::forget_deleted(conn)?;
    Ok(removed)
}

/// Remove every phone of one RSVP inside the caller's transaction: it was cancelled or
/// declined, and nothing more will be pushed to it.
pub fn forget_rsvp(conn: &mut DbConnection, rsvp_id: &str) -> QueryResult<usize> {
    remove(conn, &Owner::Rsvp(rsvp_id.to_string()), None)
}

/// Remove subscriptions (and whatever waits to be pushed to them) inside the caller's
/// transaction.
pub fn delete_subscriptions(conn: &mut DbConnection, ids: &[String]) -> QueryResult<usize> {
    let mut removed = 0;
    for slice in ids.chunks(500) {
        diesel::delete(push_outbox::table.filter(push_outbox::subscription_id.eq_any(slice)))
            .execute(conn)?;
        removed +=
            diesel::delete(push_subscriptions::table.filter(push_subscriptions::id.eq_any(slice)))
                .execute(conn)?;
    }
    Ok(removed)
}

/// Every subscription of the RSVPs to events that ended before `cutoff` (the purge, inside its
/// transaction).
pub fn purge_ended(conn: &mut DbConnection, cutoff: DateTime<Utc>) -> QueryResult<usize> {
    use super::schema::events;
    let ended = events::table
        .filter(events::ends_at.lt(to_naive(cutoff)))
        .select(events::id);
    let ids: Vec<String> = push_subscriptions::table
        .inner_join(rsvps::table)
        .filter(rsvps::event_id.eq_any(ended))
        .select(push_subscriptions::id)
        .load(conn)?;
    let removed = delete_subscriptions(conn, &ids)?;
    let ended = events::table
        .filter(events::ends_at.lt(to_naive(cutoff)))
        .select(events::id);
    diesel::delete(push_outbox::table.filter(push_outbox::event_id.eq_any(ended))).execute(conn)?;
    Ok(removed)
}

/// Whether any subscription is stored (sealed with the key file).
pub fn any(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        push_subscriptions::table.select(push_subscriptions::id),
    ))
    .get_result(conn)
}

#[derive(Insertable)]
#[diesel(table_name = push_outbox)]
struct NewPush<'a> {
    id: String,
    subscription_id: &'a str,
    event_id: &'a str,
    topic: &'static str,
    seq: i32,
    state: &'static str,
    next_attempt_at: NaiveDateTime,
    attempts: i32,
    created_at: NaiveDateTime,
}

/// Queue `topic` for each of these subscriptions (in slices, far below the databases' limits
/// on bound parameters). Returns how many were queued.
pub fn queue(
    conn: &mut DbConnection,
    event_id: &str,
    subscription_ids: &[String],
    topic: PushTopic,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    for slice in subscription_ids.chunks(500) {
        let rows: Vec<NewPush> = slice
            .iter()
            .map(|subscription_id| NewPush {
                id: uuid::Uuid::new_v4().to_string(),
                subscription_id,
                event_id,
                topic: topic.word(),
                seq: topic.seq(),
                state: PENDING,
                next_attempt_at: to_naive(now),
                attempts: 0,
                created_at: to_naive(now),
            })
            .collect();
        match conn {
            DbConnection::Sqlite(sqlite) => {
                diesel::insert_into(push_outbox::table)
                    .values(rows)
                    .execute(sqlite)?;
            }
            DbConnection::Postgres(pg) => {
                diesel::insert_into(push_outbox::table)
                    .values(rows)
                    .execute(pg)?;
            }
        }
    }
    Ok(subscription_ids.len())
}

/// The standing of an RSVP as a subscription's owner, read now.
type StandingRow = (String, String, bool, Option<Role>);

/// Subscriptions of RSVPs to `event` (not purged) with their owner's standing.
fn attendee_subscriptions(
    conn: &mut DbConnection,
    event_id: &str,
) -> QueryResult<Vec<(String, Standing)>> {
    let rows: Vec<StandingRow> = push_subscriptions::table
        .inner_join(rsvps::table)
        .filter(rsvps::event_id.eq(event_id))
        .filter(rsvps::purged.eq(false))
        .select((
            push_subscriptions::id,
            rsvps::status,
            rsvps::approved,
            rsvps::role,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, status, approved, role)| {
            let status = RsvpStatus::parse(&status)?;
            Some((
                id,
                Standing {
                    status,
                    approved,
                    role,
                },
            ))
        })
        .collect())
}

/// Subscriptions of organizers who may sign in, but `except` (the one who caused the push).
fn organizer_subscriptions(
    conn: &mut DbConnection,
    except: Option<&str>,
) -> QueryResult<Vec<String>> {
    let mut query = push_subscriptions::table
        .inner_join(organizers::table)
        .filter(organizers::disabled.eq(false))
        .select(push_subscriptions::id)
        .into_boxed();
    if let Some(actor) = except {
        query = query.filter(organizers::id.ne(actor));
    }
    query.load(conn)
}

/// Queue a push of a live update to every subscriber the access policy lets see it now
/// (asked again when it is sent), but the organizer who posted it. Run inside the posting
/// transaction, so an update is never stored without its pushes.
pub fn queue_update(
    conn: &mut DbConnection,
    event: &Event,
    update: &LiveUpdate,
    poster: Option<&str>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let mut ids = organizer_subscriptions(conn, poster)?;
    ids.extend(
        attendee_subscriptions(conn, &event.id)?
            .into_iter()
            .filter(|(_, standing)| {
                access::messaged(event, standing, update.audience)
                    && access::update_for(event, &Viewer::Attendee(*standing), update, now)
                        .is_some()
            })
            .map(|(id, _)| id),
    );
    queue(conn, &event.id, &ids, PushTopic::Update(update.seq), now)
}

/// Queue `topic` to the phones of one RSVP (e.g. the home-safe nudge).
pub fn queue_to_rsvp(
    conn: &mut DbConnection,
    event_id: &str,
    rsvp_id: &str,
    topic: PushTopic,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let ids: Vec<String> = push_subscriptions::table
        .filter(push_subscriptions::rsvp_id.eq(rsvp_id))
        .select(push_subscriptions::id)
        .load(conn)?;
    queue(conn, event_id, &ids, topic, now)
}

/// Queue `topic` to the phones of every organizer and of the RSVPs to `event` admitted with
/// one of `roles` (e.g. jail support, for the list of who has not made it home).
pub fn queue_to_organizers_and_roles(
    conn: &mut DbConnection,
    event: &Event,
    roles: &[Role],
    topic: PushTopic,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let mut ids = organizer_subscriptions(conn, None)?;
    ids.extend(
        attendee_subscriptions(conn, &event.id)?
            .into_iter()
            .filter(|(_, standing)| {
                roles.iter().any(|role| {
                    access::in_audience(
                        event,
                        &Viewer::Attendee(*standing),
                        crate::domain::live::Audience::Role(*role),
                    )
                })
            })
            .map(|(id, _)| id),
    );
    queue(conn, &event.id, &ids, topic, now)
}

/// A claimed push.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = push_outbox)]
pub struct PushRow {
    pub id: String,
    pub subscription_id: String,
    pub event_id: String,
    pub topic: String,
    pub seq: i32,
    pub attempts: i32,
}

/// When the next push becomes due for a worker: the earliest pending row's next attempt, or,
/// for a row another worker holds, the end of its lease. `None` when nothing is pending.
pub fn next_due(conn: &mut DbConnection) -> QueryResult<Option<DateTime<Utc>>> {
    // One query (an idle server's look is one round trip): a row held past its next attempt
    // becomes due when the hold ends, any other at its next attempt.
    let becomes_due = diesel::dsl::case_when(
        push_outbox::claimed_until.gt(push_outbox::next_attempt_at.nullable()),
        push_outbox::claimed_until,
    )
    .otherwise(push_outbox::next_attempt_at.nullable());
    let next: Option<NaiveDateTime> = push_outbox::table
        .filter(push_outbox::state.eq(PENDING))
        .select(diesel::dsl::min(becomes_due))
        .first(conn)?;
    Ok(next.map(crate::domain::event::from_naive))
}

/// Claim up to `limit` due pushes for `lease`; the update re-checks each row is still free, so
/// of two instances picking the same rows only one gets each.
pub fn claim_due(
    conn: &mut DbConnection,
    limit: i64,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<(String, Vec<PushRow>), Error> {
    let claim = uuid::Uuid::new_v4().to_string();
    let free = || {
        push_outbox::claimed_until
            .is_null()
            .or(push_outbox::claimed_until.lt(to_naive(now)))
    };
    let due: Vec<String> = push_outbox::table
        .filter(push_outbox::state.eq(PENDING))
        .filter(push_outbox::next_attempt_at.le(to_naive(now)))
        .filter(free())
        .order(push_outbox::next_attempt_at.asc())
        .limit(limit)
        .select(push_outbox::id)
        .load(conn)?;
    if due.is_empty() {
        return Ok((claim, Vec::new()));
    }
    super::write_transaction(conn, |conn| {
        for slice in due.chunks(500) {
            diesel::update(push_outbox::table)
                .filter(push_outbox::id.eq_any(slice))
                .filter(push_outbox::state.eq(PENDING))
                .filter(free())
                .set((
                    push_outbox::claim.eq(&claim),
                    push_outbox::claimed_until.eq(to_naive(now + lease)),
                    push_outbox::attempts.eq(push_outbox::attempts + 1),
                ))
                .execute(conn)?;
        }
        Ok(())
    })?;
    let rows = push_outbox::table
        .filter(push_outbox::claim.eq(&claim))
        .select(PushRow::as_select())
        .load(conn)?;
    Ok((claim, rows))
}

/// Who a subscription belongs to, as things stand now.
#[derive(Debug, Clone)]
pub enum Subscriber {
    /// An RSVP (its standing, and whether it checked in and is not yet home safe), or `None`
    /// once purged.
    Attendee(Option<(Standing, bool)>),
    /// An organizer, and whether they may still sign in.
    Organizer { enabled: bool },
}

/// A subscription opened for sending.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub subscription_id: String,
    pub sealed: String,
    pub language: String,
    pub subscriber: Subscriber,
}

impl Recipient {
    /// The endpoint, keys and detail, opened only for the moment of sending.
    pub fn open(&self, key: &SecretKey) -> anyhow::Result<SealedSubscription> {
        let plain = open(key, &self.subscription_id, &self.sealed)?;
        Ok(serde_json::from_str(&plain)?)
    }

    /// How much the lock screen may show (neutral when it cannot be read).
    pub fn detail(sealed: &SealedSubscription) -> PushDetail {
        PushDetail::parse(&sealed.detail).unwrap_or_default()
    }
}

type SubscriptionLine = (String, Option<String>, Option<String>, String, String);
type RsvpLine = (
    String,
    String,
    bool,
    Option<Role>,
    bool,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

/// The subscriptions behind a batch of claimed rows, with their owners now (absent: the
/// subscription is gone).
pub fn recipients(
    conn: &mut DbConnection,
    rows: &[PushRow],
) -> Result<HashMap<String, Recipient>, Error> {
    let mut ids: Vec<&str> = rows
        .iter()
        .map(|row| row.subscription_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut lines: Vec<SubscriptionLine> = Vec::new();
    for slice in ids.chunks(500) {
        lines.extend(
            push_subscriptions::table
                .filter(push_subscriptions::id.eq_any(slice))
                .select((
                    push_subscriptions::id,
                    push_subscriptions::rsvp_id,
                    push_subscriptions::organizer_id,
                    push_subscriptions::sealed,
                    push_subscriptions::language,
                ))
                .load::<SubscriptionLine>(conn)?,
        );
    }
    let rsvp_ids: Vec<&str> = lines.iter().filter_map(|line| line.1.as_deref()).collect();
    let mut standings: HashMap<String, Option<(Standing, bool)>> = HashMap::new();
    for slice in rsvp_ids.chunks(500) {
        let found: Vec<RsvpLine> = rsvps::table
            .filter(rsvps::id.eq_any(slice))
            .select((
                rsvps::id,
                rsvps::status,
                rsvps::approved,
                rsvps::role,
                rsvps::purged,
                rsvps::checked_in_at,
                rsvps::safe_at,
            ))
            .load(conn)?;
        for (id, status, approved, role, purged, checked_in, safe) in found {
            let standing = RsvpStatus::parse(&status)
                .filter(|_| !purged)
                .map(|status| {
                    let out_late = checked_in.is_some() && safe.is_none();
                    (
                        Standing {
                            status,
                            approved,
                            role,
                        },
                        out_late,
                    )
                });
            standings.insert(id, standing);
        }
    }
    let organizer_ids: Vec<&str> = lines.iter().filter_map(|line| line.2.as_deref()).collect();
    let mut enabled: HashMap<String, bool> = HashMap::new();
    for slice in organizer_ids.chunks(500) {
        let found: Vec<(String, bool)> = organizers::table
            .filter(organizers::id.eq_any(slice))
            .select((organizers::id, organizers::disabled))
            .load(conn)?;
        enabled.extend(found.into_iter().map(|(id, disabled)| (id, !disabled)));
    }
    Ok(lines
        .into_iter()
        .map(|(id, rsvp_id, organizer_id, sealed, language)| {
            let subscriber = match (rsvp_id, organizer_id) {
                (Some(rsvp), _) => Subscriber::Attendee(standings.get(&rsvp).cloned().flatten()),
                (None, Some(organizer)) => Subscriber::Organizer {
                    enabled: enabled.get(&organizer).copied().unwrap_or(false),
                },
                (None, None) => Subscriber::Attendee(None),
            };
            (
                id.clone(),
                Recipient {
                    subscription_id: id,
                    sealed,
                    language,
                    subscriber,
                },
            )
        })
        .collect())
}

/// How a claimed push ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Handed to the push service, or no longer for this subscriber: the row goes.
    Done,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// Given up; kept as failed until the event's purge.
    Failed,
    /// The push service says the subscription is gone (404, 410): it goes, with its rows.
    Gone,
}

/// Record how a claimed push ended, if this claim still holds it.
pub fn finish(
    conn: &mut DbConnection,
    row: &PushRow,
    claim: &str,
    outcome: Outcome,
) -> Result<(), Error> {
    let held = push_outbox::table
        .filter(push_outbox::id.eq(&row.id))
        .filter(push_outbox::claim.eq(claim));
    match outcome {
        Outcome::Done => {
            diesel::delete(held).execute(conn)?;
        }
        Outcome::RetryAt(at) => {
            diesel::update(held)
                .set((
                    push_outbox::next_attempt_at.eq(to_naive(at)),
                    push_outbox::claim.eq(None::<String>),
                    push_outbox::claimed_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        Outcome::Failed => {
            diesel::update(held)
                .set((
                    push_outbox::state.eq(FAILED),
                    push_outbox::claim.eq(None::<String>),
                    push_outbox::claimed_until.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
        }
        Outcome::Gone => {
            super::write_transaction(conn, |conn| {
                Ok(delete_subscriptions(
                    conn,
                    std::slice::from_ref(&row.subscription_id),
                )?)
            })?;
        }
    }
    Ok(())
}

/// Pushes waiting to be sent, and those given up (for `/metrics` and tests).
pub fn depth(conn: &mut DbConnection) -> QueryResult<(i64, i64)> {
    let count = |conn: &mut DbConnection, state: &str| -> QueryResult<i64> {
        push_outbox::table
            .filter(push_outbox::state.eq(state))
            .count()
            .get_result(conn)
    };
    Ok((count(conn, PENDING)?, count(conn, FAILED)?))
}
