//! What the public sees: the home page, event pages, unlisted events, hidden locations.

use serde_json::json;
use umbrella_tests::{event_fields, on_both_databases, TestApp};

async fn the_public_sees_listed_events(app: TestApp) {
    let (status, empty) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(empty.contains("No upcoming events yet"));

    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            event_fields(
                "Harm reduction supplies",
                2,
                json!({"description": "**Free** kits.\n\n<script>alert('x')</script>\n\n![p](https://tracker.example/p.png)",
                       "accessibility": "Step-free entrance", "tags": ["health"]}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Harm reduction supplies"));
    assert!(home.contains(&format!("/events/{id}")));

    let (status, page) = app.get_text(&format!("/events/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<strong>Free</strong> kits."),
        "markdown is rendered"
    );
    assert!(!page.contains("<script>alert"), "scripts are stripped");
    assert!(
        !page.contains("tracker.example"),
        "remote images are stripped"
    );
    assert!(page.contains("Step-free entrance"));
    assert!(
        page.contains("Community room, 12 Main St"),
        "a public location is shown"
    );
    assert!(
        page.contains("CST") || page.contains("CDT"),
        "times in the group's time zone"
    );

    let (_, by_kind) = app.get_text("/?kind=action").await;
    assert!(!by_kind.contains("Harm reduction supplies"));
    let (_, by_tag) = app.get_text("/?tag=health").await;
    assert!(by_tag.contains("Harm reduction supplies"));
    let (status, _) = app.get_text("/?kind=party").await;
    assert_eq!(status, 422);
}

async fn an_unlisted_event_is_reachable_by_link_only(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            event_fields(
                "Private planning call",
                4,
                json!({"visibility": "unlisted"}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("Private planning call"));
    let (_, listing) = app.get_json("/api/v1/events", None).await;
    assert!(!listing.to_string().contains("Private planning call"));
    let (status, page) = app.get_text(&format!("/events/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Private planning call"));
    assert!(
        app.all_event_ids(&token).await.contains(&id.to_string()),
        "organizers still list it"
    );
}

async fn a_hidden_location_never_reaches_the_public(app: TestApp) {
    let token = app.organizer_token().await;
    let secret = "Back room behind the laundromat";
    let starts = chrono::Utc::now() + chrono::Duration::days(2);
    let mut ids = Vec::new();
    for privacy in ["attendees", "reveal_at", "approved"] {
        let event = app
            .create_event(
                &token,
                event_fields(
                    &format!("Hidden {privacy}"),
                    2,
                    json!({"location": secret, "location_privacy": privacy,
                           "approval_required": privacy == "approved",
                           "location_reveal_at": (starts - chrono::Duration::hours(1)).to_rfc3339()}),
                ),
            )
            .await;
        ids.push(event["id"].as_str().expect("id").to_string());
    }
    let mut outputs = vec![
        app.get_text("/").await.1,
        app.get_json("/api/v1/events", None).await.1.to_string(),
    ];
    for id in &ids {
        outputs.push(app.get_text(&format!("/events/{id}")).await.1);
        outputs.push(
            app.get_json(&format!("/api/v1/events/{id}"), None)
                .await
                .1
                .to_string(),
        );
    }
    for output in &outputs {
        assert!(!output.contains(secret), "the location leaked: {output}");
    }
    assert!(outputs[2].contains("Location shared with attendees"));
    let (_, organizer_view) = app
        .get_json(&format!("/api/v1/events/{}", ids[0]), Some(&token))
        .await;
    assert_eq!(organizer_view["location"], secret, "organizers see it");
}

async fn the_home_page_pages_through_many_events(app: TestApp) {
    let token = app.organizer_token().await;
    for n in 0..31 {
        app.create_event(
            &token,
            event_fields(&format!("Gathering number {n:02}"), 1 + n, json!({})),
        )
        .await;
    }
    let (_, first) = app.get_text("/").await;
    assert!(first.contains("Gathering number 00") && first.contains("Gathering number 29"));
    assert!(!first.contains("Gathering number 30"), "thirty a page");
    let next = first
        .split("rel=\"next\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|rest| rest.split('"').next())
        .expect("a link to later events")
        .replace("&amp;", "&");
    let (status, second) = app.get_text(&next).await;
    assert_eq!(status, 200, "{next}");
    assert!(second.contains("Gathering number 30"));
    assert!(!second.contains("Gathering number 29"));
}

/// Public pages and the public API are kept in memory between changes; every change shows at
/// once, and a client that has the current copy gets `304`.
async fn kept_pages_follow_every_change_at_once(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            event_fields("Peer support circle", 2, json!({"capacity": 5})),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    // Fill the caches.
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Peer support circle"));
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(page.contains("5 places"), "{page}");
    let (_, list) = app.get_json("/api/v1/events", None).await;
    assert_eq!(list["events"][0]["going_count"], 0);

    // An edit shows at once everywhere.
    let (status, _) = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/v1/events/{id}"),
            Some(&token),
            &json!({"title": "Peer support evening"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, home) = app.get_text("/").await;
    assert!(home.contains("Peer support evening") && !home.contains("Peer support circle"));
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(page.contains("Peer support evening"));
    let (_, list) = app.get_json("/api/v1/events", None).await;
    assert_eq!(list["events"][0]["title"], "Peer support evening");

    // An RSVP moves the count and the places left at once.
    let (status, _) = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/events/{id}/rsvps"),
            None,
            &json!({"pseudonym": "Jo", "guests": 1}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, list) = app.get_json("/api/v1/events", None).await;
    assert_eq!(list["events"][0]["going_count"], 2);
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(page.contains("2 people going"), "{page}");

    // Conditional requests: the same bytes answer 304.
    let client = app.client();
    let first = app.get(&client, "/").await;
    let etag = first
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_string();
    let again = client
        .get(app.url("/"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);
    // An unknown event is still 404, and is not kept.
    let (status, _) = app
        .get_text("/events/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(status, 404);
}

on_both_databases!(
    kept_pages_follow_every_change_at_once,
    the_home_page_pages_through_many_events,
    the_public_sees_listed_events,
    an_unlisted_event_is_reachable_by_link_only,
    a_hidden_location_never_reaches_the_public,
);
