//! Series: how a repeating gathering's occurrences are laid out, and how an edit to one
//! occurrence carries to the later ones ("this and following"). Times are wall-clock times in
//! the group's time zone: a weekly circle at 18:00 stays at 18:00 across daylight-saving changes.
//!
//! Done with chrono-tz arithmetic rather than an RRULE engine: RFC 5545 (and the `rrule` crate)
//! skips a month that lacks the day ("monthly on the 31st" has no February), which is not what a
//! support group means. Here a monthly series keeps the first occurrence's day of the month and
//! falls back to the month's last day when it has no such day (Jan 31 → Feb 28 (29) → Mar 31 →
//! Apr 30…), always counted from the first occurrence so the 31st is not lost after February.

use chrono::{DateTime, Duration, LocalResult, Months, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::event::EventDraft;
use super::{word_enum, FieldError};

word_enum!(
    /// How often a series repeats.
    Frequency { Daily => "daily", Weekly => "weekly", Monthly => "monthly" }
);

word_enum!(
    /// Which occurrences an edit or a cancellation touches: this one, or this and the later ones.
    EditScope { One => "one", Following => "following" }
);

/// A series has at most this many occurrences, whether given by `count` or `until`.
pub const MAX_OCCURRENCES: i64 = 52;
/// Every 1 to 52 days, weeks or months.
pub const MAX_INTERVAL: i64 = 52;

/// Where a series stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesEnd {
    /// This many occurrences, the first included.
    Count(i64),
    /// Every occurrence that starts at or before this time.
    Until(DateTime<Utc>),
}

/// A validated repeat rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeat {
    pub frequency: Frequency,
    pub interval: i64,
    pub end: SeriesEnd,
}

