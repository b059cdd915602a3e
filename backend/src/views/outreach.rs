//! The pages that carry events beyond this site: the printable flyer of one event
//! (`flyer.html`) and the compact listing another website frames (`embed.html`). Both show an
//! event as the public sees it (`Viewer::Public`): a location only when it is public.

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::access::{location_for, Viewer};
use crate::domain::event::Event;
use crate::i18n::time::span;
use crate::i18n::{Lang, Locale};

use super::{group_by_day, location_line, Chrome, DayGroup};

/// One printable page for one event: what, when, where (if public), access, and a QR code of
/// the event page's address.
#[derive(Template)]
#[template(path = "flyer.html")]
pub struct FlyerPage {
    pub chrome: Chrome,
    /// The real title, or with `?cover=1` the cover title (or neutral words).
    pub title: String,
    /// What kind of event it is; not said on the discreet flyer.
    pub kind_label: Option<String>,
    pub cancelled: bool,
    pub span: String,
    pub timezone: String,
    pub location_line: String,
    pub location_shown: bool,
    pub accessibility: String,
    /// The event page's absolute address, printed under the QR code for those who type it.
    pub page_url: String,
    /// The QR code of `page_url`, as inline SVG.
    pub qr: Option<String>,
    /// The discreet version of this flyer, offered on screen when the event has a cover title.
    pub cover_href: Option<String>,
}

/// How a flyer names its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlyerTitle {
    /// The real title, as the event page shows it.
    Real,
    /// The cover title, or neutral words when there is none (`?cover=1`).
    Cover,
}

impl FlyerPage {
    pub fn new(
        event: &Event,
        titled: FlyerTitle,
        page_url: String,
        tz: Tz,
        locale: &Locale,
        now: DateTime<Utc>,
    ) -> Self {
        let lang = locale.lang;
        let d = &event.draft;
        let title = match titled {
            FlyerTitle::Real => d.title.clone(),
            FlyerTitle::Cover => d
                .cover_title
                .clone()
                .unwrap_or_else(|| lang.t("flyer-neutral-title")),
        };
        let location = location_for(event, Viewer::Public, now);
        FlyerPage {
            chrome: Chrome::public(title.clone(), locale),
            title,
            kind_label: (titled == FlyerTitle::Real).then(|| lang.word("kind", d.kind.as_str())),
            cancelled: event.is_cancelled(),
            span: span(d.starts_at, d.ends_at, tz, lang),
            timezone: lang.t_text("flyer-timezone", "zone", tz.name()),
            location_shown: location.text().is_some(),
            location_line: location_line(&location, tz, lang),
            accessibility: d.accessibility.clone(),
            qr: super::qr::svg(&page_url, &lang.t("flyer-qr-label")),
            page_url,
            cover_href: (titled == FlyerTitle::Real && d.cover_title.is_some())
                .then(|| format!("/events/{}/flyer?cover=1", event.id)),
        }
    }
}

/// The listing another website shows in an `<iframe>`: upcoming listed events by day, each
/// linking to its page in the top window.
#[derive(Template)]
#[template(path = "embed.html")]
pub struct EmbedPage {
    pub lang: Lang,
    pub title: String,
    pub days: Vec<DayGroup>,
    /// The home page with the same filter (opened in the top window).
    pub more_href: String,
    /// Whether more events match than the listing shows.
    pub more: bool,
    pub filtered: bool,
}

impl EmbedPage {
    pub fn new(
        events: &[Event],
        more: bool,
        filtered: bool,
        more_href: String,
        tz: Tz,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Self {
        EmbedPage {
            lang,
            title: lang.t("home-title"),
            days: group_by_day(events, Viewer::Public, tz, lang, now),
            more_href,
            more,
            filtered,
        }
    }

    /// A message of the page's language (the template calls `t("…")`).
    pub fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }
}
