//! Safety rules 3, 4 and 8 as far as the foundation reaches: secrets are stored only hashed,
//! and the server log never records who a visitor is.

use serde_json::json;
use umbrella_tests::{
    event_fields, location, logs, on_both_databases, Backend, TestApp, MAIL_FILES,
};

fn raw_database(app: &TestApp) -> Vec<u8> {
    app.raw_database()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    umbrella_tests::bytes_contain(haystack, needle)
}

async fn secrets_are_stored_only_as_hashes(app: TestApp) {
    let token = app.organizer_token().await;
    app.create_event(&token, event_fields("Stored", 2, json!({})))
        .await;
    let one_time = app.create_organizer("keeper").await;
    let browser = app.browser();
    let response = app
        .post_form(
            &browser,
            "/organize/login",
            &[("handle", "keeper"), ("password", &one_time)],
        )
        .await;
    let session = response
        .cookies()
        .find(|c| c.name() == "umbrella_session")
        .map(|c| c.value().to_string())
        .expect("a session cookie");
    assert_eq!(location(&response), "/organize/password");
    let raw = raw_database(&app);
    assert!(
        contains(&raw, "keeper"),
        "the search works: the handle is there"
    );
    for secret in [
        &token,
        &token["umb_".len()..].to_string(),
        &session,
        &one_time,
    ] {
        assert!(!contains(&raw, secret), "a secret is stored in the clear");
    }
}

async fn the_session_cookie_is_locked_down(app: TestApp) {
    let one_time = app.create_organizer("cookie").await;
    let response = app
        .post_form(
            &app.browser(),
            "/organize/login",
            &[("handle", "cookie"), ("password", &one_time)],
        )
        .await;
    let header = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(header.contains("HttpOnly"), "{header}");
    assert!(header.contains("SameSite=Strict"), "{header}");
    assert!(!header.contains("Secure"), "plain http in tests: {header}");
    let page = app.get(&app.browser(), "/organize/login").await;
    assert!(page
        .headers()
        .get("cache-control")
        .is_some_and(|v| v == "no-store"));
}

