//! Role quotas: how many people in each day-of role an event needs ("3 marshals"), how many
//! going RSVPs have taken each role, and which events the organizer's dashboard flags. Quotas
//! are goals, not caps: nothing here refuses an RSVP.

use chrono::{DateTime, Duration, Utc};

use super::event::{Event, Role};

/// The dashboard flags an event whose roles are not filled this close to its start.
pub const FLAG_HOURS: i64 = 48;

/// One role's goal and how far it is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub role: Role,
    pub needed: i64,
    pub filled: i64,
}

impl Quota {
    pub fn is_met(&self) -> bool {
        self.filled >= self.needed
    }

    /// People still needed in this role (never below zero).
    pub fn missing(&self) -> i64 {
        (self.needed - self.filled).max(0)
    }
}

/// Each role with a goal, with its going RSVPs.
pub fn quotas(event: &Event) -> Vec<Quota> {
    event
        .draft
        .roles_needed
        .iter()
        .map(|(role, needed)| Quota {
            role,
            needed,
            filled: event.roles_filled.get(role),
        })
        .collect()
}

/// The roles whose goal is not met yet.
pub fn still_needed(event: &Event) -> Vec<Role> {
    quotas(event)
        .into_iter()
        .filter(|quota| !quota.is_met())
        .map(|quota| quota.role)
        .collect()
}

/// Whether the organizer's dashboard flags the event: scheduled, not yet started, starting
/// within `FLAG_HOURS`, and some role's goal not met.
pub fn flagged(event: &Event, now: DateTime<Utc>) -> bool {
    let starts = event.draft.starts_at;
    !event.is_cancelled()
        && starts > now
        && starts - now <= Duration::hours(FLAG_HOURS)
        && !still_needed(event).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{sample_action, RoleNumbers};
    use std::collections::BTreeMap;

    #[test]
    fn parsing_names_the_field_and_drops_zeros() {
        let map = |pairs: &[(&str, i64)]| -> BTreeMap<String, i64> {
            pairs.iter().map(|(w, n)| (w.to_string(), *n)).collect()
        };
        let parsed = RoleNumbers::parse(&map(&[("medic", 2), ("marshal", 3), ("driver", 0)]))
            .expect("valid");
        assert_eq!(
            parsed.iter().collect::<Vec<_>>(),
            [(Role::Marshal, 3), (Role::Medic, 2)]
        );
        for bad in [
            map(&[("pilot", 1)]),
            map(&[("medic", -1)]),
            map(&[("medic", 1001)]),
        ] {
            assert_eq!(
                RoleNumbers::parse(&bad).expect_err("invalid").field,
                "roles_needed"
            );
        }
        assert!(parsed.check_offered(&[Role::Marshal]).is_err());
        assert!(parsed.check_offered(&[Role::Medic, Role::Marshal]).is_ok());
    }

    #[test]
    fn the_dashboard_flags_unfilled_roles_within_48_hours() {
        let now = Utc::now();
        let mut draft = sample_action();
        draft.roles = vec![Role::Marshal];
        draft.roles_needed = RoleNumbers::from_pairs([(Role::Marshal, 2)]);
        draft.starts_at = now + Duration::hours(30);
        draft.ends_at = draft.starts_at + Duration::hours(2);
        let mut event = Event::new(draft, now);
        assert!(flagged(&event, now));
        assert!(
            !flagged(&event, now - Duration::hours(20)),
            "too early to flag"
        );
        event.roles_filled = RoleNumbers::from_pairs([(Role::Marshal, 2)]);
        assert!(!flagged(&event, now), "filled");
    }

    #[test]
    fn the_flag_starts_exactly_48_hours_before_and_ends_at_the_start() {
        let now = Utc::now();
        let mut draft = sample_action();
        draft.roles = vec![Role::Marshal];
        draft.roles_needed = RoleNumbers::from_pairs([(Role::Marshal, 2)]);
        let event = Event::new(draft, now);
        let starts = event.draft.starts_at;
        let edge = starts - Duration::hours(FLAG_HOURS);
        let second = Duration::seconds(1);
        assert!(!flagged(&event, edge - second), "a second outside 48 hours");
        assert!(flagged(&event, edge), "exactly 48 hours before");
        assert!(flagged(&event, edge + second), "a second inside");
        assert!(
            flagged(&event, starts - second),
            "a second before the start"
        );
        assert!(!flagged(&event, starts), "started: nothing left to flag");
    }
}
