//! Composing one email from an outbox row. Discreet by default: the subject and sender use the
//! event's cover title when it has one and neutral words otherwise; the real title appears
//! only in the body and only when there is no cover title; a location that is not public is
//! never written, only said to be on the person's own page. Both parts come from the templates
//! in `frontend/templates/email/`; they load nothing from anywhere.

use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;

use crate::config::Settings;
use crate::domain::access::{location_for, LocationView, Viewer};
use crate::domain::event::Event;
use crate::domain::live::{Audience, LiveUpdate};
use crate::domain::message::{asks_reconfirmation, MessageKind};
use crate::i18n::{time, Lang};
use fluent_templates::fluent_bundle::FluentValue;

/// One message to compose.
pub struct Letter<'a> {
    pub kind: MessageKind,
    pub event: &'a Event,
    /// The recipient, opened from its seal a moment ago.
    pub to: &'a str,
    /// The manage token, opened likewise: every message links to the person's page.
    pub token: &'a str,
    /// The language the person RSVPed in.
    pub lang: Lang,
    /// The outbox row's id, which makes the Message-ID.
    pub outbox_id: &'a str,
    /// Which reminder (minutes before the start); 0 for notices.
    pub offset_minutes: i32,
    /// For an announcement: the update it announces.
    pub update: Option<&'a LiveUpdate>,
    pub now: DateTime<Utc>,
}

/// What both parts say.
pub struct Body {
    pub lead: String,
    /// An announcement's words: its text when it went to the public audience, otherwise only
    /// a line saying there is a message on the person's page (an inbox is no safer than that).
    pub message: Option<String>,
    /// The event's name as the body shows it: cover title, or the real title when none.
    pub name: String,
    pub when: Option<String>,
    pub place: Option<String>,
    pub manage_url: String,
    /// The day-ahead reminder's "still coming?" link (`/r/{token}?confirm`): a page whose
    /// buttons post; opening it changes nothing.
    pub confirm_url: Option<String>,
    pub unsubscribe_url: String,
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextPart<'a> {
    body: &'a Body,
    lang: Lang,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlPart<'a> {
    body: &'a Body,
    lang: Lang,
}

/// Builds messages with the site's sender, address and time zone.
pub struct Composer {
    from: Mailbox,
    base: String,
    tz: Tz,
    /// The right-hand side of Message-IDs: the public host.
    domain: String,
}

