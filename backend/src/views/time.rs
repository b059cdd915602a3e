//! Times as people read and type them: stored in UTC, shown and entered in the group's time zone.

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::FieldError;
use crate::i18n::Lang;

/// Format `at` in the group's zone with a pattern in the reader's language.
fn local(at: DateTime<Utc>, tz: Tz, lang: Lang, pattern: &str) -> String {
    at.with_timezone(&tz)
        .format_localized(pattern, lang.chrono_locale())
        .to_string()
}

/// "6:00 PM"; "18:00" in Spanish.
pub fn time_of_day(at: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    local(at, tz, lang, clock(lang))
}

fn clock(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "%-I:%M %p",
        Lang::Es => "%H:%M",
    }
}

/// "Saturday 5 December 2026"; "sábado, 5 de diciembre de 2026".
pub fn day_heading(at: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    let pattern = match lang {
        Lang::En => "%A %-d %B %Y",
        Lang::Es => "%A, %-d de %B de %Y",
    };
    local(at, tz, lang, pattern)
}

/// "Saturday 5 December"; "sábado 5 de diciembre".
pub fn day_and_month(at: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    let pattern = match lang {
        Lang::En => "%A %-d %B",
        Lang::Es => "%A %-d de %B",
    };
    local(at, tz, lang, pattern)
}

/// "Sat 5 Dec 2026"; "sáb 5 dic 2026".
const SHORT_DAY: &str = "%a %-d %b %Y";

/// "Sat 5 Dec, 6:00 PM – 8:00 PM CST", or both dates when it runs past midnight.
pub fn span(starts: DateTime<Utc>, ends: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    let (day, clock) = (SHORT_DAY, clock(lang));
    if starts.with_timezone(&tz).date_naive() == ends.with_timezone(&tz).date_naive() {
        format!(
            "{}, {} – {}",
            local(starts, tz, lang, day),
            local(starts, tz, lang, clock),
            local(ends, tz, lang, &format!("{clock} %Z"))
        )
    } else {
        format!(
            "{} – {}",
            local(starts, tz, lang, &format!("{day}, {clock}")),
            local(ends, tz, lang, &format!("{day}, {clock} %Z"))
        )
    }
}

/// "4:00 PM on Sat 5 Dec (CST)"; "18:00 del sáb 5 dic (CST)".
pub fn moment(at: DateTime<Utc>, tz: Tz, lang: Lang) -> String {
    let pattern = match lang {
        Lang::En => "%-I:%M %p on %a %-d %b (%Z)",
        Lang::Es => "%H:%M del %a %-d %b (%Z)",
    };
    local(at, tz, lang, pattern)
}

/// The value of an `<input type="datetime-local">` in the group's time zone.
pub fn to_input(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string()
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
    fn shows_local_time_across_daylight_saving() {
        let summer = Utc
            .with_ymd_and_hms(2026, 7, 4, 23, 0, 0)
            .single()
            .expect("valid");
        let winter = Utc
            .with_ymd_and_hms(2026, 12, 5, 0, 0, 0)
            .single()
            .expect("valid");
        assert_eq!(time_of_day(summer, Chicago, Lang::En), "6:00 PM");
        assert_eq!(time_of_day(winter, Chicago, Lang::En), "6:00 PM");
        assert_eq!(time_of_day(winter, Chicago, Lang::Es), "18:00");
        assert_eq!(
            span(
                winter,
                winter + chrono::Duration::hours(2),
                Chicago,
                Lang::En
            ),
            "Fri 4 Dec 2026, 6:00 PM – 8:00 PM CST"
        );
        assert_eq!(
            day_heading(winter, Chicago, Lang::Es),
            "viernes, 4 de diciembre de 2026"
        );
    }

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
