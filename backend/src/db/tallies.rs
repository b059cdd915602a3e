//! Counts of RSVPs per event for the organizer's pages (going, waitlisted, pending, arrived,
//! home safe), read in a few grouped queries: numbers only, never who. After the purge the
//! arrivals live on as the event's `purged_checked_in` and `purged_home_safe` totals.

use std::collections::HashMap;

use diesel::dsl::{count_star, sum};
use diesel::prelude::*;

use super::schema::{events, rsvps};
use super::{DbConnection, Error};
use crate::domain::rsvp::{RsvpStatus, Tally};

/// The tally of each event named (an event without RSVPs gets zeros).
pub fn for_events(
    conn: &mut DbConnection,
    event_ids: &[String],
) -> Result<HashMap<String, Tally>, Error> {
    let mut tallies: HashMap<String, Tally> = event_ids
        .iter()
        .map(|id| (id.clone(), Tally::default()))
        .collect();
    if event_ids.is_empty() {
        return Ok(tallies);
    }
    let by_status: Vec<(String, RsvpStatus, bool, i64, Option<i64>)> = rsvps::table
        .filter(rsvps::event_id.eq_any(event_ids))
        .group_by((rsvps::event_id, rsvps::status, rsvps::purged))
        .select((
            rsvps::event_id,
            rsvps::status,
            rsvps::purged,
            count_star(),
            sum(rsvps::guests),
        ))
        .load(conn)?;
    for (event_id, status, purged, count, guests) in by_status {
        let Some(tally) = tallies.get_mut(&event_id) else {
            continue;
        };
        match status {
            RsvpStatus::Going => {
                tally.going += count;
                tally.places += count + guests.unwrap_or(0);
            }
            // After the purge nobody is waiting any more: the event is over.
            RsvpStatus::Waitlisted if !purged => tally.waitlisted = count,
            RsvpStatus::Pending if !purged => tally.pending = count,
            _ => {}
        }
    }
    let going = || {
        rsvps::table
            .filter(rsvps::event_id.eq_any(event_ids))
            .filter(rsvps::status.eq(RsvpStatus::Going))
    };
    let arrived: Vec<(String, i64)> = going()
        .filter(rsvps::checked_in_at.is_not_null())
        .group_by(rsvps::event_id)
        .select((rsvps::event_id, count_star()))
        .load(conn)?;
    let safe: Vec<(String, i64)> = going()
        .filter(rsvps::safe_at.is_not_null())
        .group_by(rsvps::event_id)
        .select((rsvps::event_id, count_star()))
        .load(conn)?;
    let kept: Vec<(String, i32, i32)> = events::table
        .filter(events::id.eq_any(event_ids))
        .select((
            events::id,
            events::purged_checked_in,
            events::purged_home_safe,
        ))
        .load(conn)?;
    for (event_id, count) in arrived {
        if let Some(tally) = tallies.get_mut(&event_id) {
            tally.checked_in += count;
        }
    }
    for (event_id, count) in safe {
        if let Some(tally) = tallies.get_mut(&event_id) {
            tally.home_safe += count;
        }
    }
    for (event_id, checked_in, home_safe) in kept {
        if let Some(tally) = tallies.get_mut(&event_id) {
            tally.checked_in += i64::from(checked_in);
            tally.home_safe += i64::from(home_safe);
        }
    }
    Ok(tallies)
}

/// One event's tally.
pub fn for_event(conn: &mut DbConnection, event_id: &str) -> Result<Tally, Error> {
    let ids = [event_id.to_string()];
    Ok(for_events(conn, &ids)?.remove(event_id).unwrap_or_default())
}