impl Repeat {
    /// Check a rule as sent (`interval` defaults to 1; exactly one of `count` and `until`).
    pub fn parse(
        frequency: Frequency,
        interval: Option<i64>,
        count: Option<i64>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Self, FieldError> {
        let interval = interval.unwrap_or(1);
        if !(1..=MAX_INTERVAL).contains(&interval) {
            return Err(FieldError::new(
                "repeat.interval",
                format!("the interval is a whole number from 1 to {MAX_INTERVAL}"),
            ));
        }
        let end = match (count, until) {
            (Some(_), Some(_)) => {
                return Err(FieldError::new(
                    "repeat.until",
                    "give either count or until, not both",
                ))
            }
            (None, None) => {
                return Err(FieldError::new(
                    "repeat.count",
                    "say how many occurrences (count) or until when (until)",
                ))
            }
            (Some(count), None) if !(1..=MAX_OCCURRENCES).contains(&count) => {
                return Err(FieldError::new(
                    "repeat.count",
                    format!("a series has 1 to {MAX_OCCURRENCES} occurrences"),
                ))
            }
            (Some(count), None) => SeriesEnd::Count(count),
            (None, Some(until)) => SeriesEnd::Until(until),
        };
        Ok(Repeat {
            frequency,
            interval,
            end,
        })
    }

    /// The wall-clock start of occurrence `n` (0 is the first), or `None` past the calendar.
    fn nth_local(&self, first: NaiveDateTime, n: i64) -> Option<NaiveDateTime> {
        let steps = n.checked_mul(self.interval)?;
        match self.frequency {
            Frequency::Daily => first.checked_add_signed(Duration::try_days(steps)?),
            Frequency::Weekly => first.checked_add_signed(Duration::try_weeks(steps)?),
            // Counted from the first each time: clamping to a short month never sticks.
            Frequency::Monthly => first.checked_add_months(Months::new(u32::try_from(steps).ok()?)),
        }
    }

    /// The start of every occurrence, the first (`first_start`) included, in time order.
    pub fn starts(
        &self,
        first_start: DateTime<Utc>,
        tz: Tz,
    ) -> Result<Vec<DateTime<Utc>>, FieldError> {
        let first_local = first_start.with_timezone(&tz).naive_local();
        if let SeriesEnd::Until(until) = self.end {
            if until < first_start {
                return Err(FieldError::new(
                    "repeat.until",
                    "until must not be before the first occurrence starts",
                ));
            }
        }
        let mut starts = vec![first_start];
        for n in 1.. {
            if let SeriesEnd::Count(count) = self.end {
                if n >= count {
                    break;
                }
            }
            let Some(local) = self.nth_local(first_local, n) else {
                return Err(FieldError::new(
                    "repeat",
                    "the series runs past the calendar",
                ));
            };
            let start = resolve(local, tz);
            if let SeriesEnd::Until(until) = self.end {
                if start > until {
                    break;
                }
                if n >= MAX_OCCURRENCES {
                    return Err(FieldError::new(
                        "repeat.until",
                        format!("a series has at most {MAX_OCCURRENCES} occurrences: choose an earlier until"),
                    ));
                }
            }
            starts.push(start);
        }
        Ok(starts)
    }

    /// Every occurrence's draft: the first as given, the others the same at their own start,
    /// ending and revealing the location at the same wall-clock distance from it. Each is
    /// validated on its own.
    pub fn occurrences(&self, first: &EventDraft, tz: Tz) -> Result<Vec<EventDraft>, FieldError> {
        let starts = self.starts(first.starts_at, tz)?;
        let delta = |start: DateTime<Utc>| wall_clock_delta(first.starts_at, start, tz);
        starts
            .into_iter()
            .map(|start| {
                let shift = delta(start);
                let mut draft = first.clone();
                draft.starts_at = start;
                draft.ends_at = shift_wall_clock(first.ends_at, shift, tz);
                draft.location_reveal_at = first
                    .location_reveal_at
                    .map(|at| shift_wall_clock(at, shift, tz));
                draft.safe_by = first.safe_by.map(|at| shift_wall_clock(at, shift, tz));
                draft.validate()
            })
            .collect()
    }
}

/// A wall-clock time in `tz` as an instant: the earlier of the two in a fall-back hour, and an
/// hour later in a spring-forward gap (02:30 on that night is 03:30).
pub fn resolve(local: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
        LocalResult::None => match tz.from_local_datetime(&(local + Duration::hours(1))) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
            // No zone has a two-hour gap; read it as UTC rather than fail.
            LocalResult::None => local.and_utc(),
        },
    }
}

/// How far `to` is from `from` on the wall clock of `tz` (a week is 7 × 24 hours even across a
/// daylight-saving change).
pub fn wall_clock_delta(from: DateTime<Utc>, to: DateTime<Utc>, tz: Tz) -> Duration {
    to.with_timezone(&tz).naive_local() - from.with_timezone(&tz).naive_local()
}

/// `at` moved by `delta` on the wall clock of `tz`.
pub fn shift_wall_clock(at: DateTime<Utc>, delta: Duration, tz: Tz) -> DateTime<Utc> {
    if delta.is_zero() {
        return at;
    }
    resolve(at.with_timezone(&tz).naive_local() + delta, tz)
}

