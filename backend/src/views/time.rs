//! Times as people type them into forms, in the group's time zone (stored in UTC). How times
//! are shown is `i18n::time`.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::FieldError;

/// The value of an `<input type="datetime-local">` in the group's time zone.
pub fn to_input(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// The zone typed times are in, as shown beside each time field: its name and the
/// abbreviation in use at `at`, e.g. "America/Chicago (CST)".
pub fn zone_label(tz: Tz, at: DateTime<Utc>) -> String {
    format!("{} ({})", tz.name(), at.with_timezone(&tz).format("%Z"))
}

/// Read a `datetime-local` value typed in the group's time zone. In the hour that repeats when
/// clocks go back the earlier one is meant; a time skipped when clocks go forward is refused.
pub fn from_input(value: &str, tz: Tz, field: &'static str) -> Result<DateTime<Utc>, FieldError> {
    let value = value.trim();
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| FieldError::new(field, "enter a date and time, e.g. 2026-12-05T18:00"))?;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => Ok(at.with_timezone(&Utc)),
        LocalResult::None => Err(FieldError::new(
            field,
            "that time does not exist in the group's time zone (the clocks skip it)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::America::Chicago;

    #[test]
    fn reads_typed_times_in_the_group_zone() {
        let at = from_input("2026-12-04T18:00", Chicago, "starts_at").expect("valid");
        assert_eq!(
            at,
            Utc.with_ymd_and_hms(2026, 12, 5, 0, 0, 0)
                .single()
                .expect("valid")
        );
        assert_eq!(to_input(at, Chicago), "2026-12-04T18:00");
        assert_eq!(zone_label(Chicago, at), "America/Chicago (CST)");
        // 2:30 AM on 8 March 2026 does not happen in Chicago.
        assert!(from_input("2026-03-08T02:30", Chicago, "starts_at").is_err());
        // 1:30 AM on 1 November 2026 happens twice; the first (CDT) is meant.
        let repeated = from_input("2026-11-01T01:30", Chicago, "starts_at").expect("valid");
        assert_eq!(
            repeated,
            Utc.with_ymd_and_hms(2026, 11, 1, 6, 30, 0)
                .single()
                .expect("valid")
        );
        assert!(from_input("tomorrow", Chicago, "starts_at").is_err());
    }
}
