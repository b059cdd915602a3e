//! What each fuzz target checks, shared by the cargo-fuzz targets (`fuzz_targets/`, run under
//! libFuzzer by `.ci/fuzz.sh`) and the replay of saved inputs (`tests/replay.rs`). Each function
//! takes arbitrary bytes and panics when a property fails; never panicking on any input is the
//! first property of all.

use chrono::Utc;
use chrono_tz::Tz;
use umbrella::domain::access::Viewer;
use umbrella::domain::door::{parse_rsvp_id, DoorToken, NameSearch};
use umbrella::domain::event::{Event, EventDraft};
use umbrella::domain::invite::InviteCode;
use umbrella::domain::live::{Audience, LiveUpdate, UpdateDraft, UpdateKind, MAX_UPDATE_TEXT};
use umbrella::domain::push::{PushServices, PushSubscription};
use umbrella::domain::rsvp::{EmailAddress, Needs, Pseudonym, RsvpDraft};
use umbrella::extract::parse_json;
use umbrella::live::protocol::{frame, read_hello, ServerMessage};
use umbrella::live::wire::CappedCodec;
use umbrella::requests::door::{ArrivalForm, DoorLinkInput, DoorQuery};
use umbrella::requests::event::{EventInput, EventPatch};
use umbrella::requests::push::PushSubscriptionInput;
use umbrella::requests::rsvp::{RsvpFormValues, RsvpInput, RsvpPatch};
use umbrella::routes::live_api::UpdateInput;
use umbrella::views::event_json::EventJson;

/// A target's check: panics when a property fails for this input.
pub type Check = fn(&[u8]);

/// The targets by name, for the replay of saved inputs.
pub const TARGETS: &[(&str, Check)] = &[
    ("markdown", markdown),
    ("event_json", event_json),
    ("rsvp_input", rsvp_input),
    ("mail_url", mail_url),
    ("time_input", time_input),
    ("live_input", live_input),
    ("ws_frame", ws_frame),
    ("push_subscription", push_subscription),
    ("invite_code", invite_code),
    ("door_link", door_link),
];

/// A valid event every RSVP and patch is checked against.
fn base_event() -> EventDraft {
    let input: EventInput = parse_json(
        br#"{"title": "Rally", "kind": "action", "starts_at": "2030-06-01T18:00:00Z",
             "ends_at": "2030-06-01T20:00:00Z", "location": "Steps", "capacity": 10,
             "location_privacy": "reveal_at", "location_reveal_at": "2030-06-01T16:00:00Z"}"#,
    )
    .expect("the base event parses");
    input.into_draft().expect("the base event is valid")
}

/// Markdown descriptions: the sanitized HTML has no script or style element, no event-handler
/// attribute, no image, and no link or source with a scripting or data URL.
pub fn markdown(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let html = umbrella::domain::markdown::render(text);
    check_safe_html(&html);
}

