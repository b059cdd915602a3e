//! Rate limits that fall on the right person: behind the shipped reverse proxies each visitor
//! has a bucket of their own (`--trusted-proxy`), nobody else can pick their bucket by sending
//! `X-Forwarded-For`, and a guessing throttle never refuses a link or id that exists.

use serde_json::{json, Value};
use umbrella_tests::{event_fields, on_both_databases, TestApp};

/// RSVP through the API as the proxy would pass it on, for the client `forwarded_for`.
async fn rsvp_from(app: &TestApp, event_id: &str, forwarded_for: &str) -> u16 {
    app.client()
        .post(app.url(&format!("/api/v1/events/{event_id}/rsvps")))
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({"pseudonym": "Wren"}))
        .send()
        .await
        .expect("request sent")
        .status()
        .as_u16()
}

async fn an_event(app: &TestApp) -> String {
    let token = app.organizer_token().await;
    let event: Value = app
        .create_event(&token, event_fields("Know your rights", 3, json!({})))
        .await;
    event["id"].as_str().expect("id").to_string()
}

/// The test clients connect from 127.x.y.z, standing in for nginx or Caddy on the same host.
async fn behind_a_trusted_proxy_each_client_has_its_own_bucket(app: TestApp) {
    let event = an_event(&app).await;
    // Two RSVPs a minute per client here.
    assert_eq!(rsvp_from(&app, &event, "198.51.100.1").await, 201);
    assert_eq!(rsvp_from(&app, &event, "198.51.100.1").await, 201);
    assert_eq!(rsvp_from(&app, &event, "198.51.100.1").await, 429);
    // Another visitor through the same proxy is not held up by the first.
    assert_eq!(rsvp_from(&app, &event, "198.51.100.2").await, 201);
    // The right-most address that is not a proxy counts: what the client wrote to the left of
    // it cannot move it to a fresh bucket.
    assert_eq!(
        rsvp_from(&app, &event, "203.0.113.50, 198.51.100.1").await,
        429
    );
    assert_eq!(
        rsvp_from(&app, &event, "198.51.100.2, 127.0.0.9").await,
        201,
        "proxies in the list are skipped"
    );
    assert_eq!(rsvp_from(&app, &event, "198.51.100.2").await, 429);
}

/// Here the test clients are not proxies: whatever they put in the header, they share the
/// bucket of their own address.
async fn an_untrusted_peer_cannot_choose_its_bucket(app: TestApp) {
    let event = an_event(&app).await;
    assert_eq!(rsvp_from(&app, &event, "198.51.100.1").await, 201);
    assert_eq!(rsvp_from(&app, &event, "198.51.100.2").await, 201);
    assert_eq!(
        rsvp_from(&app, &event, "198.51.100.3").await,
        429,
        "the header is ignored"
    );
}

/// Someone who used up their guessing allowance, or shares an address with someone who did
/// (behind Tor, every visitor does), still reaches their own manage link and events.
async fn a_blocked_guesser_still_reaches_what_exists(app: TestApp) {
    let event = an_event(&app).await;
    let token = app.rsvp_api(&event, json!({"pseudonym": "Sol"})).await;
    let client = app.client();
    for n in 0..6 {
        let guess = format!("/r/guessed-token-{n:040}");
        assert_eq!(app.get(&client, &guess).await.status(), 404, "{guess}");
    }
    assert_eq!(
        app.get(&client, "/r/guessed-token-again").await.status(),
        429,
        "the guesser is blocked"
    );
    // What exists is served all the same, page and API.
    let response = app.get(&client, &format!("/r/{token}")).await;
    assert_eq!(response.status(), 200, "the real manage page");
    assert!(response.text().await.expect("body").contains("Sol"));
    let response = app.get(&client, &format!("/api/v1/rsvps/{token}")).await;
    assert_eq!(response.status(), 200);
    let response = app.get(&client, &format!("/events/{event}")).await;
    assert_eq!(response.status(), 200);
    let response = app.get(&client, &format!("/api/v1/events/{event}")).await;
    assert_eq!(response.status(), 200);
    // And misses are still refused.
    let response = app.get(&client, "/r/guessed-token-once-more").await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    let response = app.get(&client, "/api/v1/events/guessed-event-id").await;
    assert_eq!(response.status(), 429);
}

on_both_databases!(with ["--rate-limit-per-minute", "2", "--trusted-proxy", "127.0.0.0/8"] =>
    behind_a_trusted_proxy_each_client_has_its_own_bucket);
on_both_databases!(with ["--rate-limit-per-minute", "2", "--trusted-proxy", "10.0.0.1, ::1"] =>
    an_untrusted_peer_cannot_choose_its_bucket);
on_both_databases!(with ["--rate-limit-per-minute", "5"] => a_blocked_guesser_still_reaches_what_exists);
