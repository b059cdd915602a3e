//! Alerts that reach a closed page: phones subscribe to Web Push for an RSVP or as an
//! organizer, and every live update reaches each phone the access policy lets see it, encrypted
//! for that phone alone and signed with the server's VAPID key, through a push service double
//! that checks both as a real one would. Lock screens stay neutral unless the phone asked for
//! `full`; a declined or cancelled RSVP gets nothing more; a gone subscription is removed;
//! "delete me" and the purge take the subscriptions with them.

use std::time::Duration;

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};
use umbrella::db::schema::{push_outbox, push_subscriptions};
use umbrella_tests::push_service::{Phone, PushService, Received};
use umbrella_tests::{event_fields, on_both_databases, TestApp};

/// A push service on this machine is allowed; the outbox retries quickly.
pub(super) const SETTINGS: [&str; 4] =
    ["--push-endpoints", "127.0.0.1", "--mail-retry-seconds", "1"];

/// The double, told the server's public key.
pub(super) async fn push_service(app: &TestApp) -> PushService {
    let service = PushService::start().await;
    let (status, key) = app.get_json("/api/v1/push", None).await;
    assert_eq!(status, 200);
    service.expect_key(key["public_key"].as_str().expect("a public key"));
    service
}

async fn subscribe(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    app.send_json(Method::PUT, path, token, body).await
}

async fn subscribe_rsvp(app: &TestApp, token: &str, phone: &Phone, detail: &str) {
    let (status, body) = subscribe(
        app,
        &format!("/api/v1/rsvps/{token}/push"),
        None,
        &phone.subscription(detail),
    )
    .await;
    assert_eq!(status, 204, "{body}");
}

async fn post_update(app: &TestApp, organizer: &str, event_id: &str, update: Value) -> i64 {
    let (status, body) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{event_id}/updates"),
            Some(organizer),
            &update,
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body["seq"].as_i64().expect("seq")
}

