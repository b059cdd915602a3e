//! Mail that cannot be turned against anyone: with no mail server configured nothing asks for or
//! keeps an address; a folder of messages chosen on purpose holds private files that go with
//! their RSVP; plain SMTP never falls back to clear text; one message that cannot be built
//! fails alone while the next goes out; and one-line text refuses control characters.

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use umbrella::db::schema::{events, outbox};
use umbrella_tests::smtp::{SmtpSink, QUICK_MAIL};
use umbrella_tests::{event_fields, on_both_databases, Backend, TestApp, MAIL_FILES};

on_both_databases!(
    without_a_mail_server_no_address_is_asked_for_or_taken,
    one_line_text_refuses_control_characters,
);
on_both_databases!(with super::MAIL_FILES_KEPT_NO_TIME => mail_files_are_private_and_go_with_their_rsvp);

/// A `file://` server whose purge (run by hand here) takes every ended event at once.
const MAIL_FILES_KEPT_NO_TIME: [&str; 4] = [MAIL_FILES[0], MAIL_FILES[1], "--retention-hours", "0"];

/// An event whose one reminder (a day ahead) falls due `seconds` from now.
fn reminded_in(title: &str, seconds: i64, extra: Value) -> Value {
    let starts =
        chrono::Utc::now() + chrono::Duration::minutes(1440) + chrono::Duration::seconds(seconds);
    let mut fields = json!({
        "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339(),
        "reminder_offsets_minutes": [1440],
    });
    if let (Some(base), Some(extra)) = (fields.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    event_fields(title, 1, fields)
}

fn id_of(event: &Value) -> String {
    event["id"].as_str().expect("id").to_string()
}

async fn without_a_mail_server_no_address_is_asked_for_or_taken(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = id_of(
        &app.create_event(&organizer, event_fields("Know your rights", 3, json!({})))
            .await,
    );
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(
        page.contains(r#"name="pseudonym""#),
        "the RSVP form is there"
    );
    assert!(!page.contains(r#"name="email""#), "it asks for no email");

    // An address sent anyway is refused, naming the field, by the API and by the form.
    let rsvps = format!("/api/v1/events/{id}/rsvps");
    let with_address = json!({"pseudonym": "Wren", "email": "wren@example.org"});
    let (status, body) = app
        .send_json(Method::POST, &rsvps, None, &with_address)
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "email");
    let form = [("pseudonym", "Wren"), ("email", "wren@example.org")];
    let response = app
        .post_form(&app.client(), &format!("/events/{id}/rsvp"), &form)
        .await;
    assert_eq!(response.status(), 422);
    let (_, list) = app.get_json(&rsvps, Some(&organizer)).await;
    assert_eq!(list["rsvps"], json!([]), "nothing was stored");

    // Without one the RSVP goes through, and managing it asks for no address either.
    let token = app
        .rsvp_api(&id, json!({"pseudonym": "Wren", "email": ""}))
        .await;
    let (_, manage) = app.get_text(&format!("/r/{token}")).await;
    assert!(
        manage.contains(r#"name="pseudonym""#),
        "the edit form is there"
    );
    assert!(!manage.contains(r#"name="email""#), "it asks for no email");
    let mine = format!("/api/v1/rsvps/{token}");
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &mine,
            None,
            &json!({"email": "wren@example.org"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "email");
    let form = [
        ("action", "save"),
        ("pseudonym", "Wren"),
        ("email", "wren@example.org"),
    ];
    let response = app
        .post_form(&app.client(), &format!("/r/{token}"), &form)
        .await;
    assert_eq!(response.status(), 422);
    let (status, rsvp) = app.get_json(&mine, None).await;
    assert_eq!(status, 200);
    assert_eq!(rsvp["has_email"], false);
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &mine,
            None,
            &json!({"email": null, "guests": 1}),
        )
        .await;
    assert_eq!(status, 200, "removing an address is always fine");

    assert!(
        !app.data_dir.join("outbox").exists(),
        "no folder of messages by default"
    );
}

/// The message file holding `address`, if any.
fn file_for(files: &[PathBuf], address: &str) -> Option<PathBuf> {
    files
        .iter()
        .find(|path| std::fs::read_to_string(path).is_ok_and(|text| text.contains(address)))
        .cloned()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

async fn mail_files_are_private_and_go_with_their_rsvp(app: TestApp) {
    let organizer = app.organizer_token().await;
    let id = id_of(
        &app.create_event(&organizer, reminded_in("Self-defense", 6, json!({})))
            .await,
    );
    let people = [
        "deleted",
        "unsubscribed",
        "cancelled",
        "formdeleted",
        "kept",
    ];
    let mut tokens = Vec::new();
    for name in people {
        let address = format!("{name}-{}@example.org", uuid::Uuid::new_v4().simple());
        let token = app
            .rsvp_api(&id, json!({"pseudonym": name, "email": address}))
            .await;
        tokens.push((token, address));
    }
    let mut files = Vec::new();
    for _ in 0..300 {
        files = app.mail_files();
        if files.len() >= people.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(files.len(), people.len(), "one reminder each: {files:?}");
    #[cfg(unix)]
    {
        assert_eq!(
            mode(&app.data_dir.join("mail")),
            0o700,
            "the folder is private"
        );
        for file in &files {
            assert_eq!(mode(file), 0o600, "{} is private", file.display());
        }
    }
    let gone = |address: &str| file_for(&app.mail_files(), address).is_none();
    assert!(tokens.iter().all(|(_, address)| !gone(address)));

    // "Delete me" through the API.
    let (token, address) = &tokens[0];
    let (status, _) = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/rsvps/{token}"),
            None,
            &json!({}),
        )
        .await;
    assert_eq!(status, 204);
    assert!(gone(address), "a deleted RSVP's message file goes with it");
    // Removing the address.
    let (token, address) = &tokens[1];
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{token}"),
            None,
            &json!({"email": null}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        gone(address),
        "a removed address's message file goes with it"
    );
    // Cancelling.
    let (token, address) = &tokens[2];
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{token}"),
            None,
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        gone(address),
        "a cancelled RSVP's message file goes with it"
    );
    // "Delete me" on the manage page.
    let (token, address) = &tokens[3];
    let response = app
        .post_form(
            &app.client(),
            &format!("/r/{token}"),
            &[("action", "delete")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert!(gone(address), "so does a form deletion's");
    let (_, kept) = &tokens[4];
    assert!(!gone(kept), "the others' files stay");

    // The event ends; the purge takes the last file too.
    app.end_event(&id);
    let folder = format!("file://{}", app.data_dir.join("mail").display());
    app.cli(&["purge", "--mail-url", &folder, "--retention-hours", "0"])
        .await
        .expect("purge runs");
    assert_eq!(
        app.mail_files(),
        Vec::<PathBuf>::new(),
        "nothing outlives its RSVP"
    );
}

async fn one_line_text_refuses_control_characters(app: TestApp) {
    let organizer = app.organizer_token().await;
    for (field, value) in [
        ("title", "Rally\r\nBcc: everyone@example.org"),
        ("cover_title", "Book club\n"),
        ("location", "Park\tgate"),
        ("title", "Bell\u{7}"),
        ("description", "Fine until\u{0}"),
        ("accessibility", "Escape\u{1b}[2J"),
    ] {
        let fields = event_fields("Workshop", 3, json!({ field: value }));
        let (status, body) = app
            .send_json(Method::POST, "/api/v1/events", Some(&organizer), &fields)
            .await;
        assert_eq!(status, 422, "{field}: {body}");
        assert_eq!(body["field"], field, "{body}");
    }
    // Several lines are fine where text has lines.
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Workshop",
                3,
                json!({"description": "One\r\nTwo\n\tThree", "accessibility": "Ramp\nASL"}),
            ),
        )
        .await;
    let id = id_of(&event);
    assert_eq!(event["description"], "One\r\nTwo\n\tThree");
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&organizer),
            &json!({"title": "New\ntitle"}),
        )
        .await;
    assert_eq!(
        (status, body["field"].clone()),
        (422, json!("title")),
        "{body}"
    );

    let rsvps = format!("/api/v1/events/{id}/rsvps");
    let (status, body) = app
        .send_json(
            Method::POST,
            &rsvps,
            None,
            &json!({"pseudonym": "Wren\r\nX"}),
        )
        .await;
    assert_eq!(
        (status, body["field"].clone()),
        (422, json!("pseudonym")),
        "{body}"
    );
    let token = app
        .rsvp_api(
            &id,
            json!({"pseudonym": "Wren", "needs": "A chair\nnear the door"}),
        )
        .await;
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{token}"),
            None,
            &json!({"pseudonym": "Wren\u{0}"}),
        )
        .await;
    assert_eq!(
        (status, body["field"].clone()),
        (422, json!("pseudonym")),
        "{body}"
    );

    let updates = format!("/api/v1/events/{id}/updates");
    let (status, body) = app
        .send_json(
            Method::POST,
            &updates,
            Some(&organizer),
            &json!({"kind": "location", "audience": "public", "text": "We moved", "location": "Gate 2\r\nBehind"}),
        )
        .await;
    assert_eq!(
        (status, body["field"].clone()),
        (422, json!("location")),
        "{body}"
    );
    let (status, body) = app
        .send_json(
            Method::POST,
            &updates,
            Some(&organizer),
            &json!({"kind": "announcement", "audience": "public", "text": "Two\nlines"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, history) = app.get_json(&updates, Some(&organizer)).await;
    assert!(
        !history.to_string().contains("Behind"),
        "the refused update stored nothing: {history}"
    );
}

/// Run a story on both databases with an SMTP server (no STARTTLS) and a mail URL made from it.
macro_rules! with_smtp {
    ($($story:ident: $url:expr),+ $(,)?) => {$(
        mod $story {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some((app, sink)) = super::start(umbrella_tests::Backend::Sqlite, $url).await {
                    super::$story(app, sink).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some((app, sink)) = super::start(umbrella_tests::Backend::Postgres, $url).await {
                    super::$story(app, sink).await;
                }
            }
        }
    )+};
}

with_smtp!(
    plain_smtp_is_never_used_unless_the_url_says_so: umbrella_tests::smtp::SmtpSink::default_url,
    a_message_that_cannot_be_built_fails_alone: umbrella_tests::smtp::SmtpSink::url,
);

async fn start(backend: Backend, url: fn(&SmtpSink) -> String) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start(0)?;
    let url = url(&sink);
    let mut settings = vec!["--mail-url", url.as_str()];
    settings.extend(QUICK_MAIL);
    let app = TestApp::spawn_with(backend, &settings).await?;
    Some((app, sink))
}

/// Each outbox row's state and attempts, read with the database's own queries.
fn outbox_rows(app: &TestApp) -> Vec<(String, String, i32)> {
    outbox::table
        .select((outbox::event_id, outbox::state, outbox::attempts))
        .load(&mut app.database())
        .expect("outbox read")
}

async fn plain_smtp_is_never_used_unless_the_url_says_so(app: TestApp, sink: SmtpSink) {
    let organizer = app.organizer_token().await;
    let id = id_of(
        &app.create_event(&organizer, reminded_in("Rally", 4, json!({})))
            .await,
    );
    app.rsvp_api(
        &id,
        json!({"pseudonym": "Wren", "email": "wren@example.org"}),
    )
    .await;
    // The server offers no STARTTLS: the reminder is tried (and retried), never sent in clear.
    let mut rows = Vec::new();
    for _ in 0..200 {
        rows = outbox_rows(&app);
        if rows.iter().any(|(_, _, attempts)| *attempts >= 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        rows.iter().any(|(_, _, attempts)| *attempts >= 2),
        "tried and tried again: {rows:?}"
    );
    assert!(rows.iter().all(|(_, state, _)| state != "sent"), "{rows:?}");
    assert_eq!(
        sink.files(),
        Vec::<PathBuf>::new(),
        "nothing went in clear text"
    );
}

async fn a_message_that_cannot_be_built_fails_alone(app: TestApp, sink: SmtpSink) {
    let organizer = app.organizer_token().await;
    let bad = id_of(
        &app.create_event(
            &organizer,
            reminded_in("Rally", 6, json!({"cover_title": "Book club"})),
        )
        .await,
    );
    let good = id_of(
        &app.create_event(
            &organizer,
            reminded_in("Workshop", 9, json!({"cover_title": "Tea"})),
        )
        .await,
    );
    // A line break stored before such text was refused, as an old database may hold.
    diesel::update(events::table.find(&bad))
        .set(events::cover_title.eq("Book club\r\nBcc: everyone@example.org"))
        .execute(&mut app.database())
        .expect("old data written");
    app.rsvp_api(
        &bad,
        json!({"pseudonym": "Wren", "email": "bad@example.org"}),
    )
    .await;
    app.rsvp_api(
        &good,
        json!({"pseudonym": "Finch", "email": "good@example.org"}),
    )
    .await;

    // The next message still goes out, and then the outbox has nothing left: the bad one is
    // not taken up again (checked below: failed after one attempt).
    sink.settled(&app.address, &app.metrics_token, 1, Duration::from_secs(30))
        .await;
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["to"], "good@example.org");
    let rows = outbox_rows(&app);
    let state_of = |event: &str| {
        rows.iter()
            .find(|(id, _, _)| id == event)
            .map(|(_, state, attempts)| (state.clone(), *attempts))
    };
    assert_eq!(
        state_of(&bad),
        Some(("failed".into(), 1)),
        "failed at once: {rows:?}"
    );
    assert_eq!(state_of(&good), Some(("sent".into(), 1)), "{rows:?}");
    let metrics = app
        .client()
        .get(app.url("/metrics"))
        .bearer_auth(&organizer)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(r#"umbrella_mail_unbuildable_total{kind="reminder"} 1"#),
        "counted: {metrics}"
    );
}
