//! RSVP questions: an organizer asks up to five (text, choice, yes/no; required or not). The
//! answers are sealed, shown to organizers only (their RSVP list, API and page), never to the
//! public, the attendee's own outputs, the door, emails or push messages; bad answers are
//! refused naming the field, and editing the questions later keeps the old answers readable.

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use umbrella_tests::smtp::{serve_with_mail, SmtpSink};
use umbrella_tests::{bytes_contain, event_fields, location, on_both_databases, Backend, TestApp};

const SECRET_ANSWER: &str = "Answer-canary-she-her";

fn three_questions() -> Value {
    json!([
        {"label": "Your pronouns?", "kind": "text"},
        {"label": "Which session?", "kind": "choice", "options": ["Morning", "Evening"], "required": true},
        {"label": "First time with us?", "kind": "yes_no"}
    ])
}

async fn an_event_with_questions(app: &TestApp) -> (String, String) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Peer support circle",
                2,
                json!({"questions": three_questions()}),
            ),
        )
        .await;
    let ids: Vec<&str> = event["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .filter_map(|q| q["id"].as_str())
        .collect();
    assert_eq!(ids, ["q1", "q2", "q3"], "ids are given in order");
    (organizer, event["id"].as_str().expect("id").to_string())
}

async fn rsvp(app: &TestApp, event_id: &str, body: Value) -> (u16, Value) {
    app.send_json(
        Method::POST,
        &format!("/api/v1/events/{event_id}/rsvps"),
        None,
        &body,
    )
    .await
}

async fn organizer_list(app: &TestApp, organizer: &str, event_id: &str) -> Value {
    let (status, list) = app
        .get_json(&format!("/api/v1/events/{event_id}/rsvps"), Some(organizer))
        .await;
    assert_eq!(status, 200);
    list
}

async fn answers_reach_organizers_only(app: TestApp) {
    let (organizer, id) = an_event_with_questions(&app).await;
    let (status, made) = rsvp(
        &app,
        &id,
        json!({"pseudonym": "Iris", "answers": {"q1": SECRET_ANSWER, "q2": "Evening", "q3": "yes"}}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    assert!(!made.to_string().contains(SECRET_ANSWER), "not sent back");
    let token = made["token"].as_str().expect("token");

    let list = organizer_list(&app, &organizer, &id).await;
    let answers = &list["rsvps"][0]["answers"];
    assert_eq!(
        answers,
        &json!([
            {"id": "q1", "label": "Your pronouns?", "value": SECRET_ANSWER},
            {"id": "q2", "label": "Which session?", "value": "Evening"},
            {"id": "q3", "label": "First time with us?", "value": "yes"}
        ])
    );
    let browser = app.signed_in_browser("asker").await;
    let page = app
        .get(&browser, &format!("/organize/events/{id}/rsvps"))
        .await;
    let page = page.text().await.expect("text");
    assert!(page.contains(SECRET_ANSWER) && page.contains("Which session?"));

    // Nowhere else: the attendee's own API and page, the public page and API, feeds, the door.
    let (_, own) = app.get_json(&format!("/api/v1/rsvps/{token}"), None).await;
    assert!(own.get("answers").is_none());
    let (_, door) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/door-links"),
            Some(&organizer),
            &json!({}),
        )
        .await;
    let door = door["url"].as_str().expect("url").to_string();
    for path in [
        format!("/r/{token}"),
        format!("/r/{token}/calendar.ics"),
        format!("/api/v1/rsvps/{token}"),
        format!("/events/{id}"),
        format!("/api/v1/events/{id}"),
        format!("/events/{id}/event.ics"),
        "/calendar.ics".to_string(),
        "/feed.atom".to_string(),
        "/api/v1/events".to_string(),
        door,
    ] {
        let (status, body) = app.get_text(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.contains(SECRET_ANSWER), "{path} shows an answer");
    }
    assert!(
        !bytes_contain(&app.raw_database(), SECRET_ANSWER),
        "answers are sealed"
    );
}

async fn bad_answers_and_questions_name_the_field(app: TestApp) {
    let (organizer, id) = an_event_with_questions(&app).await;
    let refused = |answers: Value| {
        let app = &app;
        let id = id.clone();
        async move {
            let (status, body) = rsvp(
                app,
                &id,
                json!({"pseudonym": "Juniper", "answers": answers}),
            )
            .await;
            assert_eq!(status, 422, "{body}");
            body["field"].as_str().expect("field").to_string()
        }
    };
    assert_eq!(
        refused(json!({})).await,
        "answers.q2",
        "a missing required answer"
    );
    assert_eq!(
        refused(json!({"q2": "Noon"})).await,
        "answers.q2",
        "an unknown choice"
    );
    assert_eq!(
        refused(json!({"q2": "Evening", "q3": "maybe"})).await,
        "answers.q3"
    );
    assert_eq!(
        refused(json!({"q2": "Evening", "q9": "x"})).await,
        "answers"
    );
    let (status, _) = rsvp(
        &app,
        &id,
        json!({"pseudonym": "Juniper", "answers": {"q2": "Morning"}}),
    )
    .await;
    assert_eq!(status, 201);

    let six: Vec<Value> = (0..6)
        .map(|n| json!({"label": format!("Question {n}"), "kind": "text"}))
        .collect();
    for body in [
        json!({"questions": six}),
        json!({"questions": [{"label": "Pick", "kind": "choice", "options": ["only one"]}]}),
        json!({"questions": [{"label": "", "kind": "text"}]}),
    ] {
        let (status, answer) = app
            .send_json(
                Method::PATCH,
                &format!("/api/v1/events/{id}"),
                Some(&organizer),
                &body,
            )
            .await;
        assert_eq!(
            (status, answer["field"].as_str()),
            (422, Some("questions")),
            "{answer}"
        );
    }
    let (status, answer) = app
        .send_json(
            Method::POST,
            "/api/v1/events",
            Some(&organizer),
            &event_fields("Too many", 2, json!({"questions": six})),
        )
        .await;
    assert_eq!((status, answer["field"].as_str()), (422, Some("questions")));
    let (status, answer) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&organizer),
            &json!({"who_for": "Line one\nline two"}),
        )
        .await;
    assert_eq!((status, answer["field"].as_str()), (422, Some("who_for")));
}

