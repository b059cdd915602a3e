//! The safety net on the day of an action: a "home safe by" time after which everyone who
//! arrived and has not checked out is nudged (by email, once) and organizers and jail support
//! (nobody else) get the list of who is missing; and "I need help", which reaches the
//! responders (organizers, medics, legal observers, jail support) and nobody else, at most once
//! a minute per person.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;
use umbrella_tests::smtp::{serve_with_mail, SmtpSink};
use umbrella_tests::{event_fields, location, on_both_databases, Backend, TestApp};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Follow an event's live stream with `token` (or as the public); returns the welcome too.
async fn follow(app: &TestApp, event_id: &str, token: Option<&str>) -> (Socket, Value) {
    let url = format!(
        "{}/api/v1/events/{event_id}/live",
        app.address.replace("http://", "ws://")
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("websocket connects");
    let hello = match token {
        Some(token) => json!({"type": "hello", "token": token}),
        None => json!({"type": "hello"}),
    };
    socket
        .send(Message::text(hello.to_string()))
        .await
        .expect("sent");
    let welcome = frame(&mut socket, Duration::from_secs(5))
        .await
        .expect("a welcome");
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    (socket, welcome)
}

/// The next JSON frame within `limit`, or `None`.
async fn frame(socket: &mut Socket, limit: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                return Some(serde_json::from_str(&text).expect("JSON"))
            }
            Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) | Err(_) => return None,
            Ok(Some(Ok(_))) => continue,
        }
    }
}

/// Every frame that arrives within `limit`.
async fn frames_within(socket: &mut Socket, limit: Duration) -> Vec<Value> {
    let deadline = Instant::now() + limit;
    let mut frames = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match frame(socket, left).await {
            Some(frame) => frames.push(frame),
            None => break,
        }
    }
    frames
}

/// The first frame of `kind` within `limit`, skipping others (counts, updates).
async fn first_of(socket: &mut Socket, kind: &str, limit: Duration) -> Option<Value> {
    let deadline = Instant::now() + limit;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match frame(socket, left).await {
            Some(frame) if frame["type"] == kind => return Some(frame),
            Some(_) => continue,
            None => return None,
        }
    }
    None
}

/// An action under way (started an hour ago, ends in three), offering every role.
fn action_under_way(extra: Value) -> Value {
    let now = chrono::Utc::now();
    let mut fields = json!({
        "kind": "action",
        "starts_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
        "ends_at": (now + chrono::Duration::hours(3)).to_rfc3339(),
        "cover_title": "Saturday picnic",
    });
    if let (Some(base), Some(extra)) = (fields.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            base.insert(key.clone(), value.clone());
        }
    }
    event_fields("Rally at city hall", 0, fields)
}

fn id_of(event: &Value) -> String {
    event["id"].as_str().expect("id").to_string()
}

async fn press(app: &TestApp, token: &str, what: &str) {
    let (status, body) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/rsvps/{token}/{what}"),
            None,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{what}: {body}");
}

async fn help(app: &TestApp, token: &str, text: &str) -> (u16, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/rsvps/{token}/help"),
        None,
        &json!({"text": text}),
    )
    .await
}

on_both_databases!(home_safe_by_is_for_actions_after_the_start);