impl Composer {
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .mail_from
            .parse()
            .map_err(|error| anyhow::anyhow!("--mail-from is not a mail address: {error}"))?;
        let base = settings.public_base();
        let domain = url::Url::parse(&base)
            .ok()
            .and_then(|url| url.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into());
        Ok(Composer {
            from,
            base,
            tz: settings.timezone,
            domain,
        })
    }

    pub fn compose(&self, letter: &Letter<'_>) -> anyhow::Result<Message> {
        let cover = letter.event.draft.cover_title.as_deref();
        // Headers are one line each. A cover title stored before line breaks were refused
        // would break the header (and the mail library panics on some): refuse it here.
        if cover.is_some_and(|cover| cover.chars().any(char::is_control)) {
            anyhow::bail!("the cover title holds control characters, so it cannot be a header");
        }
        let body = self.body(letter);
        let lang = letter.lang;
        let text = TextPart { body: &body, lang }.render()?;
        let html = HtmlPart { body: &body, lang }.render()?;
        // The sender's name follows the cover title too; otherwise the neutral configured one.
        let from = match cover {
            Some(cover) => Mailbox::new(Some(cover.to_string()), self.from.email.clone()),
            None => self.from.clone(),
        };
        let to: Mailbox = letter
            .to
            .parse()
            .map_err(|_| anyhow::anyhow!("the stored address is not a mail address"))?;
        Ok(Message::builder()
            .from(from)
            .to(to)
            .subject(self.subject(letter))
            .message_id(Some(format!("<{}@{}>", letter.outbox_id, self.domain)))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{}>", body.unsubscribe_url),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ))
            .multipart(MultiPart::alternative_plain_html(text, html))?)
    }

    /// "Reminder: your event tomorrow at 6:00 PM". Never the real title.
    pub fn subject(&self, letter: &Letter<'_>) -> String {
        let lang = letter.lang;
        let name = match letter.event.draft.cover_title.as_deref() {
            Some(cover) => cover.to_string(),
            None => lang.t("email-your-event"),
        };
        let when = self.relative(letter.event.draft.starts_at, letter.now, lang);
        let id = format!("email-subject-{}", letter.kind.as_str());
        lang.t_with(
            &id,
            &[
                ("name", FluentValue::from(name)),
                ("when", FluentValue::from(when)),
            ],
        )
    }

    fn body(&self, letter: &Letter<'_>) -> Body {
        let (draft, lang) = (&letter.event.draft, letter.lang);
        let name = draft
            .cover_title
            .clone()
            .unwrap_or_else(|| draft.title.clone());
        let when_relative = self.relative(draft.starts_at, letter.now, lang);
        let lead = lang.t_with(
            &format!("email-lead-{}", letter.kind.as_str()),
            &[
                ("name", FluentValue::from(name.as_str())),
                ("when", FluentValue::from(when_relative)),
            ],
        );
        let manage_url = format!("{}/r/{}", self.base, letter.token);
        let cancelled = letter.kind == MessageKind::Cancelled || letter.event.is_cancelled();
        let declined = letter.kind == MessageKind::Declined;
        let message = match (letter.kind, letter.update) {
            (MessageKind::Announcement, Some(update)) if update.audience == Audience::Public => {
                Some(update.text.clone())
            }
            (MessageKind::Announcement, _) => Some(lang.t("email-message-on-page")),
            _ => None,
        };
        Body {
            lead,
            message,
            name,
            when: (!cancelled && !declined)
                .then(|| time::span(draft.starts_at, draft.ends_at, self.tz, lang)),
            place: (!cancelled && !declined).then(|| place_line(letter.event, lang, letter.now)),
            confirm_url: (!cancelled && asks_reconfirmation(letter.kind, letter.offset_minutes))
                .then(|| format!("{manage_url}?confirm")),
            unsubscribe_url: format!("{manage_url}/unsubscribe"),
            manage_url,
        }
    }

    /// "today at 6:00 PM", "tomorrow at 6:00 PM" or "on Saturday 5 December at 6:00 PM".
    fn relative(&self, at: DateTime<Utc>, now: DateTime<Utc>, lang: Lang) -> String {
        let (day, today) = (
            at.with_timezone(&self.tz).date_naive(),
            now.with_timezone(&self.tz).date_naive(),
        );
        let clock = time::time_of_day(at, self.tz, lang);
        if day == today {
            lang.t_text("email-today", "time", &clock)
        } else if today.succ_opt() == Some(day) {
            lang.t_text("email-tomorrow", "time", &clock)
        } else {
            lang.t_with(
                "email-on-day",
                &[
                    (
                        "day",
                        FluentValue::from(time::day_and_month(at, self.tz, lang)),
                    ),
                    ("time", FluentValue::from(clock)),
                ],
            )
        }
    }
}

