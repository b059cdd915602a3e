//! An organizer runs an event through the JSON API: create, read, edit, cancel.

use reqwest::Method;
use serde_json::json;
use umbrella_tests::{event_fields, on_both_databases, TestApp};

async fn organizer_creates_edits_and_cancels_an_event(app: TestApp) {
    let token = app.organizer_token().await;
    let created = app
        .create_event(
            &token,
            event_fields(
                "Know your rights",
                3,
                json!({"cover_title": "Tuesday meetup", "capacity": 20}),
            ),
        )
        .await;
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["status"], "scheduled");
    assert_eq!(created["reminder_offsets_minutes"], json!([1440, 120]));
    assert!(
        created["starts_at"].as_str().expect("time").ends_with('Z'),
        "the API answers in UTC"
    );
    assert_eq!(created["url"], app.url(&format!("/events/{id}")));
    assert_eq!(
        uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()).ok(),
        Some(4),
        "ids are random"
    );

    let (status, public) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(public["title"], "Know your rights");
    assert_eq!(public["location"], "Community room, 12 Main St");

    let (status, edited) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&token),
            &json!({"title": "Know your rights, part 1", "cover_title": null, "tags": ["Legal Aid"]}),
        )
        .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["title"], "Know your rights, part 1");
    assert_eq!(edited["cover_title"], serde_json::Value::Null);
    assert_eq!(edited["tags"], json!(["legal-aid"]));
    assert_eq!(edited["capacity"], 20, "fields not sent are kept");

    // An edit that fails validation names the field and changes nothing.
    let (status, refused) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&token),
            &json!({"ends_at": "2000-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(refused["field"], "ends_at");
    let (_, unchanged) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(unchanged["ends_at"], edited["ends_at"]);

    let (status, cancelled) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/cancel"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(cancelled["status"], "cancelled");
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(page.contains("This event is cancelled"), "{page}");
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Know your rights, part 1") && home.contains("Cancelled"));
}

async fn unknown_events_are_not_found(app: TestApp) {
    let token = app.organizer_token().await;
    let (status, body) = app.get_json("/api/v1/events/no-such-event", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not found");
    let (status, _) = app
        .send_json(
            Method::PATCH,
            "/api/v1/events/no-such-event",
            Some(&token),
            &json!({"title": "x"}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .send_json(
            Method::POST,
            "/api/v1/events/no-such-event/cancel",
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
}

async fn listing_pages_with_a_cursor_and_filters(app: TestApp) {
    let token = app.organizer_token().await;
    for (days, title, kind, tag) in [
        (1, "First", "workshop", "legal"),
        (2, "Second", "action", "rally"),
        (3, "Third", "training", "legal"),
    ] {
        app.create_event(
            &token,
            event_fields(title, days, json!({"kind": kind, "tags": [tag]})),
        )
        .await;
    }
    let (_, page_one) = app.get_json("/api/v1/events?limit=2", None).await;
    let titles = |page: &serde_json::Value| -> Vec<String> {
        page["events"]
            .as_array()
            .expect("events")
            .iter()
            .map(|e| e["title"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(titles(&page_one), ["First", "Second"]);
    let cursor = page_one["next_cursor"].as_str().expect("a next page");
    let (_, page_two) = app
        .get_json(&format!("/api/v1/events?limit=2&cursor={cursor}"), None)
        .await;
    assert_eq!(titles(&page_two), ["Third"]);
    assert!(page_two["next_cursor"].is_null());

    let (_, actions) = app.get_json("/api/v1/events?kind=action", None).await;
    assert_eq!(titles(&actions), ["Second"]);
    let (_, legal) = app.get_json("/api/v1/events?tag=LEGAL", None).await;
    assert_eq!(titles(&legal), ["First", "Third"]);

    for bad in [
        "limit=0",
        "limit=201",
        "limit=lots",
        // Only what the document says: digits, a kind's word exactly.
        "limit=%0D5",
        "limit=+5",
        "kind=%20action",
        "kind=party",
        "cursor=forged",
    ] {
        let (status, body) = app.get_json(&format!("/api/v1/events?{bad}"), None).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
}

on_both_databases!(
    organizer_creates_edits_and_cancels_an_event,
    unknown_events_are_not_found,
    listing_pages_with_a_cursor_and_filters,
);