/// Check every tag in sanitized HTML. Text cannot hold a raw `<` (it is escaped), so each `<`
/// starts a tag; attribute values are read with their quotes so a `>` inside one is no end.
pub fn check_safe_html(html: &str) {
    const FORBIDDEN_TAGS: &[&str] = &[
        "script", "style", "img", "iframe", "object", "embed", "form", "input", "svg", "math",
        "link", "meta", "base", "frame", "video", "audio", "source",
    ];
    /// Attributes a browser reads as a URL.
    const URL_ATTRIBUTES: &[&str] = &[
        "href",
        "src",
        "srcset",
        "action",
        "formaction",
        "cite",
        "poster",
        "background",
        "data",
        "longdesc",
        "xlink:href",
        "ping",
        "codebase",
        "manifest",
    ];
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "a script tag survived: {html}");
    let bytes = lower.as_bytes();
    let mut i = 0;
    while let Some(offset) = lower[i..].find('<') {
        i += offset + 1;
        let name_start = i + usize::from(bytes.get(i) == Some(&b'/'));
        let mut j = name_start;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric()) {
            j += 1;
        }
        let name = &lower[name_start..j];
        assert!(
            !FORBIDDEN_TAGS.contains(&name),
            "a <{name}> tag survived: {html}"
        );
        // Attributes up to the closing `>`.
        loop {
            while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' {
                break;
            }
            let attr_start = j;
            while j < bytes.len() && !b" \t\n\r\x0c=>/".contains(&bytes[j]) {
                j += 1;
            }
            let attribute = &lower[attr_start..j];
            let is_url = URL_ATTRIBUTES.contains(&attribute);
            assert!(
                !attribute.starts_with("on"),
                "an event handler {attribute:?} survived: {html}"
            );
            assert!(attribute != "style", "a style attribute survived: {html}");
            if bytes.get(j) != Some(&b'=') {
                continue;
            }
            j += 1;
            let value = match bytes.get(j) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let end = lower[j + 1..]
                        .find(quote as char)
                        .map_or(bytes.len(), |e| j + 1 + e);
                    let value = &lower[j + 1..end];
                    j = (end + 1).min(bytes.len());
                    value
                }
                _ => {
                    let start = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    &lower[start..j]
                }
            };
            // Only a URL attribute can run a script; a `title` saying "javascript:" is text.
            if !is_url {
                continue;
            }
            // As a browser reads a URL: tabs and newlines anywhere are dropped, and control
            // characters and spaces around it.
            let url: String = value
                .replace("&amp;", "&")
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect();
            let url = url.trim_matches(|c: char| c <= ' ');
            for scheme in ["javascript:", "vbscript:", "data:"] {
                assert!(
                    !url.starts_with(scheme),
                    "a {scheme} URL survived in {attribute}: {html}"
                );
            }
        }
        i = j.min(bytes.len());
    }
}

/// `POST /api/v1/events` and `PATCH /api/v1/events/{id}` bodies: parsing never panics; a draft
/// that validates is already normal (validating it again changes nothing), and it renders as
/// an event and as API JSON.
pub fn event_json(data: &[u8]) {
    if let Ok(input) = parse_json::<EventInput>(data) {
        if let Ok(draft) = input.into_draft() {
            check_draft(draft);
        }
    }
    if let Ok(patch) = parse_json::<EventPatch>(data) {
        if let Ok(draft) = patch.apply_to(&base_event()) {
            check_draft(draft);
        }
    }
}

fn check_draft(draft: EventDraft) {
    assert_eq!(
        draft.clone().validate().as_ref(),
        Ok(&draft),
        "validation is not idempotent"
    );
    let event = Event::new(draft, Utc::now());
    check_safe_html(&event.description_html);
    let json = EventJson::new(&event, Viewer::Public, "https://example.org", Utc::now());
    serde_json::to_string(&json).expect("the event serializes");
}

/// RSVP bodies (API JSON for create and edit, and the web form): parsing never panics, and what
/// it accepts is already normal (parsing it again gives the same) and within bounds.
pub fn rsvp_input(data: &[u8]) {
    // Questions of each kind, so that answers are read too.
    let questions = umbrella::domain::question::check_questions(
        [
            ("Pronouns?", "text", vec![], false),
            (
                "Which day?",
                "choice",
                vec!["Sat".to_string(), "Sun".to_string()],
                true,
            ),
            ("First time?", "yes_no", vec![], false),
        ]
        .into_iter()
        .map(
            |(label, kind, options, required)| umbrella::domain::question::QuestionDraft {
                id: None,
                label: label.into(),
                kind: umbrella::domain::question::QuestionKind::parse(kind),
                options,
                required,
            },
        )
        .collect(),
    )
    .expect("the sample questions are valid");
    // With and without a mail server: without one, no address gets through.
    for sends_mail in [true, false] {
        if let Ok(input) = parse_json::<RsvpInput>(data) {
            if let Ok(draft) = input.into_draft(sends_mail, &questions) {
                check_rsvp_draft(&draft, sends_mail);
            }
        }
        if let Ok(patch) = parse_json::<RsvpPatch>(data) {
            if let Ok(change) = patch.into_change(sends_mail) {
                assert!(sends_mail || change.email.flatten().is_none());
            }
        }
        if let Ok(form) = serde_html_form::from_bytes::<RsvpFormValues>(data) {
            if let Ok(draft) = form.to_draft(sends_mail, &questions) {
                check_rsvp_draft(&draft, sends_mail);
            }
            let _ = form.to_change(sends_mail, &questions);
        }
    }
}