/// Only a location the public may see is ever written into an email (an inbox is no safer than
/// a page anyone can open): the access policy decides, as for every output.
fn place_line(event: &Event, lang: Lang, now: DateTime<Utc>) -> String {
    match location_for(event, Viewer::Public, now) {
        LocationView::NotYetSet => lang.t("email-place-not-set"),
        LocationView::Shown(location) => location.to_string(),
        _ => lang.t("email-place-on-page"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::{sample_action, LocationPrivacy};

    fn composer() -> Composer {
        Composer {
            from: "Reminders <reminders@example.org>"
                .parse()
                .expect("mailbox"),
            base: "https://events.example.org".into(),
            tz: chrono_tz::America::Chicago,
            domain: "events.example.org".into(),
        }
    }

    fn letter(event: &Event, kind: MessageKind) -> Letter<'_> {
        Letter {
            kind,
            event,
            to: "canary@example.org",
            token: "TOKEN123",
            lang: Lang::En,
            outbox_id: "row-1",
            offset_minutes: 1440,
            update: None,
            now: event.draft.starts_at - chrono::Duration::hours(24),
        }
    }

    #[test]
    fn an_announcement_carries_its_text_only_when_it_went_to_everyone() {
        let mut draft = sample_action();
        draft.title = "Rally at city hall".into();
        let event = Event::new(draft, Utc::now());
        let mut update = LiveUpdate {
            event_id: event.id.clone(),
            seq: 3,
            kind: crate::domain::live::UpdateKind::Announcement,
            audience: Audience::Public,
            text: "Bring water".into(),
            location: None,
            created_at: Utc::now(),
            pseudonym: None,
        };
        let announce = |update: &LiveUpdate| {
            let letter = Letter {
                update: Some(update),
                ..letter(&event, MessageKind::Announcement)
            };
            (
                composer().subject(&letter),
                raw(&composer().compose(&letter).expect("composes")),
            )
        };
        let (subject, text) = announce(&update);
        assert!(
            !subject.contains("Rally") && !subject.contains("water"),
            "{subject}"
        );
        assert!(text.contains("Bring water"), "{text}");
        update.audience = Audience::Role(crate::domain::event::Role::Medic);
        let (_, text) = announce(&update);
        assert!(!text.contains("Bring water"), "{text}");
        assert!(text.contains("/r/TOKEN123"), "{text}");
    }

    fn raw(message: &Message) -> String {
        String::from_utf8_lossy(&message.formatted()).into_owned()
    }

    #[test]
    fn a_cover_title_hides_the_real_title_everywhere() {
        let mut draft = sample_action();
        draft.title = "Sex worker rights rally".into();
        draft.cover_title = Some("Book club".into());
        draft.location = "Secret basement".into();
        draft.location_privacy = LocationPrivacy::Attendees;
        let event = Event::new(draft, Utc::now());
        for &kind in MessageKind::ALL {
            let message = composer().compose(&letter(&event, kind)).expect("composes");
            let text = raw(&message);
            assert!(!text.contains("Sex worker"), "{kind}: {text}");
            assert!(!text.contains("Secret basement"), "{kind}: {text}");
            assert!(text.contains("/r/TOKEN123"), "{kind}: manage link");
            assert!(text
                .contains("List-Unsubscribe: <https://events.example.org/r/TOKEN123/unsubscribe>"));
            assert!(
                text.contains("From: \"Book club\" <reminders@example.org>")
                    || text.contains("From: Book club <reminders@example.org>"),
                "{text}"
            );
        }
    }

    #[test]
    fn only_the_day_ahead_reminder_links_to_the_confirm_page() {
        let event = Event::new(sample_action(), Utc::now());
        let day_ahead = letter(&event, MessageKind::Reminder);
        let text = raw(&composer().compose(&day_ahead).expect("composes"));
        assert!(text.contains("/r/TOKEN123?confirm"), "{text}");
        let last_minute = Letter {
            offset_minutes: 120,
            ..letter(&event, MessageKind::Reminder)
        };
        let text = raw(&composer().compose(&last_minute).expect("composes"));
        assert!(!text.contains("?confirm"), "{text}");
        let promoted = letter(&event, MessageKind::Promoted);
        assert!(composer().body(&promoted).confirm_url.is_none());
    }

    #[test]
    fn a_cover_title_with_a_line_break_is_refused_not_a_panic() {
        let mut draft = sample_action();
        draft.cover_title = Some("Book club\r\nBcc: everyone@example.org".into());
        let event = Event::new(draft, Utc::now());
        for &kind in MessageKind::ALL {
            let composed = composer().compose(&letter(&event, kind));
            assert!(composed.is_err(), "{kind}: refused");
        }
    }

    #[test]
    fn markup_in_organizer_text_is_inert_in_the_html_part() {
        let mut draft = sample_action();
        draft.title = "<script>alert(1)</script><img src=https://evil.example/x>".into();
        draft.location = "<b onmouseover=alert(2)>Hall</b>".into();
        let event = Event::new(draft, Utc::now());
        let body = composer().body(&letter(&event, MessageKind::Reminder));
        let html = HtmlPart {
            body: &body,
            lang: Lang::En,
        }
        .render()
        .expect("renders");
        assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b "));
        assert!(
            html.contains("&#60;script&#62;"),
            "escaped, not dropped: {html}"
        );
    }

    #[test]
    fn without_a_cover_title_the_subject_stays_neutral() {
        let mut draft = sample_action();
        draft.title = "Rally at city hall".into();
        draft.location = "City hall steps".into();
        let event = Event::new(draft, Utc::now());
        let letter = letter(&event, MessageKind::Reminder);
        let subject = composer().subject(&letter);
        assert!(
            subject.starts_with("Reminder: your event tomorrow at "),
            "{subject}"
        );
        let text = raw(&composer().compose(&letter).expect("composes"));
        assert!(text.contains("Rally at city hall"), "the body may name it");
        assert!(
            text.contains("City hall steps"),
            "a public place is written"
        );
        assert!(
            !text.contains("http://") && !text.contains("<img"),
            "nothing remote"
        );
    }
}
