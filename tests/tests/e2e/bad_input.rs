//! Bad input gets a clear 4xx naming what is wrong, and changes nothing.

use reqwest::Method;
use serde_json::{json, Value};
use umbrella_tests::{event_fields, on_both_databases, TestApp};

async fn raw_post(app: &TestApp, token: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .client()
        .post(app.url("/api/v1/events"))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn bad_event_input_is_refused_and_stores_nothing(app: TestApp) {
    let token = app.organizer_token().await;
    let json_type = "application/json";
    for body in ["{", "not json", "[1, 2", "{\"title\": \"x\"} trailing", ""] {
        let (status, answer) = raw_post(&app, &token, json_type, body.as_bytes().to_vec()).await;
        assert_eq!(status, 400, "{body:?}: {answer}");
        assert!(
            answer["error"]
                .as_str()
                .is_some_and(|e| e.contains("not valid JSON")),
            "{answer}"
        );
    }

    let invalid: Vec<(Value, &str)> = vec![
        (
            json!({"kind": "workshop", "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z"}),
            "title",
        ),
        (
            json!({"title": "x", "starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T12:00:00Z"}),
            "kind",
        ),
        (event_fields("x", 2, json!({"kind": "party"})), "kind"),
        (event_fields("x", 2, json!({"title": 42})), "title"),
        (
            event_fields("x", 2, json!({"capacity": "many"})),
            "capacity",
        ),
        (event_fields("x", 2, json!({"capacity": 0})), "capacity"),
        (event_fields("x", 2, json!({"capacity": -3})), "capacity"),
        (
            event_fields("x", 2, json!({"capacity": 99_999_999_999_i64})),
            "capacity",
        ),
        (
            event_fields("x", 2, json!({"starts_at": "next tuesday"})),
            "starts_at",
        ),
        (
            event_fields("x", 2, json!({"ends_at": "2000-01-01T00:00:00Z"})),
            "ends_at",
        ),
        (event_fields("", 2, json!({})), "title"),
        (event_fields(&"x".repeat(10_000), 2, json!({})), "title"),
        (event_fields("x", 2, json!({"tags": "legal"})), "tags"),
        (event_fields("x", 2, json!({"tags": ["a/b"]})), "tags"),
        (
            event_fields("x", 2, json!({"roles": ["general"]})),
            "roles[0]",
        ),
        (
            event_fields("x", 2, json!({"location_privacy": "secret"})),
            "location_privacy",
        ),
        (
            event_fields("x", 2, json!({"location_privacy": "reveal_at"})),
            "location_reveal_at",
        ),
        (
            event_fields("x", 2, json!({"reminder_offsets_minutes": [-5]})),
            "reminder_offsets_minutes",
        ),
        (
            event_fields("x", 2, json!({"visibility": "public"})),
            "visibility",
        ),
        (json!([1, 2, 3]), "body"),
    ];
    for (body, field) in invalid {
        let (status, answer) = app
            .send_json(Method::POST, "/api/v1/events", Some(&token), &body)
            .await;
        assert_eq!(status, 422, "{field}: {answer}");
        assert_eq!(answer["field"], field, "{answer}");
        assert!(answer["error"].as_str().is_some_and(|e| !e.is_empty()));
    }

    let (status, _) = raw_post(
        &app,
        &token,
        "text/plain",
        event_fields("x", 2, json!({})).to_string().into_bytes(),
    )
    .await;
    assert_eq!(status, 415, "JSON must say it is JSON");

    let mut oversized = event_fields("x", 2, json!({}));
    oversized["description"] = json!("a".repeat(100 * 1024));
    let (status, answer) =
        raw_post(&app, &token, json_type, oversized.to_string().into_bytes()).await;
    assert_eq!(status, 413, "{answer}");

    assert!(
        app.all_event_ids(&token).await.is_empty(),
        "nothing was stored"
    );
}

async fn bad_edits_change_nothing(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(&token, event_fields("Original", 2, json!({})))
        .await;
    let path = format!("/api/v1/events/{}", event["id"].as_str().expect("id"));
    for patch in [
        json!({"title": ""}),
        json!({"capacity": 0}),
        json!({"kind": "party"}),
        json!({"starts_at": 5}),
        json!({"title": "Changed", "ends_at": "2000-01-01T00:00:00Z"}),
    ] {
        let (status, answer) = app
            .send_json(Method::PATCH, &path, Some(&token), &patch)
            .await;
        assert_eq!(status, 422, "{patch}: {answer}");
    }
    let (_, after) = app.get_json(&path, None).await;
    assert_eq!(after, app.get_json(&path, None).await.1);
    assert_eq!(after["title"], "Original");
    assert_eq!(after["starts_at"], event["starts_at"]);
}

async fn bad_pages_and_paths_get_clear_pages(app: TestApp) {
    let (status, page) = app.get_text("/events/does-not-exist").await;
    assert_eq!(status, 404);
    assert!(page.contains("find that page"), "an HTML page for people");
    let (status, page) = app.get_text("/no/such/page").await;
    assert_eq!(status, 404);
    assert!(page.contains("<html"));
    let (status, body) = app.get_json("/api/v1/nothing-here", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not found", "the API answers JSON");
    for path in [
        "/static/../Cargo.toml",
        "/static/%2e%2e/%2e%2e/backend/Cargo.toml",
        "/static/..%2fumbrella.key",
    ] {
        let (status, body) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("[package]"));
    }
}

/// A NUL in an id, a tag or a cursor (schemathesis found the first on PostgreSQL, whose text
/// cannot hold one) gets the answer any unknown value gets, never a 500.
async fn a_nul_anywhere_finds_nothing(app: TestApp) {
    let token = app.organizer_token().await;
    app.create_event(
        &token,
        event_fields("Tagged", 3, json!({"tags": ["legal"]})),
    )
    .await;
    for path in ["/api/v1/events/%00", "/api/v1/events/a%00b/updates"] {
        let (status, body) = app.get_json(path, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let event = app
        .create_event(
            &token,
            event_fields("Gated", 3, json!({"approval_required": true})),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    for path in [
        format!("/api/v1/events/{id}/rsvps/%00/approve"),
        "/api/v1/events/%00/rsvps/x/approve".to_string(),
        "/api/v1/events/%00/rsvps".to_string(),
    ] {
        let body = if path.ends_with("/rsvps") {
            json!({"pseudonym": "Red"})
        } else {
            json!({})
        };
        let (status, answer) = app
            .send_json(Method::POST, &path, Some(&token), &body)
            .await;
        assert_eq!(status, 404, "{path}: {answer}");
    }
    for viewer in [None, Some(token.as_str())] {
        let (status, body) = app.get_json("/api/v1/events?tag=%1B%3C%00", viewer).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["events"], json!([]), "no event has that tag");
    }
    // A cursor the server never gave out: a date, then an id with a NUL.
    let (status, body) = app
        .get_json("/api/v1/events?cursor=MjAyNi0wMS0wMVQwMDowMDowMFp8AA", None)
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "cursor");
}

on_both_databases!(
    bad_event_input_is_refused_and_stores_nothing,
    bad_edits_change_nothing,
    bad_pages_and_paths_get_clear_pages,
    a_nul_anywhere_finds_nothing
);
