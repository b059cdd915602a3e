//! A tapped alert opens the attendee's own live page. The server keeps manage tokens only
//! hashed, so a push can name only the event's public live page, which an invite-only event
//! refuses and which never shows attendees-only updates; the phone that turned alerts on from
//! `/r/{token}` keeps that RSVP's live page on the device, and the push service worker opens it.
//!
//! In a real Chromium: the manage page's own button turns alerts on (its `PushManager.subscribe`
//! answers with the push service double's phone, since Chromium's own push service is Google's
//! and out of reach here); the server really encrypts the update for that phone and the double
//! really decrypts it; DevTools then delivers that payload to the page's service worker as the
//! browser's push service would, and reads what the worker handed the browser to show. What a
//! tap does is the worker's own `whereATapOpens`, asked about that notification (a real tap
//! cannot be made headless; the handler passes its answer to `clients.openWindow`).

use reqwest::Method;
use serde_json::{json, Value};
use umbrella_tests::browser::{Chromedriver, Session, SessionOptions};
use umbrella_tests::devtools::DevTools;
use umbrella_tests::push_service::Phone;
use umbrella_tests::{event_fields, on_both_databases, TestApp};

use super::push::{push_service, SETTINGS};

const WORDS: &str = "Side door at eight, knock twice";

/// Run in the push worker: record each notification it shows, on the way through to the real
/// `showNotification`, and whether the browser showed it. (Headless Chromium's
/// `getNotifications` leaves out one shown from a push until another is shown.)
const RECORD_SHOWN: &str = "self.shownHere = [];\
  var show = self.registration.showNotification.bind(self.registration);\
  self.registration.showNotification = function (title, options) {\
    var seen = {title: title, options: options, state: 'pending'};\
    self.shownHere.push(seen);\
    var shown = show(title, options);\
    shown.then(function () { seen.state = 'shown'; }, function (e) { seen.state = String(e); });\
    return shown;\
  }; true";

/// Where the manage page keeps the link, as the page itself sees it (or `null`).
fn kept_link(event_id: &str) -> String {
    format!(
        "var done = arguments[arguments.length - 1];\
         caches.match('/static/push/open/{event_id}', {{cacheName: 'umbrella-live-push'}})\
           .then(function (hit) {{ return hit ? hit.text() : null; }}).then(done, function () {{ done('error'); }});"
    )
}

/// The id of the push worker's registration (scope `/static/push/`) in a
/// `ServiceWorker.workerRegistrationUpdated` event, if it is there.
fn push_registration(params: &Value) -> Option<Value> {
    params["registrations"]
        .as_array()?
        .iter()
        .find(|r| {
            r["scopeURL"]
                .as_str()
                .is_some_and(|scope| scope.ends_with("/static/push/"))
        })
        .map(|r| r["registrationId"].clone())
}

/// Open the manage page and turn alerts on with its own button, `phone` standing in for
/// Chromium's push service (the only part of the page's script replaced).
async fn turn_alerts_on(session: &Session, manage: &str, phone: &Phone) {
    session.open(manage).await;
    let subscription = phone.subscription("neutral");
    session
        .script(&format!(
            "var s = {subscription};\
             PushManager.prototype.subscribe = function () {{\
               return Promise.resolve({{endpoint: s.endpoint,\
                 toJSON: function () {{ return {{endpoint: s.endpoint, keys: s.keys}}; }}}});\
             }};"
        ))
        .await;
    session.click("[data-push-on]").await;
    session
        .wait_for_script(
            "return !document.querySelector('[data-push-off]').hidden;",
            "alerts are on",
        )
        .await;
}

