//! Announcements by email: an update posted with `"email": true` (or the console's checkbox)
//! also goes by email to everyone in its audience who left an address, through the outbox, at
//! most once per person; the subject is neutral, and the words travel only when the audience
//! is `public` (otherwise a line says there is a message, with the person's manage link).
//! Declined RSVPs get nothing, and without a mail server nothing is queued at all.

use std::time::Duration;

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use umbrella::db::schema::outbox;
use umbrella_tests::smtp::{serve_with_mail, SmtpSink};
use umbrella_tests::{event_fields, on_both_databases, Backend, TestApp};

async fn start_with_mail(backend: Backend) -> Option<(TestApp, SmtpSink)> {
    serve_with_mail(backend, 0, &[]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_reaches_its_audience_by_email_once_sqlite() {
    if let Some((app, sink)) = start_with_mail(Backend::Sqlite).await {
        an_announcement_reaches_its_audience_by_email_once(app, sink).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_announcement_reaches_its_audience_by_email_once_postgres() {
    if let Some((app, sink)) = start_with_mail(Backend::Postgres).await {
        an_announcement_reaches_its_audience_by_email_once(app, sink).await;
    }
}

/// The messages that arrived for `address` whose subject says it is an announcement.
fn announcements_to(sink: &SmtpSink, address: &str) -> Vec<Value> {
    sink.messages()
        .into_iter()
        .filter(|m| m["to"] == address)
        .filter(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("A message about"))
        })
        .collect()
}

async fn post(app: &TestApp, token: &str, event_id: &str, body: Value) -> Value {
    let (status, update) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{event_id}/updates"),
            Some(token),
            &body,
        )
        .await;
    assert_eq!(status, 201, "{update}");
    update
}

async fn an_announcement_reaches_its_audience_by_email_once(app: TestApp, sink: SmtpSink) {
    let organizer = app.organizer_token().await;
    // No reminders: nothing else is queued meanwhile, so the outbox empties between steps.
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Rally at city hall",
                3,
                json!({"kind": "action", "approval_required": true, "cover_title": "Book club",
                       "location": "Secret basement", "location_privacy": "approved",
                       "reminder_offsets_minutes": []}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let canary = uuid::Uuid::new_v4().simple().to_string();
    let address = |who: &str| format!("{who}-{canary}@example.org");
    let mut ids = std::collections::HashMap::new();
    for (name, role) in [
        ("going", None),
        ("medic", Some("medic")),
        ("declined", None),
        ("pending", None),
    ] {
        let mut body = json!({"pseudonym": name, "email": address(name)});
        if let Some(role) = role {
            body["role"] = json!(role);
        }
        let (status, rsvp) = app
            .send_json(
                Method::POST,
                &format!("/api/v1/events/{id}/rsvps"),
                None,
                &body,
            )
            .await;
        assert_eq!(status, 201, "{rsvp}");
        ids.insert(name, rsvp["token"].as_str().expect("token").to_string());
    }
    app.rsvp_api(&id, json!({"pseudonym": "no address"})).await;
    let (_, list) = app
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&organizer))
        .await;
    for rsvp in list["rsvps"].as_array().expect("rsvps") {
        let decision = match rsvp["pseudonym"].as_str() {
            Some("going" | "medic") => "approve",
            Some("declined") => "decline",
            _ => continue,
        };
        let path = format!(
            "/api/v1/events/{id}/rsvps/{}/{decision}",
            rsvp["id"].as_str().expect("id")
        );
        let (status, body) = app
            .send_json(Method::POST, &path, Some(&organizer), &json!({}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    // The approval and decline notices go first.
    sink.settled(&app.address, &app.metrics_token, 3, Duration::from_secs(60))
        .await;

    // To everyone following: the words travel, to all who still stand (declined: nothing).
    post(
        &app,
        &organizer,
        &id,
        json!({"kind": "announcement", "audience": "public", "text": "Bring water and sunscreen", "email": true}),
    )
    .await;
    // To people going: only a line and the link; to medics, by the console's checkbox.
    post(
        &app,
        &organizer,
        &id,
        json!({"kind": "alert", "audience": "attendees", "text": "Meet at the back door", "email": true}),
    )
    .await;
    let browser = app.signed_in_browser("olga").await;
    let console = app
        .get(&browser, &format!("/organize/events/{id}/live"))
        .await
        .text()
        .await
        .expect("page");
    assert!(console.contains(r#"name="email""#), "the checkbox is there");
    let response = app
        .post_form(
            &browser,
            &format!("/organize/events/{id}/updates"),
            &[
                ("kind", "announcement"),
                ("audience", "medic"),
                ("text", "Medic tent by the fountain"),
                ("email", "yes"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    // And one without the box ticked: no email.
    post(
        &app,
        &organizer,
        &id,
        json!({"kind": "status", "audience": "public", "text": "Quiet so far"}),
    )
    .await;

    // going: public + attendees; medic: public + attendees + medic; pending: public only.
    sink.settled(
        &app.address,
        &app.metrics_token,
        3 + 6,
        Duration::from_secs(60),
    )
    .await;
    let going = announcements_to(&sink, &address("going"));
    let medic = announcements_to(&sink, &address("medic"));
    let pending = announcements_to(&sink, &address("pending"));
    let declined = announcements_to(&sink, &address("declined"));
    assert_eq!(
        (going.len(), medic.len(), pending.len(), declined.len()),
        (2, 3, 1, 0),
        "{:?}",
        sink.messages()
    );
    for message in going.iter().chain(&medic).chain(&pending) {
        let subject = message["subject"].as_str().expect("subject");
        assert_eq!(subject, "A message about Book club", "neutral");
        let text = message["text"].as_str().expect("text");
        let html = message["html"].as_str().expect("html");
        for body in [text, html] {
            assert!(!body.contains("Secret basement"), "no hidden place: {body}");
            assert!(!body.contains("Meet at the back door"), "{body}");
            assert!(!body.contains("Medic tent"), "{body}");
            assert!(!body.contains("Quiet so far"), "not emailed: {body}");
        }
    }
    let with_words = |messages: &[Value]| {
        messages
            .iter()
            .filter(|m| {
                m["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("Bring water and sunscreen"))
            })
            .count()
    };
    assert_eq!(
        (with_words(&going), with_words(&medic), with_words(&pending)),
        (1, 1, 1),
        "the public announcement's words, once each"
    );
    for (name, messages) in [("going", &going), ("medic", &medic)] {
        let manage = app.url(&format!("/r/{}", ids[name]));
        let lines = messages
            .iter()
            .filter(|m| {
                m["text"].as_str().is_some_and(|t| {
                    t.contains("The message is on your page") && t.contains(&manage)
                })
            })
            .count();
        assert_eq!(lines, messages.len() - 1, "{name}: a line and the link");
    }

    // Sent once: a later round sends nothing more.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.messages().len(), 9, "each once");
}

on_both_databases!(without_a_mail_server_an_announcement_queues_nothing);

async fn without_a_mail_server_an_announcement_queues_nothing(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields("March", 2, json!({"kind": "action"})),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    app.rsvp_api(&id, json!({"pseudonym": "Wren"})).await;
    let update = post(
        &app,
        &organizer,
        &id,
        json!({"kind": "announcement", "audience": "public", "text": "Hello", "email": true}),
    )
    .await;
    assert_eq!(update["text"], "Hello", "posted all the same");
    let queued: i64 = outbox::table
        .filter(outbox::kind.eq("announcement"))
        .count()
        .get_result(&mut app.database())
        .expect("counted");
    assert_eq!(queued, 0);
    let browser = app.signed_in_browser("olga").await;
    let console = app
        .get(&browser, &format!("/organize/events/{id}/live"))
        .await
        .text()
        .await
        .expect("page");
    assert!(!console.contains(r#"name="email""#), "no checkbox");
}
