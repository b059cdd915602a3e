//! Attacks tried against the real server: markup stored through every text field is shown as
//! text on every page and never runs; SQL metacharacters are just text; guessing manage links
//! or event ids is slowed down and learns nothing. (Cross-site posts, path traversal and login
//! brute force have their stories in `organizer_web`, `bad_input` and `organizer_security`;
//! markup in emails in `mail::compose`'s unit tests.)

use serde_json::json;
use umbrella_tests::{event_fields, on_both_databases, TestApp};

on_both_databases!(
    stored_markup_stays_inert_on_every_page,
    sql_metacharacters_are_just_text,
);
on_both_databases!(with ["--rate-limit-per-minute", "5"] => guessing_manage_links_is_slowed_down);

/// Markup that would run if it reached a page unescaped.
const PAYLOAD: &str =
    r#"<script>alert(1)</script><img src=x onerror=alert(2)>"'><svg onload=alert(3)>"#;
/// What must never appear in a page's HTML.
const LIVE_MARKUP: [&str; 3] = ["<script>alert", "<img src=x", "<svg onload"];

async fn stored_markup_stays_inert_on_every_page(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            event_fields(
                PAYLOAD,
                2,
                json!({
                    "kind": "action",
                    "description": format!("Intro\n\n{PAYLOAD}\n\n[click](javascript:alert(4))"),
                    "accessibility": PAYLOAD,
                    "location": PAYLOAD,
                    "roles": ["medic"],
                }),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let manage = app
        .rsvp_api(
            &id,
            json!({"pseudonym": "<img src=x onerror=alert(5)>", "needs": PAYLOAD, "role": "medic"}),
        )
        .await;
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/events/{id}/updates")))
        .bearer_auth(&token)
        .json(&json!({"kind": "location", "text": PAYLOAD, "audience": "public", "location": PAYLOAD}))
        .send()
        .await
        .expect("update posted");
    assert_eq!(response.status(), 201);

    let organizer = app.signed_in_browser("mallory-watcher").await;
    let plain = app.client();
    let pages = [
        ("/".to_string(), &plain),
        (format!("/events/{id}"), &plain),
        (format!("/events/{id}/live"), &plain),
        (format!("/r/{manage}"), &plain),
        (format!("/r/{manage}/live"), &plain),
        ("/organize".to_string(), &organizer),
        (format!("/organize/events/{id}"), &organizer),
        (format!("/organize/events/{id}/edit"), &organizer),
        (format!("/organize/events/{id}/copy"), &organizer),
        (format!("/organize/events/{id}/rsvps"), &organizer),
        (format!("/organize/events/{id}/live"), &organizer),
    ];
    for (path, client) in pages {
        let response = app.get(client, &path).await;
        assert_eq!(response.status(), 200, "{path}");
        let html = response.text().await.expect("body");
        for markup in LIVE_MARKUP {
            assert!(
                !html.contains(markup),
                "{path} carries live markup {markup}"
            );
        }
        // (The editor shows the markdown as typed, escaped, in its text box: that is fine.)
        assert!(
            !html.to_ascii_lowercase().contains("href=\"javascript:"),
            "{path} carries a script link"
        );
        assert!(
            [
                "&lt;script&gt;",
                "&#60;script&#62;",
                "&lt;img src=x",
                "&#60;img src=x"
            ]
            .iter()
            .any(|escaped| html.contains(escaped)),
            "{path} shows the text, escaped"
        );
    }

    // Feeds and the API are not HTML: they say so, so no browser renders them as a page.
    for (path, kind) in [
        ("/calendar.ics".to_string(), "text/calendar"),
        (format!("/events/{id}/event.ics"), "text/calendar"),
        (format!("/r/{manage}/calendar.ics"), "text/calendar"),
        (format!("/api/v1/events/{id}"), "application/json"),
        (format!("/api/v1/events/{id}/updates"), "application/json"),
    ] {
        let response = app.get(&plain, &path).await;
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
        assert_eq!(
            response
                .headers()
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{path}"
        );
    }
    // The API gives back exactly what was stored, as data.
    let (_, json) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(json["title"], PAYLOAD);
}

async fn sql_metacharacters_are_just_text(app: TestApp) {
    let token = app.organizer_token().await;
    let title = "Robert'); DROP TABLE events;--";
    let description = "' OR '1'='1 \\ %_ \" ; DELETE FROM rsvps; --";
    let event = app
        .create_event(
            &token,
            event_fields(
                title,
                2,
                json!({"description": description, "accessibility": "1' OR 1=1 --",
                       "location": "x\"; DROP TABLE rsvps; --"}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    app.create_event(&token, event_fields("Another event", 3, json!({})))
        .await;
    let pseudonym = "x' OR 1=1 --";
    let manage = app
        .rsvp_api(
            &id,
            json!({"pseudonym": pseudonym, "needs": "'; UPDATE rsvps SET status='going'; --"}),
        )
        .await;

    // Everything comes back exactly as typed, and both events are still there.
    let (_, stored) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(stored["title"], title);
    assert_eq!(stored["description"], description);
    let (_, mine) = app.get_json(&format!("/api/v1/rsvps/{manage}"), None).await;
    assert_eq!(mine["pseudonym"], pseudonym);
    assert_eq!(
        app.all_event_ids(&token).await.len(),
        2,
        "no table was touched"
    );

    // Filters and ids with SQL wildcards and quotes match nothing they should not.
    let (status, listed) = app.get_json("/api/v1/events?tag=%25", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["events"], json!([]), "% is not a wildcard");
    let (status, _) = app.get_json("/api/v1/events/'%20OR%20'1'='1", None).await;
    assert_eq!(status, 404);
    let (status, _) = app.get_json("/api/v1/rsvps/'%20OR%201=1--", None).await;
    assert_eq!(status, 404);
    let (status, page) = app.get_text("/?tag=%27%20OR%201%3D1").await;
    assert!(status == 200 || status == 422, "{status}");
    assert!(
        !page.contains("DROP TABLE events"),
        "a quote in a filter matches nothing"
    );
}

async fn guessing_manage_links_is_slowed_down(app: TestApp) {
    let client = app.client();
    // Wrong guesses up to the allowance (five here), and the one that goes over it, are plain
    // "not found", and say nothing more.
    for n in 0..6 {
        let guess = format!("/r/guessed-token-{n:040}");
        let response = app.get(&client, &guess).await;
        assert_eq!(response.status(), 404, "{guess}");
    }
    // Then the guesser waits, on pages and the API alike.
    let response = app.get(&client, "/r/guessed-token-again").await;
    assert_eq!(response.status(), 429);
    let wait: u64 = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    let response = app.get(&client, "/api/v1/rsvps/another-guess").await;
    assert_eq!(response.status(), 429);
    let response = app.get(&client, "/api/v1/events/guessed-event-id").await;
    assert_eq!(response.status(), 429);
    // Pages that carry no secret are not held up.
    let response = app.get(&client, "/").await;
    assert_eq!(response.status(), 200);
}
