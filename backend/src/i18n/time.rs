//! Times as people read them: stored in UTC, shown in the group's time zone with the reader's
//! language's words and clock. Pages and emails both write times this way.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Lang;

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
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
}