on_both_databases!(
    secrets_are_stored_only_as_hashes,
    the_session_cookie_is_locked_down
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_never_records_who_visits() {
    let Some(app) = TestApp::spawn_with(Backend::Sqlite, &MAIL_FILES).await else {
        return;
    };
    let user_agent = format!("CanaryBrowser/{}", uuid::Uuid::new_v4().simple());
    let referrer = format!(
        "https://referrer-{}.example/",
        uuid::Uuid::new_v4().simple()
    );
    let token = app.organizer_token().await;
    let event = app
        .create_event(&token, event_fields("Logged", 2, json!({})))
        .await;
    let browser = app.signed_in_browser("watcher").await;
    let client = app.client();
    let secret_path = format!("/events/path-canary-{}", uuid::Uuid::new_v4().simple());
    for path in [
        "/",
        &format!("/events/{}", event["id"].as_str().expect("id")),
        "/api/v1/events",
        &secret_path,
    ] {
        let response = client
            .get(app.url(path))
            .header("User-Agent", &user_agent)
            .header("Referer", &referrer)
            .header("X-Forwarded-For", "198.51.100.23")
            .send()
            .await
            .expect("sent");
        assert!(response.status().as_u16() < 500);
    }
    app.get(&browser, "/organize").await;
    let (_, rsvp) = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/events/{}/rsvps", event["id"].as_str().expect("id")),
            None,
            &json!({"pseudonym": "Logged person", "email": "logged@example.org"}),
        )
        .await;
    let manage_token = rsvp["token"].as_str().expect("token").to_string();
    app.get(&client, &format!("/r/{manage_token}")).await;
    app.get(&client, &format!("/api/v1/rsvps/{manage_token}"))
        .await;
    let log = logs::captured();
    assert!(
        log.contains(r#"route="/events/{id}""#),
        "the log is captured: {log}"
    );
    let client_ip = app.client_ip.to_string();
    for canary in [
        client_ip.as_str(),
        &user_agent,
        &referrer,
        "198.51.100.23",
        &token,
    ] {
        assert!(!log.contains(canary), "the log holds {canary}");
    }
    assert!(
        !log.contains(&secret_path),
        "paths (which will carry manage tokens) are not logged, routes are"
    );
    // The whole run's log: nothing logged while serving any request holds a loopback address
    // (several tests' clients connect from 127.0.0.1 itself).
    for line in log.lines().filter(|line| line.contains("request{")) {
        assert!(
            !line.contains("127.0.0.1"),
            "a request's log line holds a client address: {line}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_behind_https() {
    let Some(app) = TestApp::spawn_with(
        Backend::Sqlite,
        &["--public-url", "https://events.example.org/"],
    )
    .await
    else {
        return;
    };
    let one_time = app.create_organizer("tls").await;
    let response = app
        .post_form(
            &app.browser(),
            "/organize/login",
            &[("handle", "tls"), ("password", &one_time)],
        )
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(cookie.contains("Secure"), "{cookie}");
    let switched = app.get(&app.client(), "/?lang=es").await;
    let lang = switched.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        lang.starts_with("lang=es") && lang.contains("Secure"),
        "{lang}"
    );
    let home = app.get(&app.client(), "/").await;
    assert!(
        home.headers().get("strict-transport-security").is_some(),
        "HSTS over https"
    );
}

/// The language of every RSVP row, read straight from the database.
fn rsvp_languages(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use umbrella::db::schema::rsvps;
    rsvps::table
        .select(rsvps::language)
        .load(&mut app.database())
        .expect("rsvps read")
}

/// Every sealed answer set the database holds.
fn sealed_answers(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use umbrella::db::schema::rsvps;
    rsvps::table
        .filter(rsvps::answers_sealed.is_not_null())
        .select(rsvps::answers_sealed)
        .load::<Option<String>>(&mut app.database())
        .expect("rsvps read")
        .into_iter()
        .flatten()
        .collect()
}

/// The seized-server test: a copy of the database links no pseudonym to an email, holds no
/// manage token, and after "delete me" and after purge no longer holds the pseudonym either.
async fn a_seized_database_gives_nobody_away(app: TestApp) {
    let organizer = app.organizer_token().await;
    let canary = uuid::Uuid::new_v4().simple().to_string();
    let (email, kept_name, deleted_name, deleted_email) = (
        format!("canary-{canary}@example.org"),
        format!("Kept-{canary}"),
        format!("Deleted-{canary}"),
        format!("gone-{canary}@example.org"),
    );
    let now = chrono::Utc::now();
    // Both ask a question; the later one is invitation-only, and its code is a secret too.
    let question = json!([{"label": "Anything we should know?", "kind": "text"}]);
    let ending_soon = app
        .create_event(
            &organizer,
            json!({"title": "Ending soon", "kind": "workshop", "starts_at": (now - chrono::Duration::hours(1)).to_rfc3339(),
                   "ends_at": (now + chrono::Duration::seconds(3)).to_rfc3339(), "location": "Hall",
                   "questions": question}),
        )
        .await;
    let upcoming = app
        .create_event(
            &organizer,
            event_fields(
                "Later",
                3,
                json!({"access": "invite", "questions": question}),
            ),
        )
        .await;
    let (status, invite) = app
        .send_json(
            reqwest::Method::POST,
            &format!(
                "/api/v1/events/{}/invites",
                upcoming["id"].as_str().expect("id")
            ),
            Some(&organizer),
            &json!({"uses": 5}),
        )
        .await;
    assert_eq!(status, 201, "{invite}");
    let code = invite["code"].as_str().expect("code").to_string();
    let server = &app;
    let rsvp = |event: &serde_json::Value, name: &str, email: &str| {
        let path = format!("/api/v1/events/{}/rsvps", event["id"].as_str().expect("id"));
        let body = json!({"pseudonym": name, "email": email, "needs": format!("needs-{name}"),
                          "invite_code": code, "answers": {"q1": format!("answer-{name}")}});
        async move {
            // In Spanish: the language someone chose is personal too, and the purge resets it.
            let response = server
                .client()
                .post(server.url(&path))
                .header("Accept-Language", "es")
                .json(&body)
                .send()
                .await
                .expect("sent");
            let status = response.status().as_u16();
            (
                status,
                response.json::<serde_json::Value>().await.expect("JSON"),
            )
        }
    };
    let (status, kept) = rsvp(&ending_soon, &kept_name, &email).await;
    assert_eq!(status, 201, "{kept}");
    let (_, deleted) = rsvp(&upcoming, &deleted_name, &deleted_email).await;
    let kept_token = kept["token"].as_str().expect("token").to_string();
    let deleted_token = deleted["token"].as_str().expect("token").to_string();
    // A call for help says something about who asked: it goes with them (delete, purge).
    for (token, words) in [
        (&kept_token, format!("help-{canary}")),
        (&deleted_token, format!("helpdel-{canary}")),
    ] {
        let (status, body) = app
            .send_json(
                reqwest::Method::POST,
                &format!("/api/v1/rsvps/{token}/help"),
                None,
                &json!({"text": words}),
            )
            .await;
        assert_eq!(status, 202, "{body}");
    }
    assert!(
        contains(&raw_database(&app), &format!("helpdel-{canary}")),
        "the search works: the help request is there before delete"
    );

    // Each has a phone subscribed to alerts: its endpoint and keys are sealed too.
    let push_service = umbrella_tests::push_service::PushService::start().await;
    let mut phone_secrets = Vec::new();
    for token in [&kept_token, &deleted_token] {
        let phone = push_service.phone();
        let (status, answer) = app
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/rsvps/{token}/push"),
                None,
                &phone.subscription("full"),
            )
            .await;
        assert_eq!(status, 204, "{answer}");
        let path = phone
            .endpoint
            .rsplit('/')
            .next()
            .expect("a path")
            .to_string();
        phone_secrets.extend([phone.endpoint.clone(), path, phone.p256dh(), phone.auth()]);
    }

    let raw = raw_database(&app);
    assert!(
        contains(&raw, &kept_name),
        "the search works: the pseudonym is there before purge"
    );
    let (kept_answer, deleted_answer) = (
        format!("answer-{kept_name}"),
        format!("answer-{deleted_name}"),
    );
    let invite_code = code.replace('-', "");
    for secret in [
        &email,
        &deleted_email,
        &kept_token,
        &deleted_token,
        &kept_answer,
        &deleted_answer,
        &code,
        &invite_code,
    ]
    .into_iter()
    .chain(&phone_secrets)
    {
        assert!(!contains(&raw, secret), "the database holds {secret}");
    }
    // The answers are there, sealed: what the search must not find once they are gone.
    let sealed = sealed_answers(&app);
    assert_eq!(sealed.len(), 2, "both RSVPs' answers are stored, sealed");
    for blob in &sealed {
        assert!(contains(&raw, blob), "the search finds the sealed answers");
    }

    let response = app
        .client()
        .delete(app.url(&format!("/api/v1/rsvps/{deleted_token}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    let raw = raw_database(&app);
    assert!(
        !contains(&raw, &deleted_name),
        "a deleted pseudonym is gone from the raw files"
    );
    assert!(!contains(&raw, &format!("needs-{deleted_name}")));
    assert!(
        !contains(&raw, &format!("helpdel-{canary}")),
        "a deleted person's call for help is gone from the raw files"
    );
    assert!(
        contains(&raw, &format!("help-{canary}")),
        "the other one stays until purge"
    );
    assert_eq!(sealed_answers(&app).len(), 1, "delete me takes the answers");
    let deleted_blob = sealed
        .iter()
        .find(|blob| !sealed_answers(&app).contains(blob))
        .expect("the deleted RSVP's answers");
    assert!(
        !contains(&raw, deleted_blob),
        "deleted answers are gone from the raw files"
    );

    assert_eq!(
        rsvp_languages(&app),
        vec!["es".to_string()],
        "RSVPed in Spanish"
    );
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let out = app
        .cli(&["purge", "--retention-hours", "0"])
        .await
        .expect("purge runs");
    assert!(
        out.contains("Purged the personal fields of 1 RSVPs"),
        "{out}"
    );
    let raw = raw_database(&app);
    assert!(
        !contains(&raw, &kept_name),
        "a purged pseudonym is gone from the raw files"
    );
    assert!(!contains(&raw, &format!("needs-{kept_name}")));
    assert!(
        !contains(&raw, &format!("help-{canary}")),
        "a purged person's call for help is gone from the raw files"
    );
    assert!(
        sealed_answers(&app).is_empty(),
        "the purge takes the answers"
    );
    for blob in &sealed {
        assert!(
            !contains(&raw, blob),
            "purged answers are gone from the raw files"
        );
    }
    for secret in &phone_secrets {
        assert!(!contains(&raw, secret), "the database holds {secret}");
    }
    {
        use diesel::prelude::*;
        let phones: i64 = umbrella::db::schema::push_subscriptions::table
            .count()
            .get_result(&mut app.database())
            .expect("counted");
        assert_eq!(phones, 0, "delete me and the purge took both phones");
    }
    assert_eq!(
        rsvp_languages(&app),
        vec!["en".to_string()],
        "the purged RSVP no longer says which language its person chose"
    );
    let (status, _) = app
        .get_json(&format!("/api/v1/rsvps/{kept_token}"), None)
        .await;
    assert_eq!(status, 404, "the manage link ends with the purge");
    let (_, event) = app
        .get_json(
            &format!("/api/v1/events/{}", ending_soon["id"].as_str().expect("id")),
            None,
        )
        .await;
    assert_eq!(event["going_count"], 1, "the anonymous count survives");
}

/// Purge at once, and take phones subscribed on a push service on this machine.
const SEIZED_SETTINGS: [&str; 4] = ["--retention-hours", "0", "--push-endpoints", "127.0.0.1"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seized_sqlite_database_gives_nobody_away() {
    let settings = [&MAIL_FILES[..], &SEIZED_SETTINGS].concat();
    if let Some(app) = TestApp::spawn_with(Backend::Sqlite, &settings).await {
        a_seized_database_gives_nobody_away(app).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seized_postgres_database_gives_nobody_away() {
    let settings = [&MAIL_FILES[..], &SEIZED_SETTINGS].concat();
    if let Some(app) = TestApp::spawn_with(Backend::Postgres, &settings).await {
        a_seized_database_gives_nobody_away(app).await;
    }
}

/// Start a server that sends email (to a local SMTP sink), so RSVPs may leave an address.
async fn with_mail(backend: Backend) -> Option<(TestApp, umbrella_tests::smtp::SmtpSink)> {
    let sink = umbrella_tests::smtp::SmtpSink::start(0)?;
    let url = sink.url();
    let app = TestApp::spawn_with(backend, &["--mail-url", url.as_str()]).await?;
    Some((app, sink))
}

/// The sealed address stored for an RSVP, as the raw files hold it.
fn sealed_email_of(app: &TestApp, pseudonym: &str) -> String {
    use diesel::prelude::*;
    use umbrella::db::schema::rsvps;
    rsvps::table
        .filter(rsvps::pseudonym.eq(pseudonym))
        .select(rsvps::email_sealed)
        .first::<Option<String>>(&mut app.database())
        .expect("rsvp read")
        .expect("an address is stored")
}

/// Rule 11: a new name, a removed address and a cancellation each leave no copy of what they
/// replaced in the raw files (on SQLite: database, write-ahead log and index).
async fn what_a_person_changes_leaves_no_copy(backend: Backend) {
    let Some((app, _sink)) = with_mail(backend).await else {
        return;
    };
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Changes", 3, json!({})))
        .await;
    let id = event["id"].as_str().expect("id");
    let canary = uuid::Uuid::new_v4().simple().to_string();
    let (old_name, new_name) = (format!("Old-{canary}"), format!("New-{canary}"));
    let token = app
        .rsvp_api(
            id,
            json!({"pseudonym": old_name, "email": format!("a-{canary}@example.org")}),
        )
        .await;
    let leaving = format!("Leaving-{canary}");
    let leaving_token = app
        .rsvp_api(
            id,
            json!({"pseudonym": leaving, "email": format!("b-{canary}@example.org")}),
        )
        .await;
    let sealed = sealed_email_of(&app, &old_name);
    let leaving_sealed = sealed_email_of(&app, &leaving);
    let raw = raw_database(&app);
    for there in [&old_name, &sealed, &leaving_sealed] {
        assert!(contains(&raw, there), "the search works: {there} is there");
    }

    let path = format!("/api/v1/rsvps/{token}");
    let (status, body) = app
        .send_json(
            reqwest::Method::PATCH,
            &path,
            None,
            &json!({"pseudonym": new_name}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let raw = raw_database(&app);
    assert!(contains(&raw, &new_name), "the new name is stored");
    assert!(!contains(&raw, &old_name), "the old name is gone");

    let (status, body) = app
        .send_json(reqwest::Method::PATCH, &path, None, &json!({"email": null}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !contains(&raw_database(&app), &sealed),
        "the removed address is gone"
    );

    let (status, body) = app
        .send_json(
            reqwest::Method::PATCH,
            &format!("/api/v1/rsvps/{leaving_token}"),
            None,
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !contains(&raw_database(&app), &leaving_sealed),
        "a cancellation's address is gone"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_person_changes_leaves_no_copy_on_sqlite() {
    what_a_person_changes_leaves_no_copy(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_person_changes_leaves_no_copy_on_postgres() {
    what_a_person_changes_leaves_no_copy(Backend::Postgres).await;
}

/// How long the other connection keeps its read open: longer than SQLite's busy timeout (5 s),
/// so a checkpoint that gives up after one try leaves the name behind.
const LONG_READ: std::time::Duration = std::time::Duration::from_secs(6);

/// "Delete me" while someone else is in the middle of a long read (a backup, a report): the
/// answer waits for the read to end, and then the name is gone from the raw files.
async fn delete_me_outlasts_a_long_read(app: TestApp) {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use umbrella::db::schema::rsvps;
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Read", 3, json!({})))
        .await;
    let name = format!("Reader-{}", uuid::Uuid::new_v4().simple());
    let token = app
        .rsvp_api(
            event["id"].as_str().expect("id"),
            json!({"pseudonym": name}),
        )
        .await;
    assert!(contains(&raw_database(&app), &name), "the search works");

    let mut reader = app.database();
    let begin = match app.backend {
        Backend::Sqlite => "BEGIN",
        Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ",
    };
    reader.batch_execute(begin).expect("a read transaction");
    let seen: i64 = rsvps::table.count().get_result(&mut reader).expect("read");
    assert_eq!(seen, 1, "the reader holds a snapshot with the RSVP in it");
    let read = tokio::task::spawn_blocking(move || {
        std::thread::sleep(LONG_READ);
        reader.batch_execute("COMMIT").expect("the read ends");
    });

    let response = app
        .client()
        .delete(app.url(&format!("/api/v1/rsvps/{token}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    assert!(
        !contains(&raw_database(&app), &name),
        "the deleted name is gone from the raw files once the answer comes"
    );
    read.await.expect("the reader finished");
}

on_both_databases!(delete_me_outlasts_a_long_read);