fn check_rsvp_draft(draft: &RsvpDraft, sends_mail: bool) {
    let pseudonym = draft.pseudonym.as_str();
    assert!((1..=64).contains(&pseudonym.chars().count()));
    assert_eq!(Pseudonym::parse(pseudonym).as_ref(), Ok(&draft.pseudonym));
    assert!((0..=10).contains(&draft.guests.count()));
    assert_eq!(
        Needs::parse(draft.needs.as_str()).as_ref(),
        Ok(&draft.needs)
    );
    assert!(sends_mail || draft.email.is_none());
    if let Some(email) = &draft.email {
        let again = EmailAddress::parse_optional(Some(email.as_str()));
        assert_eq!(again, Ok(Some(email.clone())));
    }
}

/// `--mail-url`: never panics, and what it accepts as SMTP is a URL lettre can read that says
/// how to use TLS; its debug form shows nothing of the URL, password included: it is the same
/// for every SMTP URL. (Looking for the password in it instead failed on a password that is a
/// word of the redacted form itself, "Secret": `fuzz/regressions/mail_url/`.)
pub fn mail_url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = umbrella::config::parse_mail_url(text) {
        let shown = format!("{parsed:?}");
        if let umbrella::config::MailUrl::Smtp(url) = &parsed {
            let url = url::Url::parse(secrecy::ExposeSecret::expose_secret(url))
                .expect("an accepted SMTP URL parses again");
            assert!(matches!(url.scheme(), "smtp" | "smtps"), "{}", url.scheme());
            let redacted = format!(
                "{:?}",
                umbrella::config::MailUrl::Smtp(secrecy::SecretString::from("smtp://elsewhere"))
            );
            assert_eq!(shown, redacted, "the debug form shows something of the URL");
        }
    }
}

/// The `datetime-local` fields of the organizer's event form, in several time zones: never
/// panics, and a time it accepts shows again as the same wall-clock minute.
pub fn time_input(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for tz in [
        chrono_tz::America::Chicago,
        chrono_tz::UTC,
        chrono_tz::Europe::Madrid,
        chrono_tz::Australia::Lord_Howe,
    ] {
        check_time(text, tz);
    }
}

fn check_time(text: &str, tz: Tz) {
    let Ok(at) = umbrella::views::time::from_input(text, tz, "starts_at") else {
        return;
    };
    let value = text.trim();
    let naive = chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .expect("an accepted time parses");
    assert_eq!(
        umbrella::views::time::to_input(at, tz),
        naive.format("%Y-%m-%dT%H:%M").to_string(),
        "{text:?} in {tz} does not show again as typed"
    );
}