/// A later occurrence after "this and following": the fields the edit changed (`before` →
/// `after`, the edited occurrence) take the edited values; its times move by the same
/// wall-clock amount as the edited one's; everything the edit left alone stays this
/// occurrence's own (a location or reveal time set for it alone is kept). To be validated.
pub fn carry_edit(
    before: &EventDraft,
    after: &EventDraft,
    occurrence: &EventDraft,
    tz: Tz,
) -> EventDraft {
    let mut carried = occurrence.clone();
    macro_rules! carry {
        ($($field:ident),+) => {$(
            if before.$field != after.$field {
                carried.$field = after.$field.clone();
            }
        )+};
    }
    carry!(
        kind,
        title,
        cover_title,
        description,
        location,
        location_privacy,
        capacity,
        tags,
        accessibility,
        language,
        visibility,
        approval_required,
        roles,
        reminder_offsets_minutes,
        count_display,
        roles_needed,
        access,
        who_for,
        questions
    );
    let start_shift = wall_clock_delta(before.starts_at, after.starts_at, tz);
    let end_shift = wall_clock_delta(before.ends_at, after.ends_at, tz);
    carried.starts_at = shift_wall_clock(occurrence.starts_at, start_shift, tz);
    carried.ends_at = shift_wall_clock(occurrence.ends_at, end_shift, tz);
    let reveal_edited = before.location_reveal_at != after.location_reveal_at
        && wall_clock_lead(before) != wall_clock_lead(after);
    carried.location_reveal_at =
        if reveal_edited || before.location_privacy != after.location_privacy {
            // The edited occurrence's new lead (how long before the start), at this one's start.
            after.location_reveal_at.map(|reveal| {
                let lead = wall_clock_delta(reveal, after.starts_at, tz);
                shift_wall_clock(carried.starts_at, -lead, tz)
            })
        } else {
            occurrence
                .location_reveal_at
                .map(|reveal| shift_wall_clock(reveal, start_shift, tz))
        };
    // "Home safe by" keeps its distance from the start, as the edited occurrence now has it.
    carried.safe_by =
        if before.safe_by != after.safe_by && home_safe_lead(before) != home_safe_lead(after) {
            after.safe_by.map(|at| {
                let lead = wall_clock_delta(after.starts_at, at, tz);
                shift_wall_clock(carried.starts_at, lead, tz)
            })
        } else {
            occurrence
                .safe_by
                .map(|at| shift_wall_clock(at, start_shift, tz))
        };
    if carried.kind != super::event::EventKind::Action {
        // Only actions have a home-safe check.
        carried.safe_by = None;
    }
    carried
}

/// How long after the start everyone should be home safe, in UTC terms (only compared).
fn home_safe_lead(draft: &EventDraft) -> Option<Duration> {
    draft.safe_by.map(|at| at - draft.starts_at)
}

