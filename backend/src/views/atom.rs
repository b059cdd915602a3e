//! The Atom feed (RFC 4287, written by the `atom_syndication` crate, which escapes text) of
//! upcoming listed events. Discreet like the calendar feeds: an event with a cover title
//! appears under it, with no description, kind or tags; a location only when it is public.

use atom_syndication::{Category, Content, Entry, Feed, Generator, Link, Person, Text};
use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;

use crate::domain::access::{location_for, Viewer};
use crate::domain::event::Event;
use crate::i18n::time::span;
use crate::i18n::Lang;

use super::location_line;

/// The content type of the feed.
pub const ATOM: &str = "application/atom+xml; charset=utf-8";

/// What names and places one feed.
pub struct FeedOf<'a> {
    /// The feed's title, e.g. "Upcoming events" or with its filter.
    pub title: String,
    /// This feed's absolute address, filter included: its `id` and `rel="self"` link.
    pub self_url: &'a str,
    /// The home page showing the same events (`rel="alternate"`).
    pub home_url: &'a str,
    /// The site's public base URL, for each event's page.
    pub public_base: &'a str,
    pub tz: Tz,
    pub lang: Lang,
}

/// The feed of `events` (already the listed upcoming ones, in time order) as `Viewer::Public`
/// may see them at `now`.
pub fn feed(of: &FeedOf<'_>, events: &[Event], now: DateTime<Utc>) -> String {
    let entries: Vec<Entry> = events.iter().map(|event| entry(of, event, now)).collect();
    // When the newest of these entries changed: never the build time, so that the bytes (and
    // the validators) stay the same until a change to an event this feed shows.
    let updated = events
        .iter()
        .map(|event| event.updated_at)
        .max()
        .unwrap_or(DateTime::UNIX_EPOCH);
    let feed = Feed {
        title: Text::plain(xml_text(&of.title)),
        id: of.self_url.to_string(),
        updated: fixed(updated),
        authors: vec![Person {
            name: "Umbrella".into(),
            ..Person::default()
        }],
        generator: Some(Generator {
            value: "Umbrella".into(),
            ..Generator::default()
        }),
        links: vec![
            link(of.self_url, "self", "application/atom+xml"),
            link(of.home_url, "alternate", "text/html"),
        ],
        lang: Some(of.lang.code().to_string()),
        entries,
        ..Feed::default()
    };
    feed.to_string()
}

fn entry(of: &FeedOf<'_>, event: &Event, now: DateTime<Utc>) -> Entry {
    let d = &event.draft;
    let lang = of.lang;
    let url = format!("{}/events/{}", of.public_base, event.id);
    let when = span(d.starts_at, d.ends_at, of.tz, lang);
    let location = location_for(event, Viewer::Public, now);
    let mut summary = format!("{when}\n{}", location_line(&location, of.tz, lang));
    if event.is_cancelled() {
        summary = format!("{}\n{summary}", lang.t("event-cancelled"));
    }
    let covered = d.cover_title.is_some();
    let title = d.cover_title.as_deref().unwrap_or(&d.title);
    let title = if event.is_cancelled() {
        lang.t_text("feed-entry-cancelled", "title", title)
    } else {
        title.to_string()
    };
    let mut categories = Vec::new();
    if !covered {
        categories.push(category(
            d.kind.as_str(),
            lang.word("kind", d.kind.as_str()),
        ));
        categories.extend(d.tags.iter().map(|tag| category(tag, tag.clone())));
    }
    Entry {
        title: Text::plain(xml_text(&title)),
        // Event ids are UUIDs: the same entry id however the site's address changes.
        id: format!("urn:uuid:{}", event.id),
        updated: fixed(event.updated_at),
        published: Some(fixed(event.created_at)),
        links: vec![link(&url, "alternate", "text/html")],
        summary: Some(Text::plain(xml_text(&summary))),
        // The organizer's description (sanitized HTML) only where the event says what it is.
        content: (!covered && !event.description_html.is_empty()).then(|| Content {
            value: Some(xml_text(&event.description_html)),
            content_type: Some("html".into()),
            ..Content::default()
        }),
        categories,
        ..Entry::default()
    }
}

/// `text` without control characters (but tab and line breaks) and U+FFFE, U+FFFF: XML 1.0
/// cannot carry most of them at all, the writer escapes markup but passes them through, and one
/// would make the whole feed unreadable. Event text refuses them already; a `?tag=` may not.
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|c| match c {
            '\t' | '\n' | '\r' => true,
            '\u{fffe}' | '\u{ffff}' => false,
            c => !c.is_control(),
        })
        .collect()
}

fn fixed(at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.fixed_offset()
}

fn link(href: &str, rel: &str, mime_type: &str) -> Link {
    Link {
        href: href.to_string(),
        rel: rel.to_string(),
        mime_type: Some(mime_type.to_string()),
        ..Link::default()
    }
}

fn category(term: &str, label: String) -> Category {
    Category {
        term: xml_text(term),
        label: Some(xml_text(&label)),
        ..Category::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{EventDraft, LocationPrivacy};

    fn of<'a>() -> FeedOf<'a> {
        FeedOf {
            title: "Upcoming events".into(),
            self_url: "https://events.example.org/feed.atom",
            home_url: "https://events.example.org/",
            public_base: "https://events.example.org",
            tz: chrono_tz::America::Chicago,
            lang: Lang::En,
        }
    }

    #[test]
    fn text_is_escaped_and_hidden_places_stay_hidden() {
        let now = Utc::now();
        let open = Event::new(
            EventDraft {
                title: "Rent & <rights>".into(),
                location: "Hall \"A\" & B".into(),
                ..crate::domain::event::sample_action()
            },
            now,
        );
        let hidden = Event::new(
            EventDraft {
                title: "Decriminalization rally".into(),
                cover_title: Some("Saturday picnic".into()),
                location: "The secret corner".into(),
                location_privacy: LocationPrivacy::Attendees,
                ..crate::domain::event::sample_action()
            },
            now,
        );
        let xml = feed(&of(), &[open.clone(), hidden.clone()], now);
        assert!(xml.contains("Rent &amp; &lt;rights&gt;"), "{xml}");
        assert!(xml.contains(&format!("<id>urn:uuid:{}</id>", open.id)));
        assert!(xml.contains("Saturday picnic"));
        assert!(!xml.contains("Decriminalization"), "the cover title only");
        assert!(!xml.contains("The secret corner"), "no hidden location");
        assert!(xml.contains("xmlns=\"http://www.w3.org/2005/Atom\""));
        let parsed: Feed = xml.parse().expect("reads back");
        assert_eq!(parsed.entries.len(), 2);
        assert_eq!(parsed.entries[0].title.value, "Rent & <rights>");
    }

    #[test]
    fn characters_xml_cannot_carry_are_left_out() {
        assert_eq!(xml_text("a\u{0}b\u{1b}c\u{fffe}d\u{ffff}e"), "abcde");
        assert_eq!(xml_text("tab\tline\nend ✊🏽 \u{85}"), "tab\tline\nend ✊🏽 ");
    }

    #[test]
    fn an_empty_feed_keeps_the_same_bytes() {
        let (first, later) = (Utc::now(), Utc::now() + chrono::Duration::hours(3));
        assert_eq!(feed(&of(), &[], first), feed(&of(), &[], later));
    }
}