/// Live day-of input: a follower's websocket text frames and an organizer's update body.
/// Reading a frame never panics, and a hello's token reads back the same when sent again. An
/// update that validates has 1 to 2,000 characters of trimmed text and a location exactly when
/// it is a location update, validates again unchanged, and goes out as a frame that reads back
/// with the same text and location.
pub fn live_input(data: &[u8]) {
    if let Ok(Some(token)) = read_hello(data) {
        let again = serde_json::json!({"type": "hello", "token": token}).to_string();
        assert_eq!(read_hello(again.as_bytes()), Ok(Some(token)));
    }
    let Ok(input) = parse_json::<UpdateInput>(data) else {
        return;
    };
    let Some(audience) = Audience::parse(&input.audience) else {
        return;
    };
    let draft = UpdateDraft {
        kind: input.kind,
        audience,
        text: input.text,
        location: input.location,
    };
    let Ok(valid) = draft.validate() else {
        return;
    };
    assert_eq!(
        valid.clone().validate().as_ref(),
        Ok(&valid),
        "validation is not idempotent"
    );
    assert!((1..=MAX_UPDATE_TEXT).contains(&valid.text.chars().count()));
    assert_eq!(valid.text.trim(), valid.text);
    assert_eq!(valid.location.is_some(), valid.kind == UpdateKind::Location);
    let update = LiveUpdate {
        event_id: "event".into(),
        seq: 1,
        kind: valid.kind,
        audience: valid.audience,
        text: valid.text.clone(),
        location: valid.location.clone(),
        created_at: Utc::now(),
        pseudonym: None,
    };
    let sent: serde_json::Value = serde_json::from_str(&frame(&ServerMessage::update(
        &update,
        update.location.as_deref(),
    )))
    .expect("the frame is JSON");
    assert_eq!(sent["text"], valid.text.as_str());
    assert_eq!(sent["location"].as_str(), valid.location.as_deref());
    assert_eq!(sent["audience"], audience.as_str());
}

/// The frame cap the live socket uses (PRODUCT.md: 4 KiB).
const FRAME_CAP: usize = 4096;

/// The websocket frame decoder (`live::wire::CappedCodec`) over what a client sends: the first
/// byte picks how the rest arrives in pieces, as a socket delivers it. Decoding never panics;
/// no frame carries more than the cap; a frame whose header announces more than the cap is
/// refused as soon as its header is in, before any of its payload; the frames and the refusal do
/// not depend on how the bytes were split; and a text frame goes through the hello reader.
pub fn ws_frame(data: &[u8]) {
    let Some((&split, stream)) = data.split_first() else {
        return;
    };
    let whole = decode_in_pieces(stream, stream.len().max(1));
    let pieces = decode_in_pieces(stream, usize::from(split % 16) + 1);
    // Which fault is named may depend on the split when one header has two (found by
    // libFuzzer: reserved bits set and an oversized length, fuzz/regressions/ws_frame/), but
    // not the frames, nor whether the stream is refused.
    assert_eq!(
        (&whole.frames, whole.error.is_some()),
        (&pieces.frames, pieces.error.is_some()),
        "the frames depend on how the bytes arrived: {whole:?} / {pieces:?}"
    );
    for decoded in &whole.frames {
        if let Frame::Text(text) = decoded {
            let _ = read_hello(text);
        }
    }
}

/// What the decoder made of a stream: the frames before it stopped, and whether it stopped on
/// an error (and which).
#[derive(Debug, PartialEq)]
struct Decoded {
    frames: Vec<Frame>,
    error: Option<String>,
}

/// A decoded frame, compared by kind and payload.
#[derive(Debug, PartialEq)]
enum Frame {
    Text(Vec<u8>),
    Binary(Vec<u8>),
    Continuation(String),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(String),
}