/// How long before the start the location is revealed, in UTC terms (only compared).
fn wall_clock_lead(draft: &EventDraft) -> Option<Duration> {
    draft.location_reveal_at.map(|at| draft.starts_at - at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{sample_action, LocationPrivacy};
    use chrono_tz::America::Chicago;

    fn chicago(local: &str) -> DateTime<Utc> {
        resolve(
            NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").expect("a time"),
            Chicago,
        )
    }

    #[test]
    fn weekly_keeps_the_wall_clock_across_the_change() {
        let repeat = Repeat::parse(Frequency::Weekly, None, Some(3), None).expect("valid");
        let starts = repeat
            .starts(chicago("2030-10-27 18:00"), Chicago)
            .expect("starts");
        let utc: Vec<String> = starts
            .iter()
            .map(|at| super::super::event::rfc3339(*at))
            .collect();
        // CDT is UTC−5 until 3 November 2030, CST (UTC−6) after.
        assert_eq!(
            utc,
            [
                "2030-10-27T23:00:00Z",
                "2030-11-04T00:00:00Z",
                "2030-11-11T00:00:00Z"
            ]
        );
    }

    #[test]
    fn monthly_on_the_31st_falls_back_to_the_last_day() {
        let repeat = Repeat::parse(Frequency::Monthly, Some(1), Some(4), None).expect("valid");
        let starts = repeat
            .starts(chicago("2031-01-31 18:00"), Chicago)
            .expect("starts");
        let days: Vec<String> = starts
            .iter()
            .map(|at| at.with_timezone(&Chicago).format("%m-%d %H:%M").to_string())
            .collect();
        assert_eq!(
            days,
            ["01-31 18:00", "02-28 18:00", "03-31 18:00", "04-30 18:00"]
        );
    }

    #[test]
    fn until_includes_a_start_on_it_and_caps_at_52() {
        let first = chicago("2030-01-01 10:00");
        let repeat = Repeat::parse(
            Frequency::Daily,
            Some(2),
            None,
            Some(chicago("2030-01-05 10:00")),
        )
        .expect("valid");
        assert_eq!(repeat.starts(first, Chicago).expect("starts").len(), 3);
        let long = Repeat::parse(
            Frequency::Daily,
            None,
            None,
            Some(chicago("2031-01-01 10:00")),
        )
        .expect("valid");
        assert_eq!(
            long.starts(first, Chicago).expect_err("too many").field,
            "repeat.until"
        );
        let before = Repeat::parse(
            Frequency::Daily,
            None,
            None,
            Some(first - Duration::days(1)),
        )
        .expect("valid");
        assert_eq!(
            before.starts(first, Chicago).expect_err("before").field,
            "repeat.until"
        );
    }

    #[test]
    fn bad_rules_name_their_field() {
        let field = |interval, count, until| {
            Repeat::parse(Frequency::Weekly, interval, count, until)
                .expect_err("invalid")
                .field
        };
        assert_eq!(field(Some(0), Some(2), None), "repeat.interval");
        assert_eq!(field(None, Some(53), None), "repeat.count");
        assert_eq!(field(None, Some(0), None), "repeat.count");
        assert_eq!(field(None, None, None), "repeat.count");
        assert_eq!(field(None, Some(2), Some(Utc::now())), "repeat.until");
    }

    #[test]
    fn an_edit_carries_what_changed_and_keeps_each_ones_own() {
        let mut first = sample_action();
        first.starts_at = chicago("2030-10-27 18:00");
        first.ends_at = chicago("2030-10-27 20:00");
        first.location = "Room A".into();
        let mut later = first.clone();
        later.starts_at = chicago("2030-11-10 18:00");
        later.ends_at = chicago("2030-11-10 20:00");
        later.location = "Room B, this week only".into();
        later.location_privacy = LocationPrivacy::Attendees;
        let mut edited = first.clone();
        edited.title = "Circle".into();
        edited.starts_at = chicago("2030-10-27 19:00");
        edited.ends_at = chicago("2030-10-27 21:00");
        let carried = carry_edit(&first, &edited, &later, Chicago);
        assert_eq!(carried.title, "Circle");
        assert_eq!(carried.location, "Room B, this week only");
        assert_eq!(carried.location_privacy, LocationPrivacy::Attendees);
        assert_eq!(carried.starts_at, chicago("2030-11-10 19:00"));
        assert_eq!(carried.ends_at, chicago("2030-11-10 21:00"));
    }

    #[test]
    fn home_safe_by_keeps_its_distance_from_each_start() {
        let mut first = sample_action();
        first.starts_at = chicago("2030-10-27 18:00");
        first.ends_at = chicago("2030-10-27 20:00");
        first.safe_by = Some(chicago("2030-10-27 21:00"));
        let repeat = Repeat::parse(Frequency::Weekly, None, Some(3), None).expect("valid");
        let dates = repeat.occurrences(&first, Chicago).expect("valid");
        // Across the November change, still 21:00 on the wall clock.
        assert_eq!(dates[2].safe_by, Some(chicago("2030-11-10 21:00")));
        let mut edited = dates[0].clone();
        edited.safe_by = Some(chicago("2030-10-27 22:30"));
        edited.access = crate::domain::event::Access::Invite;
        let carried = carry_edit(&dates[0], &edited, &dates[2], Chicago);
        assert_eq!(carried.safe_by, Some(chicago("2030-11-10 22:30")));
        assert_eq!(carried.access, crate::domain::event::Access::Invite);
        let moved = {
            let mut moved = dates[0].clone();
            moved.starts_at = chicago("2030-10-27 19:00");
            moved.ends_at = chicago("2030-10-27 21:00");
            moved.safe_by = Some(chicago("2030-10-27 22:00"));
            moved
        };
        let shifted = carry_edit(&dates[0], &moved, &dates[2], Chicago);
        assert_eq!(shifted.safe_by, Some(chicago("2030-11-10 22:00")));
    }
}