async fn a_tapped_alert_opens_the_attendees_own_live_page(app: TestApp) {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let service = push_service(&app).await;
    let organizer = app.organizer_token().await;
    let event = app
        .create_event(
            &organizer,
            event_fields(
                "Closed circle",
                1,
                json!({"access": "invite", "kind": "action"}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let (status, invite) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/invites"),
            Some(&organizer),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{invite}");
    let token = app
        .rsvp_api(
            &id,
            json!({"pseudonym": "Wren", "invite_code": invite["code"]}),
        )
        .await;
    let (status, _) = app.get_text(&format!("/events/{id}/live")).await;
    assert_eq!(
        status, 403,
        "the public live page of an invite-only event is refused"
    );

    let session = driver.session(SessionOptions::default()).await;
    let mut tools = DevTools::connect(&session).await;
    tools
        .call(
            None,
            "Browser.grantPermissions",
            json!({"origin": app.address, "permissions": ["notifications"]}),
        )
        .await;
    let manage = app.url(&format!("/r/{token}"));
    let phone = service.phone();
    turn_alerts_on(&session, &manage, &phone).await;
    let own = format!("/r/{token}/live");
    assert_eq!(
        session.script_async(&kept_link(&id)).await,
        json!(own),
        "the manage page kept its live page on the device"
    );

    let (status, body) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/updates"),
            Some(&organizer),
            &json!({"kind": "announcement", "audience": "attendees", "text": WORDS}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let pushed = service
        .wait_for(&phone, 1, std::time::Duration::from_secs(20))
        .await;
    let payload = pushed[0].payload.clone().expect("the phone reads it");
    assert_eq!(payload["url"], json!(format!("/events/{id}/live")));
    assert_eq!(payload["event_id"], json!(id));

    // The browser's push service hands the payload to the page's worker, which shows it.
    let page = tools.attach("page", &format!("/r/{token}")).await;
    tools
        .call(Some(&page), "ServiceWorker.enable", json!({}))
        .await;
    let registered = tools
        .event("ServiceWorker.workerRegistrationUpdated", |params| {
            push_registration(params).is_some()
        })
        .await;
    let registration = push_registration(&registered).expect("the push worker's registration");
    let worker = tools.attach("service_worker", "/static/push-sw.js").await;
    tools.evaluate(&worker, RECORD_SHOWN).await;
    tools
        .call(
            Some(&page),
            "ServiceWorker.deliverPushMessage",
            json!({"origin": app.address, "registrationId": registration,
                   "data": payload.to_string()}),
        )
        .await;
    let mut shown = Value::Null;
    for _ in 0..100 {
        shown = tools.evaluate(&worker, "self.shownHere").await;
        if shown[0]["state"] == json!("shown") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(shown[0]["state"], json!("shown"), "{shown}");
    let notification = shown[0]["options"].clone();
    assert_eq!(notification["data"]["event_id"], json!(id), "{shown}");
    assert_eq!(
        notification["data"]["kind"],
        json!("announcement"),
        "{shown}"
    );
    assert!(
        !shown.to_string().contains(WORDS),
        "a neutral alert never carries the text: {shown}"
    );

    // A tap opens this RSVP's live page.
    let opens = tools
        .evaluate(
            &worker,
            &format!("whereATapOpens({})", notification["data"]),
        )
        .await;
    assert_eq!(opens, json!(app.url(&own)));

    // The "home safe?" nudge opens the manage page, where its button is.
    let mut nudge = notification["data"].clone();
    nudge["kind"] = json!("safe_by_nudge");
    assert_eq!(
        tools
            .evaluate(&worker, &format!("whereATapOpens({nudge})"))
            .await,
        json!(manage)
    );

    // Other events' alerts open what the server named; other sites never open.
    let elsewhere = json!({"url": "/events/another/live", "event_id": "another"});
    assert_eq!(
        tools
            .evaluate(&worker, &format!("whereATapOpens({elsewhere})"))
            .await,
        json!(app.url("/events/another/live"))
    );
    let foreign = json!({"url": "https://example.org/events/x/live", "event_id": id});
    assert_eq!(
        tools
            .evaluate(&worker, &format!("whereATapOpens({foreign})"))
            .await,
        Value::Null
    );

    // Turning alerts off forgets the link; a tap then opens the named page again.
    session.click("[data-push-off]").await;
    session
        .wait_for_script(
            "return !document.querySelector('[data-push-on]').hidden;",
            "alerts are off",
        )
        .await;
    assert_eq!(session.script_async(&kept_link(&id)).await, Value::Null);
    assert_eq!(
        tools
            .evaluate(
                &worker,
                &format!("whereATapOpens({})", notification["data"])
            )
            .await,
        json!(app.url(&format!("/events/{id}/live")))
    );

    // What the tap opened shows the update for attendees.
    session.open(&app.url(&own)).await;
    session.wait_for_text("main", WORDS).await;

    // The quick exit takes the kept link with everything else.
    turn_alerts_on(&session, &manage, &service.phone()).await;
    assert_eq!(session.script_async(&kept_link(&id)).await, json!(own));
    session.click("[data-quick-exit]").await;
    session.wait_to_leave(&manage).await;
    session.open(&app.url("/")).await;
    let mut kept = json!(true);
    for _ in 0..20 {
        kept = session
            .script_async(
                "var done = arguments[arguments.length - 1];\
                 caches.has('umbrella-live-push').then(done);",
            )
            .await;
        if kept == json!(false) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(kept, json!(false), "the quick exit left the link");
    session.close().await;
}

on_both_databases!(with super::SETTINGS => a_tapped_alert_opens_the_attendees_own_live_page);