fn decode_in_pieces(stream: &[u8], piece: usize) -> Decoded {
    use actix_http::ws::Frame as Ws;
    use tokio_util::codec::Decoder;
    let mut codec = CappedCodec::new(FRAME_CAP);
    let mut buffer = bytes::BytesMut::new();
    let mut frames = Vec::new();
    for chunk in stream.chunks(piece) {
        buffer.extend_from_slice(chunk);
        loop {
            let before = buffer.clone();
            match codec.decode(&mut buffer) {
                Ok(Some(decoded)) => frames.push(match decoded {
                    Ws::Text(b) => Frame::Text(b.to_vec()),
                    Ws::Binary(b) => Frame::Binary(b.to_vec()),
                    Ws::Continuation(item) => Frame::Continuation(format!("{item:?}")),
                    Ws::Ping(b) => Frame::Ping(b.to_vec()),
                    Ws::Pong(b) => Frame::Pong(b.to_vec()),
                    Ws::Close(reason) => Frame::Close(format!("{reason:?}")),
                }),
                Ok(None) => break,
                Err(error) => {
                    if announced_length(&before).is_some_and(|n| n > FRAME_CAP as u64) {
                        assert!(buffer.is_empty(), "a refused frame's bytes were kept");
                    }
                    return Decoded {
                        frames,
                        error: Some(format!("{error:?}")),
                    };
                }
            }
            if let Some(Frame::Text(b) | Frame::Binary(b) | Frame::Ping(b) | Frame::Pong(b)) =
                frames.last()
            {
                assert!(
                    b.len() <= FRAME_CAP,
                    "a frame of {} bytes got through",
                    b.len()
                );
            }
        }
        // Nothing more could be decoded: if a whole header is in and announces more than the
        // cap, the decoder should have refused it already.
        assert!(
            announced_length(&buffer).is_none_or(|n| n <= FRAME_CAP as u64),
            "an oversized header was not refused once it had arrived"
        );
    }
    Decoded {
        frames,
        error: None,
    }
}

/// The payload length a frame header announces (RFC 6455 section 5.2), read here independently
/// of the decoder; `None` until enough of the header has arrived.
fn announced_length(header: &[u8]) -> Option<u64> {
    let length = header.get(1)? & 0x7F;
    Some(match length {
        126 => u64::from(u16::from_be_bytes([*header.get(2)?, *header.get(3)?])),
        127 => u64::from_be_bytes(header.get(2..10)?.try_into().ok()?),
        n => u64::from(n),
    })
}

/// `PUT …/push` bodies: parsing never panics, and an endpoint it takes is one the allow-list
/// names, checked here independently of the parser (https on the standard port and a listed
/// host or a host under one, or `127.0.0.1` where the list names it; never a user name,
/// password or fragment, an IP address otherwise, or another port), with keys of the right
/// sizes, and the subscription reads back the same from what it keeps.
pub fn push_subscription(data: &[u8]) {
    let Ok(input) = parse_json::<PushSubscriptionInput>(data) else {
        return;
    };
    let lists = [
        ("", PushServices::default()),
        (
            "127.0.0.1,push.example.org",
            PushServices::parse("127.0.0.1,push.example.org").expect("the test list"),
        ),
    ];
    for (list, services) in &lists {
        let input = PushSubscriptionInput {
            endpoint: input.endpoint.clone(),
            keys: umbrella::requests::push::PushKeys {
                p256dh: input.keys.p256dh.clone(),
                auth: input.keys.auth.clone(),
            },
            detail: input.detail.clone(),
        };
        let Ok(subscription) = input.into_subscription(services) else {
            continue;
        };
        let url = url::Url::parse(&subscription.endpoint).expect("a kept endpoint parses");
        assert!(url.username().is_empty() && url.password().is_none() && url.fragment().is_none());
        let host = url.host_str().unwrap_or_default();
        let suffixes: Vec<&str> = if list.is_empty() {
            umbrella::domain::push::DEFAULT_PUSH_SERVICES.to_vec()
        } else {
            vec!["push.example.org"]
        };
        let listed = suffixes
            .iter()
            .any(|s| host == *s || host.ends_with(&format!(".{s}")));
        let is_address = host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[');
        let allowed = (url.scheme() == "https" && url.port().is_none() && listed && !is_address)
            || (host == "127.0.0.1" && list.contains("127.0.0.1"));
        assert!(
            allowed,
            "{} taken with the list {list:?}",
            subscription.endpoint
        );
        assert_eq!((subscription.p256dh.len(), subscription.p256dh[0]), (65, 4));
        assert_eq!(subscription.auth.len(), 16);
        let again = PushSubscription::parse(
            &subscription.endpoint,
            &subscription.p256dh_text(),
            &subscription.auth_text(),
            Some(subscription.detail.as_str()),
            services,
        );
        assert_eq!(again.as_ref(), Ok(&subscription), "reads back differently");
    }
}

/// Invitation codes as typed, pasted or carried by `?invite=` (form-decoded like the query and
/// the RSVP form's field): never panics; a code it takes is 20 symbols of Crockford's base32,
/// and its written and shown forms read back as the same code.
pub fn invite_code(data: &[u8]) {
    #[derive(serde::Deserialize)]
    struct Query {
        invite: Option<String>,
    }
    let typed = std::str::from_utf8(data).ok().map(str::to_string);
    let carried = serde_html_form::from_bytes::<Query>(data)
        .ok()
        .and_then(|query| query.invite);
    for raw in [typed, carried].into_iter().flatten() {
        let Some(code) = InviteCode::parse(&raw) else {
            continue;
        };
        assert_eq!(code.as_str().len(), 20);
        assert!(code
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_digit() || (b.is_ascii_uppercase() && !b"ILOU".contains(&b))));
        assert_eq!(InviteCode::parse(code.as_str()).as_ref(), Some(&code));
        assert_eq!(InviteCode::parse(&code.display()).as_ref(), Some(&code));
    }
}

