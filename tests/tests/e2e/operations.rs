//! What operators rely on: health, metrics, and the headers every response carries.

use serde_json::json;
use umbrella_tests::{event_fields, on_both_databases, TestApp};

async fn health_and_metrics_report_the_service(app: TestApp) {
    let (status, health) = app.get_json("/healthz", None).await;
    assert_eq!(status, 200);
    assert_eq!(health["database"], "ok");
    let token = app.organizer_token().await;
    let event = app
        .create_event(&token, event_fields("Counted", 2, json!({})))
        .await;
    app.get_text(&format!("/events/{}", event["id"].as_str().expect("id")))
        .await;
    let (status, metrics) = app.metrics().await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains(
            r#"umbrella_http_requests_total{method="GET",route="/events/{id}",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains("umbrella_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("umbrella_db_pool_connections"));
    assert!(metrics.contains("umbrella_live_connections 0"), "{metrics}");
    assert!(metrics.contains("umbrella_outbox_pending"));
    // The purge runs once at start, then every so often; each run is counted.
    let mut purged = false;
    for _ in 0..50 {
        let (_, metrics) = app.metrics().await;
        if metrics.contains(r#"umbrella_purge_runs_total{outcome="ok"}"#) {
            purged = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(purged, "the purge run is counted");
    assert!(
        !metrics.contains(event["id"].as_str().expect("id")),
        "routes, not paths with ids"
    );
}

async fn every_response_carries_the_privacy_headers(app: TestApp) {
    let client = app.client();
    for path in [
        "/",
        "/organize/login",
        "/events/missing",
        "/api/v1/events",
        "/static/umbrella.css",
        "/healthz",
    ] {
        let response = app.get(&client, path).await;
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(
            headers.get("referrer-policy").map(|v| v.as_bytes()),
            Some(&b"no-referrer"[..]),
            "{path}"
        );
        assert_eq!(
            headers.get("x-content-type-options").map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert!(headers.get("permissions-policy").is_some(), "{path}");
    }
    let (_, home) = app.get_text("/").await;
    assert!(
        home.contains("data-quick-exit") && home.contains("/static/quick-exit.js"),
        "a quick exit on every page"
    );
    let own_host = app.address.trim_start_matches("http://").to_string();
    for attribute in ["src=\"", "href=\""] {
        for value in home
            .split(attribute)
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
        {
            // The quick exit is a link away, not a request the page makes.
            let quick_exit = value == "https://www.bbc.com/weather";
            let same_origin = quick_exit
                || value.starts_with('/') && !value.starts_with("//")
                || value.starts_with('#')
                || value.starts_with(&format!("http://{own_host}/"))
                || value.starts_with(&format!("webcal://{own_host}/"));
            assert!(same_origin, "a link to another origin: {value}");
        }
    }
    let css = app.get(&client, "/static/umbrella.css").await;
    assert!(css.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/css"));
    let etag = css.headers()["etag"].clone();
    let again = client
        .get(app.url("/static/umbrella.css"))
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);
}

/// `GET /metrics` with `authorization` (a whole header value), or none.
async fn metrics_status(app: &TestApp, authorization: Option<&str>) -> u16 {
    let mut request = app.client().get(app.url("/metrics"));
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    request.send().await.expect("sent").status().as_u16()
}

/// Activity levels show when an action is on: only Prometheus (the metrics token) and
/// organizers (an API token) read them.
async fn metrics_need_a_bearer_token(app: TestApp) {
    assert_eq!(metrics_status(&app, None).await, 401, "no token");
    let wrong = format!("Bearer {}x", app.metrics_token);
    assert_eq!(metrics_status(&app, Some(&wrong)).await, 401, "wrong token");
    let basic = format!("Basic {}", app.metrics_token);
    assert_eq!(metrics_status(&app, Some(&basic)).await, 401, "not bearer");
    let right = format!("Bearer {}", app.metrics_token);
    assert_eq!(
        metrics_status(&app, Some(&right)).await,
        200,
        "metrics token"
    );
    app.create_organizer("ops").await;
    let token = app.token_for("ops").await;
    let organizer = format!("Bearer {token}");
    assert_eq!(
        metrics_status(&app, Some(&organizer)).await,
        200,
        "API token"
    );
    // A session cookie is not a scraper's credential.
    let browser = app.signed_in_browser("webonly").await;
    let response = app.get(&browser, "/metrics").await;
    assert_eq!(response.status(), 401, "a session alone");
    // A disabled organizer's token stops at once.
    app.cli(&["organizer", "disable", "ops"])
        .await
        .expect("disabled");
    assert_eq!(
        metrics_status(&app, Some(&organizer)).await,
        401,
        "disabled"
    );
    // The token never reaches the logs.
    let logs = umbrella_tests::logs::captured();
    assert!(
        !logs.contains(&app.metrics_token),
        "the metrics token is not logged"
    );
}

/// A made-up method is counted, under `other`: clients cannot mint labels.
async fn unknown_methods_count_as_other(app: TestApp) {
    let made_up = reqwest::Method::from_bytes(b"FOO").expect("a method");
    let response = app
        .client()
        .request(made_up, app.url("/"))
        .send()
        .await
        .expect("sent");
    assert!(response.status().is_client_error(), "{}", response.status());
    let (status, metrics) = app.metrics().await;
    assert_eq!(status, 200);
    assert!(!metrics.contains("FOO"), "{metrics}");
    assert!(
        metrics.contains("umbrella_http_requests_total{method=\"other\""),
        "{metrics}"
    );
}

on_both_databases!(
    health_and_metrics_report_the_service,
    every_response_carries_the_privacy_headers,
    metrics_need_a_bearer_token,
    unknown_methods_count_as_other,
);
