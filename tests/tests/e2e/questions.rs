//! RSVP questions: an organizer asks up to five (text, choice, yes/no; required or not). The
//! answers are sealed, shown to organizers only (their RSVP list, API and page), never to the
//! public, the attendee's own outputs or the door; bad answers are refused naming the field,
//! and editing the questions later keeps the old answers readable.

use reqwest::Method;
use serde_json::{json, Value};
use umbrella_tests::{bytes_contain, event_fields, location, on_both_databases, TestApp};

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