/// The door-link paths: the token in `/door/{token}`, the list's `?q=` search and `arrived=`,
/// the "arrived" form, and the organizer's body making a link. Never panics; a token it takes
/// has the shape the server hands out (43 base64url characters) and reads back the same; a
/// search is one trimmed line of 1 to 64 characters that finds the name it is; an RSVP id is a
/// UUID in its one written form.
pub fn door_link(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(token) = DoorToken::parse(text) {
            assert_eq!(token.as_str().len(), 43);
            assert!(token
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(DoorToken::parse(token.as_str()), Some(token.clone()));
        }
    }
    if let Ok(query) = serde_html_form::from_bytes::<DoorQuery>(data) {
        if let Ok(Some(search)) = query.search() {
            check_search(&search);
        }
    }
    if let Ok(form) = serde_html_form::from_bytes::<ArrivalForm>(data) {
        if let Ok(arrival) = form.parse() {
            assert_eq!(arrival.rsvp_id.len(), 36);
            assert_eq!(parse_rsvp_id(&arrival.rsvp_id), Ok(arrival.rsvp_id.clone()));
            if let Some(search) = &arrival.search {
                check_search(search);
            }
        }
    }
    let _ = parse_json::<DoorLinkInput>(data);
}

fn check_search(search: &NameSearch) {
    let text = search.as_str();
    assert!((1..=64).contains(&text.chars().count()), "{text:?}");
    assert_eq!(text.trim(), text);
    assert!(!text.chars().any(char::is_control), "{text:?}");
    assert_eq!(NameSearch::parse(Some(text)), Ok(Some(search.clone())));
    assert!(search.matches(text), "{text:?} does not find itself");
}

#[cfg(test)]
mod tests {
    use super::check_safe_html;

    #[test]
    fn script_urls_fail_the_html_check_and_titles_that_mention_them_do_not() {
        for unsafe_html in [
            r#"<a href=" javascript:alert(1)">x</a>"#,
            r#"<a href="java&#9;script:x">x</a>"#.replace("&#9;", "\t").as_str(),
            r#"<blockquote cite="data:text/html,x">x</blockquote>"#,
        ] {
            let html = unsafe_html.to_string();
            assert!(
                std::panic::catch_unwind(|| check_safe_html(&html)).is_err(),
                "{html} passed"
            );
        }
        check_safe_html(r#"<a href="/script" title="javascript:```alert(1)">x</a>"#);
    }
}
