//! An organizer uses the web pages: first sign-in, the event editor, cancelling, signing out;
//! and everyone else is kept out.

use reqwest::Method;
use serde_json::json;
use umbrella_tests::{location, on_both_databases, Backend, TestApp};

fn event_form<'a>(title: &'a str, starts: &'a str, ends: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "action"),
        ("title", title),
        ("cover_title", "Saturday gathering"),
        ("description", "March to city hall."),
        ("starts_at", starts),
        ("ends_at", ends),
        ("location", "The fountain"),
        ("location_privacy", "public"),
        ("location_reveal_at", ""),
        ("capacity", "40"),
        ("tags", "rally, decrim"),
        ("accessibility", "Flat route"),
        ("language", "en"),
        ("visibility", "listed"),
        ("roles", "marshal"),
        ("roles", "medic"),
        ("reminder_hours", "24, 2"),
        ("count_display", "rounded"),
    ]
}

fn local_input(days: i64, hour: u32) -> String {
    let date = (chrono::Utc::now() + chrono::Duration::days(days)).date_naive();
    format!("{}T{hour:02}:00", date.format("%Y-%m-%d"))
}

async fn organizer_runs_an_event_from_the_web(app: TestApp) {
    let browser = app.signed_in_browser("rosa").await;
    let dashboard = app.get(&browser, "/organize").await;
    assert_eq!(dashboard.status(), 200);
    assert!(dashboard
        .text()
        .await
        .expect("body")
        .contains("Nothing scheduled"));

    let (starts, ends) = (local_input(5, 13), local_input(5, 16));
    // A form with a mistake comes back with the message tied to the field, and stores nothing.
    let wrong = event_form("Rally for rights", &ends, &starts);
    let response = app.post_form(&browser, "/organize/events", &wrong).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("body");
    assert!(
        page.contains("href=\"#ends_at\""),
        "the summary links to the field"
    );
    assert!(page.contains("the end must be after the start"));
    assert!(
        page.contains("value=\"Rally for rights\""),
        "what was typed is kept"
    );

    let response = app
        .post_form(
            &browser,
            "/organize/events",
            &event_form("Rally for rights", &starts, &ends),
        )
        .await;
    assert_eq!(response.status(), 303);
    let edit_path = location(&response);
    assert!(
        edit_path.starts_with("/organize/events/") && edit_path.ends_with("/edit?saved=1"),
        "{edit_path}"
    );
    let id = edit_path
        .trim_start_matches("/organize/events/")
        .split('/')
        .next()
        .expect("id")
        .to_string();

    let edit_page = app
        .get(&browser, &edit_path)
        .await
        .text()
        .await
        .expect("body");
    assert!(edit_page.contains("Saved."));
    assert!(
        edit_page.contains(&format!("value=\"{starts}\"")),
        "times come back in the group's zone"
    );
    let (_, public) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(public["roles"], json!(["marshal", "medic"]));
    assert_eq!(public["reminder_offsets_minutes"], json!([1440, 120]));
    assert_eq!(public["count_display"], "rounded");

    let response = app
        .post_form(
            &browser,
            &format!("/organize/events/{id}"),
            &event_form("Rally for decriminalization", &starts, &ends),
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, page) = app.get_text(&format!("/events/{id}")).await;
    assert!(page.contains("Rally for decriminalization"));

    // Cancelling needs the confirmation box.
    let response = app
        .post_form(&browser, &format!("/organize/events/{id}/cancel"), &[])
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .post_form(
            &browser,
            &format!("/organize/events/{id}/cancel"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, public) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(public["status"], "cancelled");

    let response = app.post_form(&browser, "/organize/logout", &[]).await;
    assert_eq!(response.status(), 303);
    let response = app.get(&browser, "/organize").await;
    assert_eq!(location(&response), "/organize/login", "signed out");
}

async fn a_wrong_password_is_refused(app: TestApp) {
    app.create_organizer("marisol").await;
    let browser = app.browser();
    let response = app
        .post_form(
            &browser,
            "/organize/login",
            &[("handle", "marisol"), ("password", "not the password")],
        )
        .await;
    assert_eq!(response.status(), 401);
    assert!(response
        .text()
        .await
        .expect("body")
        .contains("do not match"));
    let response = app
        .post_form(
            &browser,
            "/organize/login",
            &[("handle", "nobody"), ("password", "x")],
        )
        .await;
    assert_eq!(
        response.status(),
        401,
        "unknown handles get the same answer"
    );
    assert_eq!(
        location(&app.get(&browser, "/organize").await),
        "/organize/login"
    );
}

async fn a_one_time_password_must_be_replaced(app: TestApp) {
    let one_time = app.create_organizer("ines").await;
    let browser = app.browser();
    app.post_form(
        &browser,
        "/organize/login",
        &[("handle", "ines"), ("password", &one_time)],
    )
    .await;
    let response = app.get(&browser, "/organize").await;
    assert_eq!(
        location(&response),
        "/organize/password",
        "no dashboard before a new password"
    );
    let response = app
        .post_form(
            &browser,
            "/organize/password",
            &[("password", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(response.status(), 422);
    let response = app
        .post_form(
            &browser,
            "/organize/password",
            &[
                ("password", "a long passphrase"),
                ("confirm", "another long one"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    // The one-time password is the current password here, and it is asked for.
    let response = app
        .post_form(
            &browser,
            "/organize/password",
            &[
                ("password", "a long passphrase"),
                ("confirm", "a long passphrase"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422, "no current password");
    let page = response.text().await.expect("body");
    assert!(
        page.contains("href=\"#current\""),
        "the summary names the field"
    );
    let response = app
        .post_form(
            &browser,
            "/organize/password",
            &[
                ("current", &one_time),
                ("password", "a long passphrase"),
                ("confirm", "a long passphrase"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(app.get(&browser, "/organize").await.status(), 200);
    // The one-time password no longer works.
    let other = app.browser();
    let response = app
        .post_form(
            &other,
            "/organize/login",
            &[("handle", "ines"), ("password", &one_time)],
        )
        .await;
    assert_eq!(response.status(), 401);
}

async fn anonymous_callers_are_refused_everywhere(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            umbrella_tests::event_fields("Workshop", 2, json!({})),
        )
        .await;
    let id = event["id"].as_str().expect("id");
    for (method, path) in [
        (Method::POST, "/api/v1/events".to_string()),
        (Method::PATCH, format!("/api/v1/events/{id}")),
        (Method::POST, format!("/api/v1/events/{id}/cancel")),
    ] {
        for bearer in [None, Some("umb_not-a-real-token")] {
            let (status, body) = app
                .send_json(
                    method.clone(),
                    &path,
                    bearer,
                    &json!({"title": "taken over"}),
                )
                .await;
            assert_eq!(status, 401, "{method} {path}: {body}");
            assert!(body["error"].is_string());
        }
    }
    let browser = app.browser();
    for path in [
        "/organize",
        "/organize/past",
        "/organize/events/new",
        &format!("/organize/events/{id}"),
        &format!("/organize/events/{id}/edit"),
        &format!("/organize/events/{id}/copy"),
        "/organize/password",
    ] {
        let response = app.get(&browser, path).await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(location(&response), "/organize/login", "{path}");
    }
    for path in [
        "/organize/events".to_string(),
        format!("/organize/events/{id}"),
        format!("/organize/events/{id}/cancel"),
    ] {
        let response = app
            .post_form(
                &browser,
                &path,
                &[("title", "taken over"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(location(&response), "/organize/login");
    }
    let (_, unchanged) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(unchanged["title"], "Workshop");
    assert_eq!(unchanged["status"], "scheduled");
    assert_eq!(app.all_event_ids(&token).await.len(), 1);
}

async fn cross_site_form_posts_are_refused(app: TestApp) {
    let browser = app.signed_in_browser("lupe").await;
    let (starts, ends) = (local_input(3, 18), local_input(3, 20));
    for site in ["cross-site", "same-site"] {
        let response = browser
            .post(app.url("/organize/events"))
            .header("Sec-Fetch-Site", site)
            .form(&event_form("Forged", &starts, &ends))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 403, "{site}");
    }
    let response = browser
        .post(app.url("/organize/events"))
        .header("Origin", "https://hostile.example")
        .form(&event_form("Forged", &starts, &ends))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        response.status(),
        403,
        "a foreign Origin without Sec-Fetch-Site"
    );
    let dashboard = app
        .get(&browser, "/organize")
        .await
        .text()
        .await
        .expect("body");
    assert!(!dashboard.contains("Forged"), "nothing was created");
    // The site's own form post, which browsers send with `Origin: null` under no-referrer, works.
    let response = browser
        .post(app.url("/organize/events"))
        .header("Origin", "null")
        .form(&event_form("Our own", &starts, &ends))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 303);
}

on_both_databases!(
    organizer_runs_an_event_from_the_web,
    a_wrong_password_is_refused,
    a_one_time_password_must_be_replaced,
    anonymous_callers_are_refused_everywhere,
    cross_site_form_posts_are_refused,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_attempts_are_throttled() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, &["--rate-limit-per-minute", "3"]).await
    else {
        return;
    };
    app.create_organizer("amara").await;
    let browser = app.browser();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let response = app
            .post_form(
                &browser,
                "/organize/login",
                &[("handle", "amara"), ("password", "guess")],
            )
            .await;
        statuses.push(response.status().as_u16());
        if response.status() == 429 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .expect("ascii")
                .parse()
                .expect("seconds");
            assert!((1..=60).contains(&wait));
        }
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
}