/// Wait until nothing is left to push (every row sent or dropped).
pub(super) async fn drained(app: &TestApp) {
    for _ in 0..200 {
        let pending: i64 = push_outbox::table
            .filter(push_outbox::state.eq("pending"))
            .count()
            .get_result(&mut app.database())
            .expect("counted");
        if pending == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("pushes still waiting after 20 s");
}

fn payload(push: &Received) -> &Value {
    push.payload.as_ref().expect("a payload the phone can read")
}

fn subscriptions(app: &TestApp) -> i64 {
    push_subscriptions::table
        .count()
        .get_result(&mut app.database())
        .expect("counted")
}

/// The key, the allow-list and bad bodies: `422` naming the field, before anything is stored.
async fn only_allowed_push_services_are_taken(app: TestApp) {
    let (status, key) = app.get_json("/api/v1/push", None).await;
    assert_eq!(status, 200);
    let key = key["public_key"].as_str().expect("a key");
    assert_eq!(key.len(), 87, "65 bytes, base64url without padding: {key}");
    assert!(
        key.starts_with('B'),
        "an uncompressed point starts with 0x04"
    );
    let (_, again) = app.get_json("/api/v1/push", None).await;
    assert_eq!(again["public_key"], key, "made once");

    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Know your rights", 2, json!({})))
        .await;
    let token = app
        .rsvp_api(
            event["id"].as_str().expect("id"),
            json!({"pseudonym": "Robin"}),
        )
        .await;
    let service = push_service(&app).await;
    let phone = service.phone();
    let path = format!("/api/v1/rsvps/{token}/push");
    let mut cases = Vec::new();
    for endpoint in [
        "https://push.attacker.example/x",
        "http://10.0.0.1:9000/push",
        "http://169.254.169.254/latest/meta-data",
        "http://127.0.0.2:9000/push",
        "http://localhost:9000/push",
        "not a url",
    ] {
        let mut body = phone.subscription("neutral");
        body["endpoint"] = json!(endpoint);
        cases.push((body, "endpoint"));
    }
    let mut off_curve = phone.subscription("neutral");
    off_curve["keys"]["p256dh"] = json!(
        "BAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    );
    cases.push((off_curve, "keys.p256dh"));
    let mut short_auth = phone.subscription("neutral");
    short_auth["keys"]["auth"] = json!("AAAA");
    cases.push((short_auth, "keys.auth"));
    cases.push((phone.subscription("loud"), "detail"));
    let mut no_keys = phone.subscription("neutral");
    no_keys.as_object_mut().expect("object").remove("keys");
    cases.push((no_keys, "keys"));
    for (body, field) in cases {
        let (status, answer) = subscribe(&app, &path, None, &body).await;
        assert_eq!(status, 422, "{body}: {answer}");
        assert_eq!(answer["field"], field, "{body}: {answer}");
    }
    assert_eq!(subscriptions(&app), 0, "nothing refused was stored");

    let (status, _) = subscribe(
        &app,
        "/api/v1/rsvps/no-such-token/push",
        None,
        &phone.subscription("neutral"),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = subscribe(
        &app,
        "/api/v1/organizer/push",
        None,
        &phone.subscription("neutral"),
    )
    .await;
    assert_eq!(status, 401, "organizers sign in");

    subscribe_rsvp(&app, &token, &phone, "neutral").await;
    subscribe_rsvp(&app, &token, &phone, "full").await;
    assert_eq!(
        subscriptions(&app),
        1,
        "the same phone again replaces its row"
    );
    let (status, _) = app
        .send_json(
            Method::DELETE,
            &path,
            None,
            &json!({"endpoint": phone.endpoint}),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(subscriptions(&app), 0, "off in one call");
    subscribe_rsvp(&app, &token, &phone, "neutral").await;
    let response = app
        .client()
        .delete(app.url(&path))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204, "without a body: every phone");
    assert_eq!(subscriptions(&app), 0);
}

/// Without `--push-endpoints` only the browsers' services are taken: a push service on this
/// machine is refused (a server-side request forgery hole otherwise).
async fn the_default_list_refuses_this_machine(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Drop-in", 2, json!({})))
        .await;
    let token = app
        .rsvp_api(
            event["id"].as_str().expect("id"),
            json!({"pseudonym": "Wren"}),
        )
        .await;
    let service = PushService::start().await;
    let (status, answer) = subscribe(
        &app,
        &format!("/api/v1/rsvps/{token}/push"),
        None,
        &service.phone().subscription("neutral"),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["field"], "endpoint");
    let mut browser = service.phone().subscription("neutral");
    browser["endpoint"] = json!("https://fcm.googleapis.com/fcm/send/abc:APA91b");
    let (status, answer) =
        subscribe(&app, &format!("/api/v1/rsvps/{token}/push"), None, &browser).await;
    assert_eq!(status, 204, "{answer}");
}

/// Each update reaches the phones the access policy lets see it, encrypted for each, with
/// VAPID, `TTL` and `Urgency`; neutral lock screens carry neither the text nor a place; a
/// declined or cancelled RSVP gets nothing more, and a role update reaches only that role.
async fn updates_reach_the_phones_the_policy_allows(app: TestApp) {
    let service = push_service(&app).await;
    let poster = app.organizer_token().await;
    let other_organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &poster,
            event_fields(
                "March for decriminalization",
                1,
                json!({"kind": "action", "roles": ["medic", "marshal"],
                       "cover_title": "Saturday walk", "approval_required": true,
                       "location": "Secret square", "location_privacy": "attendees"}),
            ),
        )
        .await;
    let event_id = event["id"].as_str().expect("id").to_string();
    let mut people = Vec::new();
    for (name, role) in [
        ("Heron", None),
        ("Robin", Some("medic")),
        ("Finch", Some("medic")),
        ("Wren", None),
    ] {
        let mut body = json!({"pseudonym": name});
        if let Some(role) = role {
            body["role"] = json!(role);
        }
        let token = app.rsvp_api(&event_id, body).await;
        people.push((name, token));
    }
    let (_, list) = app
        .get_json(&format!("/api/v1/events/{event_id}/rsvps"), Some(&poster))
        .await;
    for rsvp in list["rsvps"].as_array().expect("rsvps") {
        let id = rsvp["id"].as_str().expect("id");
        let (status, body) = app
            .send_json(
                Method::POST,
                &format!("/api/v1/events/{event_id}/rsvps/{id}/approve"),
                Some(&poster),
                &json!({}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let phones: Vec<Phone> = people.iter().map(|_| service.phone()).collect();
    for ((name, token), phone) in people.iter().zip(&phones) {
        let detail = if *name == "Robin" { "full" } else { "neutral" };
        subscribe_rsvp(&app, token, phone, detail).await;
    }
    let (heron, robin, finch, wren) = (&phones[0], &phones[1], &phones[2], &phones[3]);
    let organizer_phone = service.phone();
    let (status, _) = subscribe(
        &app,
        "/api/v1/organizer/push",
        Some(&other_organizer),
        &organizer_phone.subscription("full"),
    )
    .await;
    assert_eq!(status, 204);
    let poster_phone = service.phone();
    let (status, _) = subscribe(
        &app,
        "/api/v1/organizer/push",
        Some(&poster),
        &poster_phone.subscription("full"),
    )
    .await;
    assert_eq!(status, 204);

    // Finch is declined and Wren cancels: from now on they get nothing.
    let finch_id = list["rsvps"]
        .as_array()
        .expect("rsvps")
        .iter()
        .find(|rsvp| rsvp["pseudonym"] == "Finch")
        .and_then(|rsvp| rsvp["id"].as_str())
        .expect("Finch")
        .to_string();
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{event_id}/rsvps/{finch_id}/decline"),
            Some(&poster),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/rsvps/{}", people[3].1),
            None,
            &json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(status, 200);

    let secret_text = "Meet behind the library, bring water";
    post_update(
        &app,
        &poster,
        &event_id,
        json!({"kind": "announcement", "audience": "attendees", "text": secret_text}),
    )
    .await;
    let within = Duration::from_secs(20);
    let to_heron = service.wait_for(heron, 1, within).await;
    let to_robin = service.wait_for(robin, 1, within).await;
    let to_organizer = service.wait_for(&organizer_phone, 1, within).await;
    drained(&app).await;
    for push in [&to_heron[0], &to_robin[0], &to_organizer[0]] {
        assert_eq!(
            push.vapid,
            Ok(()),
            "signed with the server's key, aud the origin"
        );
        assert_eq!(push.status, 201);
        assert_eq!(push.headers["content-encoding"], "aes128gcm");
        assert_eq!(push.headers["urgency"], "normal");
        assert!(push.headers["ttl"].parse::<u64>().expect("a number") > 0);
    }
    let neutral = payload(&to_heron[0]);
    assert_eq!(neutral["title"], "Saturday walk", "the cover title");
    assert_eq!(neutral["kind"], "announcement");
    assert_eq!(neutral["event_id"], event_id.as_str());
    assert!(neutral["url"].as_str().expect("url").contains(&event_id));
    let text = neutral.to_string();
    assert!(
        !text.contains("library") && !text.contains("March"),
        "{text}"
    );
    let full = payload(&to_robin[0]);
    assert_eq!(full["body"], secret_text);
    assert_eq!(payload(&to_organizer[0])["body"], secret_text);
    for (who, phone) in [
        ("declined", finch),
        ("cancelled", wren),
        ("poster", &poster_phone),
    ] {
        assert!(
            service.received_by(phone).is_empty(),
            "the {who} phone got {:?}",
            service.received_by(phone)
        );
    }

    // A medic alert reaches the medic, urgently, and no one else going.
    post_update(
        &app,
        &poster,
        &event_id,
        json!({"kind": "alert", "audience": "medic", "text": "Someone fainted at the corner"}),
    )
    .await;
    let to_robin = service.wait_for(robin, 2, within).await;
    drained(&app).await;
    assert_eq!(to_robin[1].headers["urgency"], "high");
    assert_eq!(payload(&to_robin[1])["kind"], "alert");
    assert_eq!(service.received_by(heron).len(), 1, "not a medic");
    assert!(service.received_by(finch).is_empty(), "declined medic");

    // A new place: the full phone that may see the location reads it; the neutral one never.
    post_update(
        &app,
        &poster,
        &event_id,
        json!({"kind": "location", "audience": "attendees", "text": "We moved",
               "location": "Back door of the old mill"}),
    )
    .await;
    let to_robin = service.wait_for(robin, 3, within).await;
    let to_heron = service.wait_for(heron, 2, within).await;
    assert!(payload(&to_robin[2])["body"]
        .as_str()
        .expect("body")
        .contains("Back door of the old mill"));
    let neutral = payload(&to_heron[1]).to_string();
    assert!(
        !neutral.contains("mill") && !neutral.contains("moved"),
        "{neutral}"
    );

    // Even what goes to everyone following never reaches the declined or cancelled phones:
    // their subscriptions went with the decision.
    post_update(
        &app,
        &poster,
        &event_id,
        json!({"kind": "announcement", "audience": "public", "text": "Starting soon"}),
    )
    .await;
    service.wait_for(heron, 3, within).await;
    drained(&app).await;
    for (who, phone) in [("declined", finch), ("cancelled", wren)] {
        assert!(
            service.received_by(phone).is_empty(),
            "the {who} phone got {:?}",
            service.received_by(phone)
        );
    }
    assert_eq!(
        subscriptions(&app),
        4,
        "Heron's, Robin's and the two organizers'"
    );
}

/// A phone the push service says is gone (`410`) or does not know (`404`) is removed with what
/// waited for it, and the worker goes on for everyone else.
async fn a_gone_phone_is_removed(app: TestApp) {
    let service = push_service(&app).await;
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Open meeting", 1, json!({})))
        .await;
    let event_id = event["id"].as_str().expect("id");
    let gone_token = app.rsvp_api(event_id, json!({"pseudonym": "Gone"})).await;
    let unknown_token = app
        .rsvp_api(event_id, json!({"pseudonym": "Unknown"}))
        .await;
    let kept_token = app.rsvp_api(event_id, json!({"pseudonym": "Kept"})).await;
    let (gone, unknown, kept) = (service.phone(), service.phone(), service.phone());
    subscribe_rsvp(&app, &gone_token, &gone, "neutral").await;
    subscribe_rsvp(&app, &unknown_token, &unknown, "neutral").await;
    subscribe_rsvp(&app, &kept_token, &kept, "neutral").await;
    service.answer(&gone, 410);
    service.answer(&unknown, 404);
    post_update(
        &app,
        &organizer,
        event_id,
        json!({"kind": "status", "audience": "public", "text": "Doors open"}),
    )
    .await;
    let within = Duration::from_secs(20);
    for (phone, status) in [(&gone, 410), (&unknown, 404)] {
        let pushes = service.wait_for(phone, 1, within).await;
        assert_eq!(pushes.len(), 1);
        assert_eq!(pushes[0].status, status);
    }
    assert_eq!(service.wait_for(&kept, 1, within).await.len(), 1);
    drained(&app).await;
    let left: Vec<String> = push_subscriptions::table
        .select(push_subscriptions::id)
        .load(&mut app.database())
        .expect("read");
    assert_eq!(
        left.len(),
        1,
        "the gone (410) and unknown (404) subscriptions were removed: {left:?}"
    );
    let waiting: i64 = push_outbox::table
        .count()
        .get_result(&mut app.database())
        .expect("counted");
    assert_eq!(waiting, 0, "nothing failed or waits for a removed phone");
    post_update(
        &app,
        &organizer,
        event_id,
        json!({"kind": "status", "audience": "public", "text": "Starting"}),
    )
    .await;
    assert_eq!(service.wait_for(&kept, 2, within).await.len(), 2);
    drained(&app).await;
    assert_eq!(service.received_by(&gone).len(), 1, "nothing more to it");
    assert_eq!(service.received_by(&unknown).len(), 1, "nothing more to it");
}

/// A push service that fails (`500`) is tried again after the backoff; a subscription that
/// cannot even be opened is marked failed at once; neither holds up anyone else's push.
async fn failures_are_retried_and_never_stall_the_worker(app: TestApp) {
    use umbrella::db::schema::rsvps;
    let service = push_service(&app).await;
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Open meeting", 1, json!({})))
        .await;
    let event_id = event["id"].as_str().expect("id");
    let (flaky, broken, fine) = (service.phone(), service.phone(), service.phone());
    for (name, phone) in [("Flaky", &flaky), ("Broken", &broken), ("Fine", &fine)] {
        let token = app.rsvp_api(event_id, json!({"pseudonym": name})).await;
        subscribe_rsvp(&app, &token, phone, "neutral").await;
    }
    service.answer(&flaky, 500);
    // Someone altered Broken's stored subscription: it no longer opens with the key.
    let broken_row: String = push_subscriptions::table
        .inner_join(rsvps::table)
        .filter(rsvps::pseudonym.eq("Broken"))
        .select(push_subscriptions::id)
        .first(&mut app.database())
        .expect("Broken's phone");
    diesel::update(push_subscriptions::table.find(&broken_row))
        .set(push_subscriptions::sealed.eq("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        .execute(&mut app.database())
        .expect("altered");
    post_update(
        &app,
        &organizer,
        event_id,
        json!({"kind": "status", "audience": "public", "text": "Doors open"}),
    )
    .await;
    let within = Duration::from_secs(20);
    assert_eq!(service.wait_for(&fine, 1, within).await.len(), 1);
    let tries = service.wait_for(&flaky, 2, within).await;
    assert!(tries.len() >= 2, "retried after a 500: {tries:?}");
    assert!(tries.iter().all(|push| push.status == 500));
    service.answer(&flaky, 201);
    let tries = service.wait_for(&flaky, tries.len() + 1, within).await;
    assert_eq!(tries.last().map(|push| push.status), Some(201));
    drained(&app).await;
    assert!(service.received_by(&broken).is_empty());
    let failed: i64 = push_outbox::table
        .filter(push_outbox::state.eq("failed"))
        .count()
        .get_result(&mut app.database())
        .expect("counted");
    assert_eq!(
        failed, 1,
        "the altered subscription's push failed, and only it"
    );
    assert_eq!(service.received_by(&fine).len(), 1, "sent once");
}

/// Once a phone is subscribed, a start without the VAPID key file it subscribed with (or with
/// another one) is refused with one line naming the file; the right file starts again.
async fn a_start_without_the_push_key_is_refused_once_phones_subscribed(app: TestApp) {
    let service = push_service(&app).await;
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Workshop", 1, json!({})))
        .await;
    let token = app
        .rsvp_api(
            event["id"].as_str().expect("id"),
            json!({"pseudonym": "Robin"}),
        )
        .await;
    subscribe_rsvp(&app, &token, &service.phone(), "neutral").await;
    let elsewhere = std::env::temp_dir().join(format!("umbrella-vapid-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&elsewhere).expect("folder");
    std::fs::copy(
        app.data_dir.join("umbrella.key"),
        elsewhere.join("umbrella.key"),
    )
    .expect("copied");
    let database = match app.settings.database() {
        umbrella::config::DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
        other => other.postgres_url().expect("a URL").to_string(),
    };
    let start = |dir: &std::path::Path| {
        let args = [
            "umbrella",
            "--bind",
            "127.0.0.1:0",
            "--data-dir",
            dir.to_str().expect("utf-8"),
            "--database-url",
            &database,
            "--push-endpoints",
            "127.0.0.1",
        ];
        let settings = umbrella::config::Cli::from_args(args)
            .expect("settings")
            .settings;
        umbrella::startup::Application::build(settings)
    };
    let refused = start(&elsewhere).await.err().expect("refused").to_string();
    assert!(refused.contains("vapid.key"), "{refused}");
    assert!(!elsewhere.join("vapid.key").exists() || refused.contains("not the one"));
    std::fs::copy(app.data_dir.join("vapid.key"), elsewhere.join("vapid.key")).expect("copied");
    let restored = start(&elsewhere)
        .await
        .expect("starts with the right key file");
    drop(restored);
    let _ = std::fs::remove_dir_all(&elsewhere);
}

/// The VAPID private key lives only in `vapid.key` (mode 0600, the key the server signs with):
/// a seized database, pushes sent and phones subscribed, holds its public half and nothing of
/// the private one, raw or encoded.
async fn the_push_key_stays_in_its_file(app: TestApp) {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use std::os::unix::fs::PermissionsExt;

    let service = push_service(&app).await;
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Workshop", 1, json!({})))
        .await;
    let event_id = event["id"].as_str().expect("id");
    let token = app.rsvp_api(event_id, json!({"pseudonym": "Robin"})).await;
    let phone = service.phone();
    subscribe_rsvp(&app, &token, &phone, "full").await;
    post_update(
        &app,
        &organizer,
        event_id,
        json!({"kind": "status", "audience": "public", "text": "Doors open"}),
    )
    .await;
    let sent = service.wait_for(&phone, 1, Duration::from_secs(20)).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].vapid, Ok(()), "signed");
    drained(&app).await;

    let path = app.data_dir.join("vapid.key");
    let mode = std::fs::metadata(&path)
        .expect("vapid.key in the data directory")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "only the server's user reads it");
    let secret = std::fs::read(&path).expect("read");
    assert_eq!(secret.len(), 32, "the raw P-256 scalar");
    let public = p256::SecretKey::from_slice(&secret)
        .expect("a P-256 private key")
        .public_key()
        .to_encoded_point(false);
    let public = URL_SAFE_NO_PAD.encode(public.as_bytes());
    let (_, served) = app.get_json("/api/v1/push", None).await;
    assert_eq!(
        served["public_key"],
        public.as_str(),
        "the key the server uses"
    );

    let raw = app.raw_database();
    assert!(
        umbrella_tests::bytes_contain(&raw, &public),
        "the search works: the database remembers the public key"
    );
    assert!(
        !raw.windows(secret.len())
            .any(|window| window == secret.as_slice()),
        "the private key's bytes are in the database"
    );
    let hex: String = secret.iter().map(|byte| format!("{byte:02x}")).collect();
    for encoded in [
        hex.to_uppercase(),
        hex,
        URL_SAFE_NO_PAD.encode(&secret),
        URL_SAFE.encode(&secret),
        STANDARD.encode(&secret),
        STANDARD_NO_PAD.encode(&secret),
    ] {
        assert!(
            !umbrella_tests::bytes_contain(&raw, &encoded),
            "the private key is in the database as {encoded}"
        );
    }
}

/// An event with two RSVPs, "Leaving" and "Staying", each with a phone subscribed with `detail`:
/// the event's id and the two manage tokens.
async fn leaving_and_staying(
    app: &TestApp,
    service: &PushService,
    detail: &str,
) -> (String, String, String) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Workshop", 1, json!({})))
        .await;
    let event_id = event["id"].as_str().expect("id").to_string();
    let leaving = app
        .rsvp_api(&event_id, json!({"pseudonym": "Leaving"}))
        .await;
    let staying = app
        .rsvp_api(&event_id, json!({"pseudonym": "Staying"}))
        .await;
    subscribe_rsvp(app, &leaving, &service.phone(), detail).await;
    subscribe_rsvp(app, &staying, &service.phone(), detail).await;
    assert_eq!(subscriptions(app), 2);
    (event_id, leaving, staying)
}

/// "Delete me" and the purge take an RSVP's phones with them.
async fn delete_me_and_the_purge_remove_phones(app: TestApp) {
    let service = push_service(&app).await;
    let (event_id, leaving, _staying) = leaving_and_staying(&app, &service, "full").await;
    let response = app
        .client()
        .delete(app.url(&format!("/api/v1/rsvps/{leaving}")))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 204);
    assert_eq!(subscriptions(&app), 1, "delete me takes the phone");
    app.end_event(&event_id);
    app.cli(&["purge", "--retention-hours", "0"])
        .await
        .expect("purge runs");
    assert_eq!(subscriptions(&app), 0, "the purge takes the phone");
}

/// In a real browser, the manage page's quick exit makes the server forget this RSVP's phone
/// (the person may be leaving in a hurry, on a phone someone else will pick up), and only this
/// RSVP's.
async fn the_quick_exit_forgets_the_phone(app: TestApp) {
    let Some(driver) = umbrella_tests::browser::Chromedriver::start().await else {
        return;
    };
    let service = push_service(&app).await;
    let (_, leaving, staying) = leaving_and_staying(&app, &service, "neutral").await;

    let session = driver
        .session(umbrella_tests::browser::SessionOptions::default())
        .await;
    let manage = app.url(&format!("/r/{leaving}"));
    session.open(&manage).await;
    session.click("[data-quick-exit]").await;
    session.wait_to_leave(&manage).await;
    session.close().await;
    let mut left = subscriptions(&app);
    for _ in 0..50 {
        if left == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = subscriptions(&app);
    }
    assert_eq!(
        left, 1,
        "the quick exit took this RSVP's phone and no other"
    );
    let (status, body) = subscribe(
        &app,
        &format!("/api/v1/rsvps/{staying}/push"),
        None,
        &service.phone().subscription("neutral"),
    )
    .await;
    assert_eq!(
        status, 204,
        "the other RSVP still manages its phones: {body}"
    );
}

/// The manage page offers alerts and says what a push service can see and that Tor Browser
/// cannot receive them; the console offers them to organizers; the web app manifest carries the
/// neutral name the group chose and a plain icon.
async fn pages_offer_alerts_under_a_neutral_name(app: TestApp) {
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(&organizer, event_fields("Know your rights", 2, json!({})))
        .await;
    let token = app
        .rsvp_api(
            event["id"].as_str().expect("id"),
            json!({"pseudonym": "Robin"}),
        )
        .await;
    let (status, page) = app.get_text(&format!("/r/{token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Alert me on this phone"), "{page}");
    assert!(
        page.contains("sees that a message was sent to this phone and when, never what it says")
    );
    assert!(page.contains("Tor Browser cannot receive alerts."));
    assert!(page.contains(r#"data-push="rsvp""#));
    assert!(page.contains(r#"<script src="/static/push.js" defer></script>"#));
    let browser = app.signed_in_browser("console-keeper").await;
    let console = app
        .get(
            &browser,
            &format!(
                "/organize/events/{}/live",
                event["id"].as_str().expect("id")
            ),
        )
        .await
        .text()
        .await
        .expect("a page");
    assert!(console.contains(r#"data-push="organizer""#), "{console}");
    let (status, manifest) = app.get_json("/manifest.webmanifest", None).await;
    assert_eq!(status, 200);
    assert_eq!(manifest["name"], "Tea club");
    assert!(
        !manifest.to_string().to_lowercase().contains("umbrella"),
        "{manifest}"
    );
    // A home screen shows the icon beside that name: a plain shape, not the red umbrella (the
    // sex workers' rights symbol) the site's own pages use.
    let icons = manifest["icons"].as_array().expect("icons");
    assert_eq!(icons.len(), 1, "{manifest}");
    assert_eq!(icons[0]["src"], "/static/app-icon.svg");
    let (status, icon) = app.get_text("/static/app-icon.svg").await;
    assert_eq!(status, 200);
    let (_, umbrella) = app.get_text("/static/umbrella.svg").await;
    assert!(icon.starts_with("<svg") && icon != umbrella, "{icon}");
    assert!(
        !icon.to_lowercase().contains("#c8102e"),
        "no umbrella red: {icon}"
    );
    assert!(page.contains(r#"<link rel="icon" href="/static/umbrella.svg""#));
    let (status, worker) = app.get_text("/static/push-sw.js").await;
    assert_eq!(status, 200);
    assert!(worker.contains("showNotification"));
}

/// The safety net reaches phones: a call for help goes to the responders' phones (the
/// organizer's, jail support's, the medic's and the legal observer's; never the asker's, a
/// marshal's or a driver's), with who asked on a `full` lock screen and nothing of it on a
/// `neutral` one; when the home-safe-by time passes, whoever arrived and has not checked out
/// gets the nudge (neutral words on a neutral phone), and organizers and jail support (not the
/// medic) the alert.
async fn help_and_the_home_safe_check_reach_phones(app: TestApp) {
    let service = push_service(&app).await;
    let organizer = app.organizer_token().await;
    let now = chrono::Utc::now();
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Night walk",
                0,
                json!({"kind": "action",
                       "roles": ["medic", "jail_support", "marshal", "legal_observer", "driver"],
                       "location": "Old mill gate", "location_privacy": "public",
                       "starts_at": (now - chrono::Duration::minutes(30)).to_rfc3339(),
                       "ends_at": (now + chrono::Duration::hours(2)).to_rfc3339(),
                       "safe_by": (now + chrono::Duration::seconds(8)).to_rfc3339()}),
            ),
        )
        .await;
    let event_id = event["id"].as_str().expect("id").to_string();
    let mut people = Vec::new();
    for (name, role, detail) in [
        ("Heron", None, "full"),
        ("Robin", Some("medic"), "full"),
        ("Jay", Some("jail_support"), "full"),
        ("Kite", Some("marshal"), "full"),
        ("Lee", Some("legal_observer"), "neutral"),
        ("Dale", Some("driver"), "full"),
        ("Lark", None, "neutral"),
    ] {
        let mut body = json!({"pseudonym": name});
        if let Some(role) = role {
            body["role"] = json!(role);
        }
        let token = app.rsvp_api(&event_id, body).await;
        let phone = service.phone();
        subscribe_rsvp(&app, &token, &phone, detail).await;
        people.push((token, phone));
    }
    let organizer_phone = service.phone();
    let (status, _) = subscribe(
        &app,
        "/api/v1/organizer/push",
        Some(&organizer),
        &organizer_phone.subscription("full"),
    )
    .await;
    assert_eq!(status, 204);
    let [(heron, heron_phone), (_, robin_phone), (_, jay_phone), (_, kite_phone), (_, lee_phone), (_, dale_phone), (lark, lark_phone)] =
        <[_; 7]>::try_from(people).unwrap_or_else(|_| panic!("seven people"));
    for token in [&heron, &lark] {
        let (status, body) = app
            .send_json(
                Method::POST,
                &format!("/api/v1/rsvps/{token}/checkin"),
                None,
                &json!({}),
            )
            .await;
        assert!(status < 300, "{status} {body}");
    }
    let (status, body) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/rsvps/{heron}/help"),
            None,
            &json!({"text": "twisted ankle by the fountain"}),
        )
        .await;
    assert_eq!(status, 202, "{body}");

    // The home-safe check sleeps until the home-safe-by time (30 s at most); its pushes and the
    // help request's arrive within this.
    let within = Duration::from_secs(30);
    for phone in [&robin_phone, &jay_phone, &organizer_phone] {
        let pushes = service.wait_for(phone, 1, within).await;
        let help = pushes
            .iter()
            .map(payload)
            .find(|payload| payload["kind"] == "help")
            .expect("the call for help reached a responder's phone");
        assert_eq!(help["body"], "Heron: twisted ankle by the fountain");
        assert_eq!(help["event_id"], event_id.as_str());
    }
    // What a neutral lock screen must never show: who, what, where, or what the event is.
    let discreet = |push: &Received| {
        let shown = payload(push).to_string().to_lowercase();
        for word in [
            "heron",
            "lark",
            "twisted",
            "ankle",
            "fountain",
            "old mill",
            "night walk",
        ] {
            assert!(
                !shown.contains(word),
                "a neutral push shows {word:?}: {shown}"
            );
        }
    };
    let to_lee = service.wait_for(&lee_phone, 1, within).await;
    assert_eq!(to_lee.len(), 1, "the legal observer is a responder");
    assert_eq!(payload(&to_lee[0])["kind"], "help");
    assert_eq!(payload(&to_lee[0])["event_id"], event_id.as_str());
    assert_eq!(to_lee[0].headers["urgency"], "high");
    discreet(&to_lee[0]);
    let nudge = service.wait_for(&heron_phone, 1, within).await;
    assert_eq!(
        nudge
            .iter()
            .map(|push| payload(push)["kind"].clone())
            .collect::<Vec<_>>(),
        vec![json!("safe_by_nudge")],
        "the asker's phone gets the nudge and not their own call for help"
    );
    let to_lark = service.wait_for(&lark_phone, 1, within).await;
    assert_eq!(to_lark.len(), 1);
    assert_eq!(payload(&to_lark[0])["kind"], "safe_by_nudge");
    assert_ne!(
        payload(&to_lark[0])["body"],
        payload(&nudge[0])["body"],
        "neutral words, not the full nudge's"
    );
    discreet(&to_lark[0]);
    for phone in [&jay_phone, &organizer_phone] {
        let pushes = service.wait_for(phone, 2, within).await;
        assert!(
            pushes
                .iter()
                .any(|push| payload(push)["kind"] == "not_yet_safe"),
            "organizers and jail support hear who is not home yet"
        );
    }
    drained(&app).await;
    assert!(
        service
            .received_by(&robin_phone)
            .iter()
            .all(|push| payload(push)["kind"] == "help"),
        "the medic hears the call for help, not who is missing"
    );
    assert_eq!(
        service.received_by(&lee_phone).len(),
        1,
        "the legal observer hears the call for help, not who is missing"
    );
    assert_eq!(service.received_by(&lark_phone).len(), 1, "no responder");
    for (who, phone) in [("marshal", &kite_phone), ("driver", &dale_phone)] {
        assert!(
            service.received_by(phone).is_empty(),
            "a {who} is no responder and did not arrive: {:?}",
            service.received_by(phone)
        );
    }
}

/// Two instances on one PostgreSQL share the push outbox: each push is claimed by one of them
/// and reaches its phone once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_push_each_message_once() {
    let Some(first) = TestApp::spawn_with(umbrella_tests::Backend::Postgres, &SETTINGS).await
    else {
        return;
    };
    let database = first.settings.database();
    let url = database.postgres_url().expect("PostgreSQL").to_string();
    // Instances of one site share the key files (the sealing key and the VAPID key).
    let keys = first.data_dir.display().to_string();
    let mut args = vec!["--database-url", url.as_str(), "--data-dir", keys.as_str()];
    args.extend(SETTINGS);
    let second = TestApp::spawn_with(umbrella_tests::Backend::Postgres, &args)
        .await
        .expect("a second instance on the same database");
    let service = push_service(&first).await;
    let organizer = first.organizer_token().await;
    let event = first
        .create_event(&organizer, event_fields("Open meeting", 1, json!({})))
        .await;
    let event_id = event["id"].as_str().expect("id").to_string();
    let mut phones = Vec::new();
    for n in 0..20 {
        let token = first
            .rsvp_api(&event_id, json!({"pseudonym": format!("P{n}")}))
            .await;
        let phone = service.phone();
        // `full`, so each push says which update it is.
        subscribe_rsvp(&first, &token, &phone, "full").await;
        phones.push(phone);
    }
    for text in ["first", "second", "third"] {
        post_update(
            &second,
            &organizer,
            &event_id,
            json!({"kind": "announcement", "audience": "public", "text": text}),
        )
        .await;
    }
    drained(&first).await;
    for phone in &phones {
        assert_eq!(
            service
                .wait_for(phone, 3, Duration::from_secs(20))
                .await
                .len(),
            3,
            "each of three updates once"
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(service.count(), 60, "no push twice");
    for phone in &phones {
        let mut said: Vec<String> = service
            .received_by(phone)
            .iter()
            .map(|push| {
                payload(push)["body"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        said.sort();
        assert_eq!(
            said,
            ["first", "second", "third"],
            "each update once to each phone"
        );
    }
    // Sent rows are deleted: none pending, failed or still claimed.
    let left: i64 = push_outbox::table
        .count()
        .get_result(&mut first.database())
        .expect("counted");
    assert_eq!(left, 0, "every push finished");
    drop(second);
}

on_both_databases!(with ["--app-name", "Tea club"] => pages_offer_alerts_under_a_neutral_name);
on_both_databases!(with super::SETTINGS => only_allowed_push_services_are_taken,
    updates_reach_the_phones_the_policy_allows, a_gone_phone_is_removed,
    failures_are_retried_and_never_stall_the_worker,
    a_start_without_the_push_key_is_refused_once_phones_subscribed,
    the_push_key_stays_in_its_file, delete_me_and_the_purge_remove_phones, help_and_the_home_safe_check_reach_phones,
    the_quick_exit_forgets_the_phone);
on_both_databases!(the_default_list_refuses_this_machine);