async fn the_forms_ask_the_questions_without_javascript(app: TestApp) {
    let (organizer, id) = an_event_with_questions(&app).await;
    let (status, page) = app.get_text(&format!("/events/{id}")).await;
    assert_eq!(status, 200);
    for shown in [
        "Your pronouns?",
        "name=\"answer_1\"",
        "<select id=\"answers.q2\" name=\"answer_2\" required",
        "type=\"radio\" value=\"yes\"",
        "(required)",
    ] {
        assert!(page.contains(shown), "the event page lacks {shown}");
    }
    let missing = app
        .post_form(
            &app.client(),
            &format!("/events/{id}/rsvp"),
            &[("pseudonym", "Laurel")],
        )
        .await;
    assert_eq!(missing.status(), 422);
    let missing = missing.text().await.expect("text");
    assert!(
        missing.contains("href=\"#answers.q2\""),
        "the error summary links to the question"
    );
    let made = app
        .post_form(
            &app.client(),
            &format!("/events/{id}/rsvp"),
            &[
                ("pseudonym", "Laurel"),
                ("answer_1", SECRET_ANSWER),
                ("answer_2", "Morning"),
                ("answer_3", "no"),
            ],
        )
        .await;
    assert_eq!(made.status(), 303);
    let manage = location(&made);
    let manage = manage.split('?').next().expect("path").to_string();
    let (_, page) = app.get_text(&manage).await;
    assert!(
        page.contains("Which session?") && !page.contains(SECRET_ANSWER),
        "asked, never shown back"
    );
    // Saving the manage form with the answers left empty keeps them; answering again changes them.
    let saved = app
        .post_form(
            &app.client(),
            &manage,
            &[("action", "save"), ("pseudonym", "Laurel")],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let list = organizer_list(&app, &organizer, &id).await;
    assert_eq!(list["rsvps"][0]["answers"][0]["value"], SECRET_ANSWER);
    let changed = app
        .post_form(
            &app.client(),
            &manage,
            &[
                ("action", "save"),
                ("pseudonym", "Laurel"),
                ("answer_2", "Evening"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    let list = organizer_list(&app, &organizer, &id).await;
    assert_eq!(
        list["rsvps"][0]["answers"],
        json!([{"id": "q2", "label": "Which session?", "value": "Evening"}])
    );

    // The organizer's form: five question rows, and what it saves.
    let browser = app.signed_in_browser("editor").await;
    let form = app
        .get(&browser, &format!("/organize/events/{id}/edit"))
        .await;
    let form = form.text().await.expect("text");
    assert_eq!(form.matches("name=\"question_label\"").count(), 5);
    assert!(form.contains("value=\"Your pronouns?\""));

    // A new event from the form: invitation-only, who it is for, two questions (rows left
    // empty are no questions).
    let day = (chrono::Utc::now() + chrono::Duration::days(4)).date_naive();
    let (starts, ends) = (format!("{day}T18:00"), format!("{day}T20:00"));
    let mut fields = vec![
        ("kind", "workshop"),
        ("title", "Members' evening"),
        ("cover_title", ""),
        ("description", ""),
        ("starts_at", starts.as_str()),
        ("ends_at", ends.as_str()),
        ("location", ""),
        ("location_privacy", "public"),
        ("location_reveal_at", ""),
        ("capacity", ""),
        ("tags", ""),
        ("accessibility", ""),
        ("language", "en"),
        ("visibility", "listed"),
        ("reminder_hours", "24"),
        ("count_display", "exact"),
        ("access", "invite"),
        ("who_for", "Sex workers only"),
    ];
    let rows = [
        (
            "",
            "Which evening?",
            "choice",
            "Friday\nSaturday",
            "required",
        ),
        ("", "", "text", "", "optional"),
        ("", "Anything else?", "text", "", "optional"),
        ("", "", "text", "", "optional"),
        ("", "", "text", "", "optional"),
    ];
    for (id, label, kind, options, required) in &rows {
        fields.extend([
            ("question_id", *id),
            ("question_label", *label),
            ("question_kind", *kind),
            ("question_options", *options),
            ("question_required", *required),
        ]);
    }
    let made = app.post_form(&browser, "/organize/events", &fields).await;
    assert_eq!(made.status(), 303);
    let new_id = location(&made)
        .trim_start_matches("/organize/events/")
        .split(['/', '?'])
        .next()
        .expect("the new event's id")
        .to_string();
    let (status, event) = app
        .get_json(&format!("/api/v1/events/{new_id}"), Some(&organizer))
        .await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["access"], "invite");
    assert_eq!(event["who_for"], "Sex workers only");
    assert_eq!(
        event["questions"],
        json!([
            {"id": "q1", "label": "Which evening?", "kind": "choice", "options": ["Friday", "Saturday"], "required": true},
            {"id": "q2", "label": "Anything else?", "kind": "text", "options": [], "required": false}
        ])
    );
}

async fn edited_questions_keep_old_answers_readable(app: TestApp) {
    let (organizer, id) = an_event_with_questions(&app).await;
    let (status, _) = rsvp(
        &app,
        &id,
        json!({"pseudonym": "Olive", "answers": {"q1": "they/them", "q2": "Morning"}}),
    )
    .await;
    assert_eq!(status, 201);
    // The first question reworded, the second removed, a new one added.
    let (status, event) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&organizer),
            &json!({"questions": [
                {"id": "q1", "label": "Pronouns (optional)", "kind": "text"},
                {"label": "Need a ride?", "kind": "yes_no", "required": true}
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["questions"][1]["id"], "q2", "the first free number");
    let list = organizer_list(&app, &organizer, &id).await;
    assert_eq!(
        list["rsvps"][0]["answers"],
        json!([
            {"id": "q1", "label": "Your pronouns?", "value": "they/them"},
            {"id": "q2", "label": "Which session?", "value": "Morning"}
        ]),
        "old answers keep the labels they were given under"
    );
    let (status, body) = rsvp(
        &app,
        &id,
        json!({"pseudonym": "Pine", "answers": {"q2": "yes"}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = rsvp(
        &app,
        &id,
        json!({"pseudonym": "Pine", "answers": {"q2": "Morning"}}),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("answers.q2")));

    // Answering again through the API: checked against the questions as they are now.
    let (status, made) = rsvp(
        &app,
        &id,
        json!({"pseudonym": "Rowan", "answers": {"q2": "no"}}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let manage = format!("/api/v1/rsvps/{}", made["token"].as_str().expect("token"));
    let (status, refused) = app
        .send_json(
            Method::PATCH,
            &manage,
            None,
            &json!({"answers": {"q2": "maybe"}}),
        )
        .await;
    assert_eq!(
        (status, refused["field"].as_str()),
        (422, Some("answers.q2"))
    );
    let (status, changed) = app
        .send_json(
            Method::PATCH,
            &manage,
            None,
            &json!({"answers": {"q1": "he/him", "q2": "yes"}}),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert!(changed.get("answers").is_none(), "never shown back");
    let list = organizer_list(&app, &organizer, &id).await;
    let rowan = list["rsvps"]
        .as_array()
        .expect("rsvps")
        .iter()
        .find(|r| r["pseudonym"] == "Rowan")
        .expect("Rowan");
    assert_eq!(
        rowan["answers"],
        json!([
            {"id": "q1", "label": "Pronouns (optional)", "value": "he/him"},
            {"id": "q2", "label": "Need a ride?", "value": "yes"}
        ])
    );
}

on_both_databases!(
    answers_reach_organizers_only,
    bad_answers_and_questions_name_the_field,
    the_forms_ask_the_questions_without_javascript,
    edited_questions_keep_old_answers_readable
);

/// A server that emails through a real SMTP server (retrying quickly) and may push to the push
/// service double on this machine.
async fn with_mail_and_push(backend: Backend) -> Option<(TestApp, SmtpSink)> {
    serve_with_mail(backend, 0, &["--push-endpoints", "127.0.0.1"]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_never_travel_by_email_or_push_sqlite() {
    if let Some((app, sink)) = with_mail_and_push(Backend::Sqlite).await {
        answers_never_travel_by_email_or_push(app, sink).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_never_travel_by_email_or_push_postgres() {
    if let Some((app, sink)) = with_mail_and_push(Backend::Postgres).await {
        answers_never_travel_by_email_or_push(app, sink).await;
    }
}

/// Someone who answered a text question and a choice, left an email and lets a phone show
/// whole messages: the announcement email, the change-of-time notice, the reminder and the
/// pushes of two updates reach them, and none carries an answer.
async fn answers_never_travel_by_email_or_push(app: TestApp, sink: SmtpSink) {
    const CHOSEN: &str = "Evening-choice-canary";
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Peer support circle",
                5,
                json!({"reminder_offsets_minutes": [1440],
                "questions": [
                    {"label": "Your pronouns?", "kind": "text"},
                    {"label": "Which session?", "kind": "choice",
                     "options": ["Morning", CHOSEN], "required": true}
                ]}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let address = format!("iris-{}@example.org", uuid::Uuid::new_v4().simple());
    let (status, made) = rsvp(
        &app,
        &id,
        json!({"pseudonym": "Iris", "email": address,
               "answers": {"q1": SECRET_ANSWER, "q2": CHOSEN}}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let token = made["token"].as_str().expect("token").to_string();
    let list = organizer_list(&app, &organizer, &id).await;
    assert_eq!(
        list["rsvps"][0]["answers"][1]["value"], CHOSEN,
        "the answers were taken"
    );
    let service = super::push::push_service(&app).await;
    let phone = service.phone();
    let (status, body) = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/rsvps/{token}/push"),
            None,
            &phone.subscription("full"),
        )
        .await;
    assert_eq!(status, 204, "{body}");

    // An announcement by email too, an alert for those going, then a new time: a day and four
    // seconds from now, so the notice and the day-ahead reminder go out together.
    for update in [
        json!({"kind": "announcement", "audience": "public", "text": "Bring water", "email": true}),
        json!({"kind": "alert", "audience": "attendees", "text": "Use the side door"}),
    ] {
        let (status, body) = app
            .send_json(
                Method::POST,
                &format!("/api/v1/events/{id}/updates"),
                Some(&organizer),
                &update,
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let starts =
        chrono::Utc::now() + chrono::Duration::minutes(1440) + chrono::Duration::seconds(4);
    let (status, body) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&organizer),
            &json!({"starts_at": starts.to_rfc3339(),
                    "ends_at": (starts + chrono::Duration::hours(2)).to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    sink.settled(&app.address, &app.metrics_token, 3, Duration::from_secs(60))
        .await;
    let messages = sink.messages();
    let subjects: Vec<&str> = messages
        .iter()
        .map(|m| m["subject"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(messages.len(), 3, "{subjects:?}");
    for wanted in ["A message about", "Change of time or place", "Reminder:"] {
        assert!(
            subjects.iter().any(|s| s.starts_with(wanted)),
            "{wanted} in {subjects:?}"
        );
    }
    let announcement = messages
        .iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("A message about"))
        })
        .expect("the announcement");
    assert!(
        announcement["text"]
            .as_str()
            .is_some_and(|text| text.contains("Bring water")),
        "a public announcement's words travel: {announcement}"
    );
    for message in &messages {
        assert_eq!(message["to"], address.as_str());
        let whole = message.to_string();
        for answer in [SECRET_ANSWER, CHOSEN] {
            assert!(!whole.contains(answer), "{answer} in an email: {whole}");
        }
    }
    for file in sink.files() {
        let raw = std::fs::read(&file).expect("the message file");
        for answer in [SECRET_ANSWER, CHOSEN] {
            assert!(
                !bytes_contain(&raw, answer),
                "{answer} in {}",
                file.display()
            );
        }
    }

    // The phone shows whole messages: the updates' words, never an answer.
    service.wait_for(&phone, 2, Duration::from_secs(30)).await;
    super::push::drained(&app).await;
    let payloads: Vec<String> = service
        .received_by(&phone)
        .iter()
        .map(|push| {
            push.payload
                .as_ref()
                .expect("a payload the phone can read")
                .to_string()
        })
        .collect();
    assert!(payloads.len() >= 2, "{payloads:?}");
    assert!(
        payloads.iter().any(|p| p.contains("Bring water")),
        "{payloads:?}"
    );
    assert!(
        payloads.iter().any(|p| p.contains("Use the side door")),
        "{payloads:?}"
    );
    for payload in &payloads {
        for answer in [SECRET_ANSWER, CHOSEN] {
            assert!(!payload.contains(answer), "{answer} pushed: {payload}");
        }
    }
}