async fn home_safe_by_is_for_actions_after_the_start(app: TestApp) {
    let organizer = app.organizer_token().await;
    let soon = chrono::Utc::now() + chrono::Duration::days(2);
    let after_start = (soon + chrono::Duration::hours(4)).to_rfc3339();
    let workshop = json!({"title": "Workshop", "kind": "workshop",
        "starts_at": soon.to_rfc3339(), "ends_at": (soon + chrono::Duration::hours(2)).to_rfc3339(),
        "safe_by": after_start});
    let (status, body) = app
        .send_json(Method::POST, "/api/v1/events", Some(&organizer), &workshop)
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("safe_by")),
        "{body}"
    );
    let early = json!({"title": "March", "kind": "action",
        "starts_at": soon.to_rfc3339(), "ends_at": (soon + chrono::Duration::hours(2)).to_rfc3339(),
        "safe_by": soon.to_rfc3339()});
    let (status, body) = app
        .send_json(Method::POST, "/api/v1/events", Some(&organizer), &early)
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("safe_by")),
        "{body}"
    );
    let (status, body) = app
        .send_json(
            Method::POST,
            "/api/v1/events",
            Some(&organizer),
            &json!({"title": "March", "kind": "action", "starts_at": soon.to_rfc3339(),
                    "ends_at": (soon + chrono::Duration::hours(2)).to_rfc3339(), "safe_by": "tonight"}),
        )
        .await;
    assert!(matches!(status, 400 | 422), "not a time: {status} {body}");

    let mut fine = early.clone();
    fine["safe_by"] = json!(after_start);
    let (status, event) = app
        .send_json(Method::POST, "/api/v1/events", Some(&organizer), &fine)
        .await;
    assert_eq!(status, 201, "{event}");
    let expected = chrono::DateTime::parse_from_rfc3339(&after_start)
        .expect("time")
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(event["safe_by"], expected.as_str(), "in UTC, to the second");
    let path = format!("/api/v1/events/{}", id_of(&event));
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&organizer),
            &json!({"kind": "workshop"}),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("safe_by")),
        "{body}"
    );
    let before_start = (soon - chrono::Duration::minutes(1)).to_rfc3339();
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&organizer),
            &json!({"safe_by": before_start}),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("safe_by")),
        "{body}"
    );
    let (_, public) = app.get_json(&path, None).await;
    assert_eq!(public["safe_by"], expected.as_str());
    let (status, cleared) = app
        .send_json(
            Method::PATCH,
            &path,
            Some(&organizer),
            &json!({"safe_by": null}),
        )
        .await;
    assert_eq!(status, 200, "{cleared}");
    assert_eq!(cleared["safe_by"], Value::Null);

    // The organizer's form has the field, and refuses it for a workshop the same way.
    let browser = app.signed_in_browser("olga").await;
    let form = app
        .get(
            &browser,
            &format!("/organize/events/{}/edit", id_of(&event)),
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(form.contains(r#"name="safe_by""#), "{form}");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%d");
    let response = app
        .post_form(
            &browser,
            "/organize/events",
            &[
                ("kind", "workshop"),
                ("title", "Workshop"),
                ("starts_at", &format!("{tomorrow}T18:00")),
                ("ends_at", &format!("{tomorrow}T20:00")),
                ("location_privacy", "public"),
                ("visibility", "listed"),
                ("count_display", "exact"),
                ("language", "en"),
                ("safe_by", &format!("{tomorrow}T22:00")),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(
        page.contains("only actions have a home-safe-by time"),
        "{page}"
    );
}

async fn start_with_mail(backend: Backend) -> Option<(TestApp, SmtpSink)> {
    serve_with_mail(backend, 0, &[]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_is_still_out_is_nudged_once_and_only_organizers_and_jail_support_hear_sqlite() {
    if let Some((app, sink)) = start_with_mail(Backend::Sqlite).await {
        who_is_still_out_is_nudged_once_and_only_organizers_and_jail_support_hear(app, sink).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_is_still_out_is_nudged_once_and_only_organizers_and_jail_support_hear_postgres() {
    if let Some((app, sink)) = start_with_mail(Backend::Postgres).await {
        who_is_still_out_is_nudged_once_and_only_organizers_and_jail_support_hear(app, sink).await;
    }
}

async fn who_is_still_out_is_nudged_once_and_only_organizers_and_jail_support_hear(
    app: TestApp,
    sink: SmtpSink,
) {
    let organizer = app.organizer_token().await;
    let safe_by = chrono::Utc::now() + chrono::Duration::seconds(6);
    let event = app
        .create_event(
            &organizer,
            action_under_way(json!({"safe_by": safe_by.to_rfc3339()})),
        )
        .await;
    let id = id_of(&event);
    let canary = uuid::Uuid::new_v4().simple().to_string();
    let address = |who: &str| format!("{who}-{canary}@example.org");
    let out = app
        .rsvp_api(&id, json!({"pseudonym": "Out", "email": address("out")}))
        .await;
    let home = app
        .rsvp_api(&id, json!({"pseudonym": "Home", "email": address("home")}))
        .await;
    let away = app
        .rsvp_api(&id, json!({"pseudonym": "Away", "email": address("away")}))
        .await;
    let jail = app
        .rsvp_api(&id, json!({"pseudonym": "Jay", "role": "jail_support"}))
        .await;
    let medic = app
        .rsvp_api(&id, json!({"pseudonym": "Mel", "role": "medic"}))
        .await;
    press(&app, &out, "checkin").await;
    press(&app, &jail, "checkin").await;
    press(&app, &medic, "checkin").await;
    press(&app, &home, "checkin").await;
    press(&app, &home, "safe").await;
    press(&app, &medic, "safe").await;

    let (mut organizers, _) = follow(&app, &id, Some(&organizer)).await;
    let (mut jail_support, _) = follow(&app, &id, Some(&jail)).await;
    let (mut medics, _) = follow(&app, &id, Some(&medic)).await;
    let (mut attendee, _) = follow(&app, &id, Some(&away)).await;
    let (mut public, _) = follow(&app, &id, None).await;
    assert_eq!(sink.messages().len(), 0, "nothing before the time");

    // At the time (the check runs every few seconds): organizers and jail support hear it.
    let expected =
        json!({"type": "safety", "reason": "not_yet_safe", "pseudonyms": ["Jay", "Out"]});
    let sorted = |frame: Option<Value>| {
        frame.map(|mut frame| {
            if let Some(names) = frame["pseudonyms"].as_array_mut() {
                names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
            frame
        })
    };
    let heard = sorted(first_of(&mut organizers, "safety", Duration::from_secs(30)).await);
    assert_eq!(heard.as_ref(), Some(&expected), "organizers");
    let heard = sorted(first_of(&mut jail_support, "safety", Duration::from_secs(5)).await);
    assert_eq!(heard.as_ref(), Some(&expected), "jail support");
    for (who, socket) in [
        ("a medic", &mut medics),
        ("an attendee", &mut attendee),
        ("the public", &mut public),
    ] {
        let frames = frames_within(socket, Duration::from_secs(1)).await;
        assert!(
            frames.iter().all(|f| f["type"] != "safety"),
            "{who} hears nothing of it: {frames:?}"
        );
        assert!(
            !frames.iter().any(|f| f.to_string().contains("Out")),
            "{who}: {frames:?}"
        );
    }

    // The nudge: to the one who arrived, left an address and is not home safe, once.
    let files = sink
        .settled(&app.address, &app.metrics_token, 1, Duration::from_secs(60))
        .await;
    assert_eq!(files.len(), 1, "one nudge");
    let message = &sink.messages()[0];
    assert_eq!(message["to"], address("out").as_str());
    let subject = message["subject"].as_str().expect("subject");
    assert!(subject.starts_with("Checking in"), "{subject}");
    assert!(!subject.contains("Rally"), "discreet: {subject}");
    let text = message["text"].as_str().expect("text");
    assert!(text.contains(&app.url(&format!("/r/{out}"))), "{text}");
    assert!(text.contains("home safe"), "{text}");

    // A later check, an edit of the event and another round change nothing: sent once.
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(sink.messages().len(), 1, "never twice");

    // The addresses kept for the nudge are gone now, as after the last reminder.
    for token in [&out, &home, &away] {
        let (_, rsvp) = app.get_json(&format!("/api/v1/rsvps/{token}"), None).await;
        assert_eq!(rsvp["has_email"], false, "{rsvp}");
    }

    // The console shows who is still out; checking out takes them off the list, live.
    let browser = app.signed_in_browser("olga").await;
    let console = app
        .get(&browser, &format!("/organize/events/{id}/live"))
        .await
        .text()
        .await
        .expect("page");
    assert!(console.contains("not yet home safe"), "{console}");
    assert!(console.contains("<li>Out</li>"), "{console}");
    press(&app, &out, "safe").await;
    let update = first_of(&mut organizers, "safety", Duration::from_secs(5))
        .await
        .expect("the list again");
    assert_eq!(update["pseudonyms"], json!(["Jay"]));
}

on_both_databases!(help_reaches_the_responders_only_once_a_minute);

async fn help_reaches_the_responders_only_once_a_minute(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, action_under_way(json!({})))
        .await;
    let id = id_of(&event);
    let asker = app.rsvp_api(&id, json!({"pseudonym": "Sparrow"})).await;
    let medic = app
        .rsvp_api(&id, json!({"pseudonym": "Mel", "role": "medic"}))
        .await;
    let observer = app
        .rsvp_api(&id, json!({"pseudonym": "Lee", "role": "legal_observer"}))
        .await;
    let marshal = app
        .rsvp_api(&id, json!({"pseudonym": "Max", "role": "marshal"}))
        .await;

    let (mut organizers, welcome) = follow(&app, &id, Some(&organizer)).await;
    assert!(welcome["audiences"]
        .as_array()
        .expect("audiences")
        .contains(&json!("responders")));
    let (mut medics, welcome) = follow(&app, &id, Some(&medic)).await;
    assert_eq!(
        welcome["audiences"],
        json!(["public", "attendees", "medic", "responders"])
    );
    let (mut marshals, welcome) = follow(&app, &id, Some(&marshal)).await;
    assert_eq!(
        welcome["audiences"],
        json!(["public", "attendees", "marshal"])
    );
    let (mut attendee, _) = follow(&app, &id, Some(&asker)).await;
    let (mut public, _) = follow(&app, &id, None).await;

    let (status, body) = help(&app, &asker, "Twisted ankle by the fountain").await;
    assert_eq!(status, 202, "{body}");
    for (who, socket) in [("organizers", &mut organizers), ("a medic", &mut medics)] {
        let update = first_of(socket, "update", Duration::from_secs(5))
            .await
            .expect("the help request");
        assert_eq!(update["kind"], "help", "{who}: {update}");
        assert_eq!(update["audience"], "responders");
        assert_eq!(update["pseudonym"], "Sparrow");
        assert_eq!(update["text"], "Twisted ankle by the fountain");
    }
    for (who, socket) in [
        ("a marshal", &mut marshals),
        ("the one who asked", &mut attendee),
        ("the public", &mut public),
    ] {
        let frames = frames_within(socket, Duration::from_millis(700)).await;
        assert!(
            frames.iter().all(|f| f["type"] != "update"),
            "{who} hears nothing of it: {frames:?}"
        );
    }

    // Once a minute: the next one is refused with the wait.
    let (status, body) = help(&app, &asker, "").await;
    assert_eq!(status, 429, "{body}");
    let response = app
        .client()
        .post(app.url(&format!("/api/v1/rsvps/{asker}/help")))
        .json(&json!({}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 429);
    let wait: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    // Someone else may ask meanwhile; bad text is refused, naming the field.
    let (status, body) = help(&app, &observer, &"x".repeat(281)).await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("text")),
        "{body}"
    );
    let (status, body) = help(&app, &observer, "line\nbreak").await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("text")),
        "{body}"
    );
    let (status, _) = help(&app, "not-a-token", "help").await;
    assert_eq!(status, 404);

    // The history follows the same policy.
    let path = format!("/api/v1/events/{id}/updates");
    let (_, seen) = app.get_json(&path, Some(&medic)).await;
    let helps: Vec<&Value> = seen["updates"]
        .as_array()
        .expect("updates")
        .iter()
        .filter(|u| u["kind"] == "help")
        .collect();
    assert_eq!(helps.len(), 1, "{seen}");
    assert_eq!(helps[0]["pseudonym"], "Sparrow");
    for token in [Some(marshal.as_str()), Some(asker.as_str()), None] {
        let (_, seen) = app.get_json(&path, token).await;
        assert_eq!(seen["updates"], json!([]), "{token:?}: {seen}");
    }

    // Organizers may write to the responders too; a marshal does not hear it.
    let (status, body) = app
        .send_json(
            Method::POST,
            &path,
            Some(&organizer),
            &json!({"kind": "alert", "audience": "responders", "text": "Medic tent moved"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let update = first_of(&mut medics, "update", Duration::from_secs(5))
        .await
        .expect("responders hear it");
    assert_eq!(update["text"], "Medic tent moved");
    let frames = frames_within(&mut marshals, Duration::from_millis(700)).await;
    assert!(frames.iter().all(|f| f["type"] != "update"), "{frames:?}");
    let (status, body) = app
        .send_json(
            Method::POST,
            &path,
            Some(&organizer),
            &json!({"kind": "help", "audience": "responders", "text": "x"}),
        )
        .await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("kind")),
        "{body}"
    );

    // The pages: a button on the manage page and the attendee's live page, a form post.
    let (_, manage) = app.get_text(&format!("/r/{observer}")).await;
    assert!(manage.contains("I need help"), "{manage}");
    assert!(manage.contains(r#"value="help""#), "{manage}");
    let (_, live) = app.get_text(&format!("/r/{observer}/live")).await;
    assert!(live.contains("I need help"), "{live}");
    assert!(
        live.contains("Sparrow"),
        "a legal observer is a responder: {live}"
    );
    let (_, live) = app.get_text(&format!("/r/{marshal}/live")).await;
    assert!(live.contains("I need help"), "{live}");
    assert!(
        !live.contains("Sparrow") && !live.contains("Twisted ankle"),
        "{live}"
    );
    let (_, public_page) = app.get_text(&format!("/events/{id}/live")).await;
    assert!(!public_page.contains("Twisted ankle") && !public_page.contains("Sparrow"));
    assert!(!public_page.contains("I need help"), "no RSVP, no button");
    let refused = app
        .client()
        .post(app.url(&format!("/r/{observer}")))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("action", "help"), ("help_text", "forged")])
        .send()
        .await
        .expect("sent");
    assert_eq!(refused.status(), 403);
    let response = app
        .post_form(
            &app.client(),
            &format!("/r/{observer}"),
            &[("action", "help"), ("help_text", "Arrest at the corner")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("/r/{observer}?done=help"));
    let update = first_of(&mut organizers, "update", Duration::from_secs(5))
        .await
        .expect("organizers hear the form too");
    let update = if update["kind"] == "alert" {
        first_of(&mut organizers, "update", Duration::from_secs(5))
            .await
            .expect("then the help request")
    } else {
        update
    };
    assert_eq!(
        (update["pseudonym"].as_str(), update["text"].as_str()),
        (Some("Lee"), Some("Arrest at the corner"))
    );
    let response = app
        .post_form(
            &app.client(),
            &format!("/r/{observer}"),
            &[("action", "help"), ("help_text", "again")],
        )
        .await;
    assert_eq!(location(&response), format!("/r/{observer}?done=helpwait"));

    // The console lists who asked for help.
    let browser = app.signed_in_browser("olga").await;
    let console = app
        .get(&browser, &format!("/organize/events/{id}/live"))
        .await
        .text()
        .await
        .expect("page");
    assert!(console.contains("Asked for help"), "{console}");
    assert!(console.contains("<strong>Sparrow</strong>"), "{console}");
    assert!(console.contains("Arrest at the corner"), "{console}");

    // Only people going may ask.
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{marshal}"),
            None,
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, body) = help(&app, &marshal, "").await;
    assert_eq!(status, 409, "{body}");
}
