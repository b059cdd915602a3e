//! Stories in a real browser (headless Chromium over WebDriver, at phone width): RSVP and cancel
//! with and without JavaScript, an organizer's live update reaching an open page, quick exit,
//! axe-core on every page in light and dark, and screenshots under
//! `target/browser-screenshots/<db>/`.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use reqwest::Method;
use serde_json::{json, Value};
use umbrella_tests::browser::{Axe, AxeFinding, Chromedriver, Session, SessionOptions, PHONE};
use umbrella_tests::{event_fields, on_both_databases, TestApp};

/// An upcoming event made through the API; returns its id.
async fn an_event(app: &TestApp, title: &str, extra: Value) -> String {
    let token = app.organizer_token().await;
    let event = app
        .create_event(&token, event_fields(title, 3, extra))
        .await;
    event["id"].as_str().expect("id").to_string()
}

/// The newcomer's path: home page, the event, the RSVP form with a pseudonym only. Returns the
/// manage token from the page the form lands on.
async fn rsvp_from_the_home_page(app: &TestApp, session: &Session, id: &str, name: &str) -> String {
    session.open(&app.url("/")).await;
    session.click(&format!("a[href=\"/events/{id}\"]")).await;
    session.wait_for_path(&format!("/events/{id}")).await;
    session.type_into("#pseudonym", name).await;
    session
        .click(&format!(
            "form[action=\"/events/{id}/rsvp\"] button[type=submit]"
        ))
        .await;
    let landed = session
        .wait_for_path_where(
            |path| path.starts_with("/r/") && path.ends_with("?new=1"),
            "the manage page",
        )
        .await;
    // The form's answer was a redirect (303) to this page, not a page of its own.
    let redirects = session
        .script("return performance.getEntriesByType('navigation')[0].redirectCount;")
        .await;
    assert_eq!(redirects, json!(1), "one redirect after the post");
    assert!(session.page_text().await.contains(name));
    landed
        .trim_start_matches("/r/")
        .trim_end_matches("?new=1")
        .to_string()
}

/// Open the link the manage page shows, cancel there, and check the page and the API agree.
async fn cancel_from_the_manage_link(app: &TestApp, session: &Session, token: &str) {
    let shown = session
        .find("#manage-link")
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default();
    let path = format!("/r/{token}");
    assert!(
        shown.ends_with(&path),
        "the link shown is this page's: {shown}"
    );
    session.open(&app.url("/")).await;
    session.open(&app.url(&path)).await;
    session
        .click("form:has(input[name=action][value=cancel]) button[type=submit]")
        .await;
    session
        .wait_for_path(&format!("{path}?done=cancelled"))
        .await;
    assert_eq!(session.text(".status").await, "Cancelled");
    assert!(session.page_text().await.contains("Your RSVP is cancelled"));
    let (status, rsvp) = app.get_json(&format!("/api/v1/rsvps/{token}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(rsvp["status"], "cancelled");
}

async fn a_newcomer_rsvps_and_cancels_in_a_browser(app: TestApp) {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let id = an_event(&app, "Know your rights", json!({})).await;
    let session = driver.session(SessionOptions::default()).await;
    let token = rsvp_from_the_home_page(&app, &session, &id, "Sparrow").await;
    let (_, rsvp) = app.get_json(&format!("/api/v1/rsvps/{token}"), None).await;
    assert_eq!(rsvp["status"], "going");
    assert_eq!(rsvp["pseudonym"], "Sparrow");
    assert_eq!(rsvp["has_email"], false);
    // Scripts run here: the copy button they reveal is shown (the JavaScript-off story relies on it).
    let copy = session.find("button[data-copy-from]").await;
    assert!(copy.is_displayed().await.expect("displayed"));
    cancel_from_the_manage_link(&app, &session, &token).await;
    session.close().await;
}

async fn the_same_rsvp_works_with_javascript_off(app: TestApp) {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let id = an_event(&app, "Self-defense basics", json!({})).await;
    let session = driver.session(SessionOptions::javascript_off()).await;
    // Scripts are really off: the live page's <noscript> content is part of the page...
    session.open(&app.url(&format!("/events/{id}/live"))).await;
    let refresh = session.text("noscript p").await;
    assert!(refresh.contains("refreshes itself"), "{refresh}");
    let token = rsvp_from_the_home_page(&app, &session, &id, "Wren").await;
    // ...and the copy button only a script reveals stays hidden.
    let copy = session.find("button[data-copy-from]").await;
    assert!(!copy.is_displayed().await.expect("displayed"));
    cancel_from_the_manage_link(&app, &session, &token).await;
    session.close().await;
}

/// Sign in through the form with the one-time password and choose a new one.
async fn sign_in(app: &TestApp, session: &Session, handle: &str, one_time: &str) {
    session.open(&app.url("/organize/login")).await;
    session.type_into("#handle", handle).await;
    session.type_into("#password", one_time).await;
    session
        .click("form[action=\"/organize/login\"] button[type=submit]")
        .await;
    session.wait_for_path("/organize/password").await;
    session.type_into("#current", one_time).await;
    session.type_into("#password", TestApp::PASSWORD).await;
    session.type_into("#confirm", TestApp::PASSWORD).await;
    session
        .click("form[action=\"/organize/password\"] button[type=submit]")
        .await;
    session.wait_for_path("/organize").await;
}

fn local_input(days: i64, hour: u32) -> String {
    let date = (chrono::Utc::now() + chrono::Duration::days(days)).date_naive();
    format!("{}T{hour:02}:00", date.format("%Y-%m-%d"))
}

/// `text` shows in the `#updates` of a page that set `window.stillTheSamePage` beforehand, and
/// the page did not reload to show it.
async fn arrives_live(page: &Session, text: &str) {
    page.wait_for_text("#updates", text).await;
    assert_eq!(
        page.script("return window.stillTheSamePage;").await,
        json!(true),
        "{text:?} arrived without a reload"
    );
}

async fn an_organizers_update_reaches_an_open_live_page(app: TestApp) {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let organizer = driver.session(SessionOptions::default()).await;
    let one_time = app.create_organizer("marisol").await;
    sign_in(&app, &organizer, "marisol", &one_time).await;

    organizer.click("a[href=\"/organize/events/new\"]").await;
    organizer.type_into("#title", "March to city hall").await;
    organizer.set_value("#starts_at", &local_input(2, 13)).await;
    organizer.set_value("#ends_at", &local_input(2, 16)).await;
    organizer.type_into("#location", "The fountain").await;
    organizer
        .click("form.event-form > button[type=submit]")
        .await;
    let saved = organizer
        .wait_for_path_where(|path| path.ends_with("/edit?saved=1"), "the saved event")
        .await;
    let id = saved
        .strip_prefix("/organize/events/")
        .and_then(|rest| rest.strip_suffix("/edit?saved=1"))
        .unwrap_or_else(|| panic!("the editor saves and comes back: {saved}"))
        .to_string();
    let (status, event) = app.get_json(&format!("/api/v1/events/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(event["title"], "March to city hall");

    let attendee = driver.session(SessionOptions::default()).await;
    attendee.open(&app.url(&format!("/events/{id}/live"))).await;
    assert!(attendee.page_text().await.contains("No updates yet"));
    attendee.script("window.stillTheSamePage = true;").await;

    organizer
        .open(&app.url(&format!("/organize/events/{id}/live")))
        .await;
    organizer.click("#audience-public").await;
    organizer
        .type_into("#text", "We are moving to the east steps.")
        .await;
    organizer
        .click("form.console-form button[type=submit]")
        .await;
    organizer
        .wait_for_text("#updates", "We are moving to the east steps.")
        .await;

    arrives_live(&attendee, "We are moving to the east steps.").await;

    // The console follows with the organizer's session (from its own page, so the cookie
    // counts on the websocket): an update for attendees only, posted elsewhere, reaches it live.
    organizer.script("window.stillTheSamePage = true;").await;
    let (status, _) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/updates"),
            Some(&app.organizer_token().await),
            &json!({"kind": "announcement", "audience": "attendees", "text": "Water at the east steps."}),
        )
        .await;
    assert_eq!(status, 201);
    arrives_live(&organizer, "Water at the east steps.").await;
    organizer.close().await;
    attendee.close().await;
}

async fn escape_twice_leaves_without_a_trace(app: TestApp) {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let id = an_event(&app, "Peer support circle", json!({})).await;
    let session = driver.session(SessionOptions::default()).await;
    session.open(&app.url("/")).await;
    session.click(&format!("a[href=\"/events/{id}\"]")).await;
    session.wait_for_path(&format!("/events/{id}")).await;
    let event_url = app.url(&format!("/events/{id}"));
    let neutral = session
        .find("[data-quick-exit]")
        .await
        .prop("href")
        .await
        .expect("href")
        .expect("the quick exit has a target");
    assert!(
        !neutral.starts_with(&app.address),
        "the quick exit leaves the site: {neutral}"
    );
    let history = session.script("return history.length;").await;

    let escape = char::from(Key::Escape);
    let twice = KeyActions::new("keyboard".to_string())
        .then(KeyAction::Down { value: escape })
        .then(KeyAction::Up { value: escape })
        .then(KeyAction::Down { value: escape })
        .then(KeyAction::Up { value: escape });
    session
        .client
        .perform_actions(twice)
        .await
        .expect("keys pressed");
    // The neutral site cannot load on a closed network; where the tab went is what counts.
    let now = session.wait_to_leave(&event_url).await;
    assert_eq!(now, neutral);
    assert_eq!(
        session.script("return history.length;").await,
        history,
        "the event page's entry was replaced, not added to"
    );
    session.client.back().await.expect("back");
    // Back skips the page that was left.
    session.wait_for_path("/").await;
    session.close().await;
}

/// A browser that asks for Spanish gets Spanish pages all the way through the RSVP; the switch
/// in the header changes to English and is remembered; the quick exit forgets that choice.
async fn spanish_pages_render_in_spanish(app: TestApp) {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let id = an_event(&app, "Taller de derechos", json!({"capacity": 30})).await;
    let session = driver.session(SessionOptions::language("es")).await;
    session.open(&app.url("/")).await;
    assert_eq!(session.page_language().await, "es");
    let home = session.page_text().await;
    assert!(home.contains("Próximos eventos"), "{home}");
    assert!(home.contains("Salida rápida"));
    session.click(&format!("a[href=\"/events/{id}\"]")).await;
    session.wait_for_path(&format!("/events/{id}")).await;
    let page = session.page_text().await;
    assert!(page.contains("Nombre que quieres usar"), "{page}");
    assert!(page.contains("quedan 30"), "{page}");
    if let Some(axe) = Axe::load() {
        let finding = axe.check(&session, "event page (es)").await;
        assert!(finding.is_none(), "{finding:?}");
    }
    session.type_into("#pseudonym", "Luna").await;
    session
        .click(&format!(
            "form[action=\"/events/{id}/rsvp\"] button[type=submit]"
        ))
        .await;
    session
        .wait_for_path_where(|path| path.starts_with("/r/"), "the manage page")
        .await;
    assert!(session
        .page_text()
        .await
        .contains("Guarda tu enlace privado"));

    // The switch: English now, and on the next page too.
    session.click("a[hreflang=en]").await;
    session
        .wait_for_path_where(|path| path.contains("lang=en"), "the English page")
        .await;
    assert_eq!(session.page_language().await, "en");
    assert!(session.page_text().await.contains("Keep your private link"));
    session.open(&app.url("/")).await;
    assert!(session.page_text().await.contains("Upcoming events"));

    // The quick exit forgets the choice: back on the site, the browser's Spanish holds again.
    session.click("[data-quick-exit]").await;
    session.wait_to_leave(&app.url("/")).await;
    session.open(&app.url("/")).await;
    assert_eq!(
        session.page_language().await,
        "es",
        "the lang cookie was wiped"
    );
    session.close().await;
}

/// A follower who loses signal still sees the last plan: the live page keeps the updates and
/// the last location on the device and shows them, marked offline, when it cannot connect;
/// the quick exit wipes all of it (saved plan, service worker, its cache).
async fn the_live_page_keeps_the_plan_when_signal_is_lost(app: TestApp) {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let token = app.organizer_token().await;
    let id = an_event(&app, "March to city hall", json!({"kind": "action"})).await;
    let response = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/events/{id}/updates")))
        .bearer_auth(&token)
        .json(
            &json!({"kind": "location", "text": "We moved", "audience": "public",
                      "location": "Fountain on 5th Street"}),
        )
        .send()
        .await
        .expect("update posted");
    assert_eq!(response.status(), 201);

    let session = driver.session(SessionOptions::default()).await;
    let live = app.url(&format!("/events/{id}/live"));
    session.open(&live).await;
    let key = format!("umbrella-live-{id}-public");
    let saved = session
        .wait_for_script(
            &format!(
                "var s = localStorage.getItem('{key}');\
                 return s && s.indexOf('Fountain on 5th Street') >= 0 && s;"
            ),
            "the plan, with the new location, is saved on the device",
        )
        .await;
    assert!(
        saved
            .as_str()
            .unwrap_or("")
            .contains("Fountain on 5th Street"),
        "{saved}"
    );
    session
        .wait_for_script(
            "return window.__swReady || (navigator.serviceWorker.getRegistrations()\
             .then(r => { window.__swReady = r.length > 0 && !!r[0].active; }), false);",
            "the live page's service worker is active",
        )
        .await;

    // No network at all: the page still opens (from the service worker) and shows the plan.
    session.set_offline(true).await;
    session.open(&live).await;
    session
        .wait_for_script(
            "var b = document.getElementById('connection'); return b && b.dataset.state === 'offline';",
            "the offline banner",
        )
        .await;
    session.wait_for_text("#connection", "Offline").await;
    session
        .wait_for_text("#saved-location", "Fountain on 5th Street")
        .await;
    assert!(session.page_text().await.contains("We moved"));

    // Back online, the page reconnects by itself (its retry timer, not a reload); then the
    // quick exit leaves nothing of it on the device.
    session.set_offline(false).await;
    session
        .wait_for_script(
            "var b = document.getElementById('connection'); return b && b.hidden;",
            "connected again",
        )
        .await;
    assert_eq!(
        session
            .script("return document.getElementById('saved-location') === null;")
            .await,
        json!(true),
        "the saved location gives way to the live page once connected"
    );
    session.click("[data-quick-exit]").await;
    session.wait_to_leave(&live).await;
    session.open(&app.url("/")).await;
    // The exit leaves after at most 400 ms; an unregistration it started may finish in the
    // browser a moment after (on a loaded machine), so what is left is read until it is gone.
    let nothing = json!({"keys": 0, "workers": 0, "caches": 0});
    let mut left = json!(null);
    for _ in 0..20 {
        left = session
            .script_async(
                "var done = arguments[arguments.length - 1];\
                 var keys = Object.keys(localStorage).filter(k => k.indexOf('umbrella-live-') === 0);\
                 Promise.all([navigator.serviceWorker.getRegistrations(), caches.keys()])\
                   .then(([r, c]) => done({keys: keys.length, workers: r.length,\
                     caches: c.filter(n => n.indexOf('umbrella-live-') === 0).length}));",
            )
            .await;
        if left == nothing {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(left, nothing);
    session.close().await;
}

/// The public pages fit a 320-pixel-wide screen (WCAG reflow: a small phone, or 200% zoom)
/// without sideways scrolling, and each weighs under 50 KB as sent (compressed), with its
/// stylesheet and scripts.
async fn public_pages_fit_a_small_screen_and_weigh_little(app: TestApp) {
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let long = "Community legal clinic and know-your-rights training for everyone".to_string();
    let id = an_event(
        &app,
        &long,
        json!({"accessibility": "ASL interpretation, step-free entrance, childcare, quiet room",
               "tags": ["legal", "know-your-rights", "harm-reduction"], "capacity": 40,
               "roles": ["marshal", "medic", "legal_observer"]}),
    )
    .await;
    let session = driver.session(SessionOptions::default()).await;
    session.viewport_width(320).await;
    let token = rsvp_from_the_home_page(&app, &session, &id, "Kestrel").await;
    let pages = [
        "/".to_string(),
        format!("/events/{id}"),
        format!("/r/{token}"),
        format!("/events/{id}/live"),
        "/organize/login".to_string(),
    ];
    for page in pages {
        session.open(&app.url(&page)).await;
        let widths = session
            .script("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        let (scroll, inner) = (widths[0].as_u64(), widths[1].as_u64());
        assert_eq!(inner, Some(320), "{page}: the viewport is 320 px");
        assert!(
            scroll <= inner,
            "{page} scrolls sideways at 320 px: {widths}"
        );
        // Everything the page loaded, as sent (compressed), cached or not.
        let bytes = session
            .script(
                "return performance.getEntriesByType('navigation').concat(\
                 performance.getEntriesByType('resource'))\
                 .filter(e => !e.initiatorType || e.initiatorType !== 'img')\
                 .reduce((sum, e) => sum + e.encodedBodySize, 0);",
            )
            .await
            .as_u64()
            .expect("a byte count");
        assert!(bytes > 0, "{page}: transfer sizes are reported");
        assert!(bytes < 50 * 1024, "{page} weighs {bytes} bytes");
    }
    session.close().await;
}

/// Check the page shown with axe-core in light and dark, and keep a screenshot of each when
/// `screenshot` names it.
async fn check_page(
    app: &TestApp,
    axe: &Axe,
    session: &Session,
    name: &str,
    screenshot: bool,
    findings: &mut Vec<AxeFinding>,
) {
    for dark in [false, true] {
        session.color_scheme(dark).await;
        let label = format!("{name} ({})", if dark { "dark" } else { "light" });
        if let Some(finding) = axe.check(session, &label).await {
            findings.push(finding);
        }
        if screenshot {
            let file = if dark {
                format!("{name}-dark")
            } else {
                name.to_string()
            };
            session.screenshot(app.backend, &file).await;
        }
    }
    session.color_scheme(false).await;
}

async fn every_page_passes_axe_in_light_and_dark(app: TestApp) {
    let Some(axe) = Axe::load() else {
        return;
    };
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let one_time = app.create_admin("ximena").await;
    let token = app.token_for("ximena").await;
    let event = app
        .create_event(
            &token,
            event_fields(
                "Street medic training",
                2,
                json!({"kind": "action", "capacity": 30, "tags": ["health", "legal"],
                       "accessibility": "Step-free entrance. ASL on request.",
                       "roles": ["marshal", "medic"],
                       "roles_needed": {"marshal": 2, "medic": 1},
                       "description": "**Bring** water.\n\n- gloves\n- [map](https://example.org)"}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    for (kind, text, audience) in [
        ("announcement", "Meet at the north gate.", "public"),
        ("alert", "Police line on 5th street: avoid it.", "public"),
        ("status", "Medics are at the van.", "medic"),
    ] {
        let (status, _) = app
            .send_json(
                Method::POST,
                &format!("/api/v1/events/{id}/updates"),
                Some(&token),
                &json!({"kind": kind, "text": text, "audience": audience}),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (status, rsvp) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/rsvps"),
            None,
            &json!({"pseudonym": "Heron", "role": "medic", "needs": "A chair", "email": "heron@example.org"}),
        )
        .await;
    assert_eq!(status, 201, "{rsvp}");
    let manage = format!("/r/{}", rsvp["token"].as_str().expect("token"));
    // The organizer's home: someone waiting for a decision, and an event that has ended.
    let vetted = app
        .create_event(
            &token,
            event_fields(
                "Peer support circle",
                3,
                json!({"approval_required": true, "capacity": 8,
                       "questions": [
                           {"label": "Your pronouns?", "kind": "text"},
                           {"label": "Which session?", "kind": "choice", "options": ["Morning", "Evening"], "required": true},
                           {"label": "First time with us?", "kind": "yes_no"}
                       ]}),
            ),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    app.rsvp_api(
        &vetted,
        json!({"pseudonym": "Wren", "guests": 1, "needs": "Quiet seat",
               "answers": {"q1": "she/her", "q2": "Evening", "q3": "yes"}}),
    )
    .await;
    let ended = app
        .create_event(&token, event_fields("Last month's workshop", 1, json!({})))
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    app.end_event(&ended);
    // A weekly series: its page lists the next dates, its editor every date and the scope.
    let series = app
        .create_event(
            &token,
            event_fields(
                "Drop-in hours",
                4,
                json!({"repeat": {"frequency": "weekly", "count": 3}}),
            ),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    // An invitation-only event, and a code for it.
    let private = app
        .create_event(
            &token,
            event_fields(
                "Sex workers only: safety circle",
                4,
                json!({"access": "invite", "cover_title": "Tuesday tea",
                       "who_for": "Sex workers and former sex workers only"}),
            ),
        )
        .await["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (status, invite) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{private}/invites"),
            Some(&token),
            &json!({"uses": 10}),
        )
        .await;
    assert_eq!(status, 201, "{invite}");
    let invited = invite["url"].as_str().expect("url").to_string();

    let session = driver.session(SessionOptions::default()).await;
    session.open(&app.url("/")).await;
    let viewport = session
        .script("return [window.innerWidth, window.innerHeight];")
        .await;
    assert_eq!(viewport, json!([PHONE.0, PHONE.1]), "a phone-sized page");
    let mut findings = Vec::new();
    let public: [(&str, String, bool); 12] = [
        ("home", "/".into(), true),
        ("event", format!("/events/{id}"), true),
        ("series-event", format!("/events/{series}"), true),
        ("event-questions", format!("/events/{vetted}"), true),
        ("event-invite-outline", format!("/events/{private}"), true),
        ("event-invited", invited.clone(), true),
        (
            "event-invite-wrong",
            format!("/events/{private}?invite=0000-1111-2222-3333-4444"),
            false,
        ),
        ("manage", format!("{manage}?new=1"), true),
        ("live", format!("/events/{id}/live"), true),
        ("attendee-live", format!("{manage}/live"), false),
        ("unsubscribe", format!("{manage}/unsubscribe"), false),
        ("error", "/events/no-such-event".into(), false),
    ];
    for (name, path, screenshot) in &public {
        session.open(&app.url(path)).await;
        check_page(&app, &axe, &session, name, *screenshot, &mut findings).await;
    }
    // The pages of questions and invitations in Spanish, before signing in (an organizer is
    // shown an invitation-only event whole).
    for (name, path) in [
        ("event-questions-es", format!("/events/{vetted}?lang=es")),
        (
            "event-invite-outline-es",
            format!("/events/{private}?lang=es"),
        ),
        ("event-invited-es", format!("{invited}&lang=es")),
    ] {
        session.open(&app.url(&path)).await;
        assert_eq!(session.page_language().await, "es", "{name}");
        check_page(&app, &axe, &session, name, false, &mut findings).await;
    }
    session
        .open(&app.url(&format!("/events/{private}?lang=es")))
        .await;
    assert!(
        !session
            .page_text()
            .await
            .contains("Sex workers only: safety circle"),
        "the outline, not the event"
    );
    // The RSVP form's questions with a mistake (the required choice left out), in Spanish.
    session.open(&app.url(&format!("/events/{vetted}"))).await;
    session.type_into("#pseudonym", "Garza").await;
    session
        .click(&format!(
            "form[action=\"/events/{vetted}/rsvp\"] button[type=submit]"
        ))
        .await;
    session.wait_for_text("main", "Hay un problema").await;
    check_page(
        &app,
        &axe,
        &session,
        "event-questions-error-es",
        false,
        &mut findings,
    )
    .await;
    session.open(&app.url("/?lang=en")).await;
    // The RSVP form with a mistake: the error summary and the field's message.
    session.open(&app.url(&format!("/events/{id}"))).await;
    session
        .click(&format!(
            "form[action=\"/events/{id}/rsvp\"] button[type=submit]"
        ))
        .await;
    session.wait_for_text("main", "There is a problem").await;
    check_page(&app, &axe, &session, "event-error", false, &mut findings).await;

    session.open(&app.url("/organize/login")).await;
    check_page(&app, &axe, &session, "login", false, &mut findings).await;
    session.type_into("#handle", "ximena").await;
    session.type_into("#password", "not the password").await;
    session
        .click("form[action=\"/organize/login\"] button[type=submit]")
        .await;
    session.wait_for_text("main", "There is a problem").await;
    check_page(&app, &axe, &session, "login-error", false, &mut findings).await;
    session.type_into("#password", &one_time).await;
    session
        .click("form[action=\"/organize/login\"] button[type=submit]")
        .await;
    session.wait_for_path("/organize/password").await;
    check_page(&app, &axe, &session, "password", false, &mut findings).await;
    session.type_into("#current", &one_time).await;
    session.type_into("#password", TestApp::PASSWORD).await;
    session.type_into("#confirm", TestApp::PASSWORD).await;
    session
        .click("form[action=\"/organize/password\"] button[type=submit]")
        .await;
    session.wait_for_path("/organize").await;

    let organizer: [(&str, String, bool); 15] = [
        (
            "invites",
            format!("/organize/events/{private}/invites"),
            true,
        ),
        (
            "rsvp-list-answers",
            format!("/organize/events/{vetted}/rsvps"),
            false,
        ),
        ("dashboard", "/organize".into(), true),
        ("event-hub", format!("/organize/events/{id}"), true),
        (
            "event-hub-pending",
            format!("/organize/events/{vetted}"),
            true,
        ),
        ("past-events", "/organize/past".into(), true),
        (
            "event-editor-copy",
            format!("/organize/events/{id}/copy"),
            false,
        ),
        ("event-editor-new", "/organize/events/new".into(), false),
        ("event-editor", format!("/organize/events/{id}/edit"), true),
        (
            "series-editor",
            format!("/organize/events/{series}/edit"),
            true,
        ),
        ("live-console", format!("/organize/events/{id}/live"), true),
        ("rsvp-list", format!("/organize/events/{id}/rsvps"), true),
        ("account", "/organize/account".into(), false),
        ("organizers", "/organize/organizers".into(), false),
        ("audit", "/organize/audit".into(), false),
    ];
    for (name, path, screenshot) in &organizer {
        session.open(&app.url(path)).await;
        assert_eq!(&session.path().await, path, "{name} opens");
        check_page(&app, &axe, &session, name, *screenshot, &mut findings).await;
        // Organizers run actions from a phone: nothing scrolls sideways.
        let widths = session
            .script("return [document.documentElement.scrollWidth, window.innerWidth];")
            .await;
        assert!(
            widths[0].as_u64() <= widths[1].as_u64(),
            "{name} scrolls sideways on a phone: {widths}"
        );
    }
    // The event form without a reveal time until "from a set time" is chosen (no script).
    session.open(&app.url("/organize/events/new")).await;
    let shown = "return document.getElementById('location_reveal_at').offsetParent !== null;";
    assert_eq!(session.script(shown).await, json!(false), "hidden at first");
    session.click("#privacy-reveal_at").await;
    assert_eq!(
        session.script(shown).await,
        json!(true),
        "asked once chosen"
    );
    check_page(
        &app,
        &axe,
        &session,
        "event-editor-reveal",
        false,
        &mut findings,
    )
    .await;
    // The event form with mistakes: a question with one option, on an occurrence's editor.
    session
        .open(&app.url(&format!("/organize/events/{series}/edit")))
        .await;
    session.type_into("#question_label-1", "Which day?").await;
    session.set_value("#question_kind-1", "choice").await;
    session.type_into("#question_options-1", "Only one").await;
    session
        .click(&format!(
            "form[action=\"/organize/events/{series}\"] button[type=submit]"
        ))
        .await;
    session.wait_for_text("main", "There is a problem").await;
    assert_eq!(
        session
            .script("return !!document.querySelector('.error-summary a[href=\"#questions\"]');")
            .await,
        json!(true),
        "the summary links the questions"
    );
    check_page(
        &app,
        &axe,
        &session,
        "event-editor-error",
        false,
        &mut findings,
    )
    .await;
    // The same in Spanish.
    for (name, path) in [
        (
            "invites-es",
            format!("/organize/events/{private}/invites?lang=es"),
        ),
        (
            "rsvp-list-answers-es",
            format!("/organize/events/{vetted}/rsvps?lang=es"),
        ),
        ("dashboard-es", "/organize?lang=es".to_string()),
        ("series-event-es", format!("/events/{series}?lang=es")),
        (
            "series-editor-es",
            format!("/organize/events/{series}/edit?lang=es"),
        ),
        ("event-editor-new-es", "/organize/events/new?lang=es".into()),
        ("event-hub-es", format!("/organize/events/{vetted}?lang=es")),
        ("past-events-es", "/organize/past?lang=es".into()),
    ] {
        session.open(&app.url(&path)).await;
        assert_eq!(session.page_language().await, "es", "{name}");
        check_page(&app, &axe, &session, name, false, &mut findings).await;
    }
    // A new code, shown this once, in Spanish.
    session
        .open(&app.url(&format!("/organize/events/{private}/invites")))
        .await;
    session
        .click(&format!(
            "form[action=\"/organize/events/{private}/invites\"] button[type=submit]"
        ))
        .await;
    session.find("#invite-code").await;
    assert_eq!(session.page_language().await, "es");
    check_page(
        &app,
        &axe,
        &session,
        "invites-new-code-es",
        false,
        &mut findings,
    )
    .await;
    // The new-event form with a series of 53 dates (at most 52), in Spanish.
    session.open(&app.url("/organize/events/new")).await;
    let day = (chrono::Utc::now() + chrono::Duration::days(6)).date_naive();
    session.type_into("#title", "Círculo de apoyo").await;
    session
        .set_value("#starts_at", &format!("{day}T18:00"))
        .await;
    session.set_value("#ends_at", &format!("{day}T20:00")).await;
    session
        .set_value("[id=\"repeat.frequency\"]", "weekly")
        .await;
    session.set_value("[id=\"repeat.count\"]", "53").await;
    session
        .click("form[action=\"/organize/events\"] button[type=submit]")
        .await;
    session.wait_for_text("main", "Hay un problema").await;
    assert_eq!(
        session
            .script("return !!document.querySelector('.error-summary a[href=\"#repeat.count\"]');")
            .await,
        json!(true),
        "the summary links the count"
    );
    check_page(
        &app,
        &axe,
        &session,
        "event-editor-error-es",
        false,
        &mut findings,
    )
    .await;
    session.open(&app.url("/organize?lang=en")).await;

    // Two-step sign-in: its setup, the recovery codes shown once, and the second sign-in step.
    session.open(&app.url("/organize/account")).await;
    session
        .click("form[action=\"/organize/account/totp/start\"] button[type=submit]")
        .await;
    session.wait_for_text("main", "authenticator app").await;
    check_page(
        &app,
        &axe,
        &session,
        "account-totp-setup",
        false,
        &mut findings,
    )
    .await;
    let secret: String = session
        .text("#totp-secret")
        .await
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    session
        .type_into("#code", &umbrella_tests::totp_code_at(&secret, 0))
        .await;
    session
        .click("form[action=\"/organize/account/totp/confirm\"] button[type=submit]")
        .await;
    session.wait_for_text("main", "recovery codes").await;
    check_page(
        &app,
        &axe,
        &session,
        "account-recovery-codes",
        false,
        &mut findings,
    )
    .await;
    session
        .click("form[action=\"/organize/logout\"] button[type=submit]")
        .await;
    session.wait_for_path("/").await;
    session.open(&app.url("/organize/login")).await;
    session.type_into("#handle", "ximena").await;
    session.type_into("#password", TestApp::PASSWORD).await;
    session
        .click("form[action=\"/organize/login\"] button[type=submit]")
        .await;
    session.wait_for_path("/organize/login/code").await;
    check_page(&app, &axe, &session, "login-code", false, &mut findings).await;
    session.type_into("#code", "000000").await;
    session
        .click("form[action=\"/organize/login/code\"] button[type=submit]")
        .await;
    session.wait_for_text("main", "There is a problem").await;
    check_page(
        &app,
        &axe,
        &session,
        "login-code-error",
        false,
        &mut findings,
    )
    .await;
    session.close().await;

    let report: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{}:\n  {}\n  everything axe reported: {:#}",
                f.page,
                f.serious.join("\n  "),
                f.all
            )
        })
        .collect();
    assert!(
        findings.is_empty(),
        "serious or critical accessibility violations:\n{}",
        report.join("\n\n")
    );
}

/// The door volunteer's list and the confirm page: filter as you type, one tap to mark arrival
/// (with and without JavaScript), "I'm still coming", and axe on each page in light and dark,
/// the organizer's door-link page included.
async fn the_door_list_and_the_confirm_page_in_a_browser(app: TestApp) {
    let Some(axe) = Axe::load() else {
        return;
    };
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let one_time = app.create_organizer("dora").await;
    let token = app.token_for("dora").await;
    let event = app
        .create_event(
            &token,
            event_fields(
                "Street medic training",
                2,
                json!({"kind": "action", "roles": ["medic"]}),
            ),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let mut tokens = Vec::new();
    for body in [
        json!({"pseudonym": "Heron", "guests": 1, "role": "medic", "needs": "A chair"}),
        json!({"pseudonym": "Robin"}),
        json!({"pseudonym": "Rook"}),
    ] {
        tokens.push(app.rsvp_api(&id, body).await);
    }
    // A door list as long as a busy night's.
    for n in 1..=40 {
        app.rsvp_api(&id, json!({"pseudonym": format!("Person {n}")}))
            .await;
    }
    let (status, link) = app
        .send_json(
            Method::POST,
            &format!("/api/v1/events/{id}/door-links"),
            Some(&token),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{link}");
    let door = link["url"].as_str().expect("url").to_string();
    // The names the list shows now, as a script expression.
    let visible = "Array.from(document.querySelectorAll('li[data-name]'))\
        .filter(function (li) { return !li.hidden; })\
        .map(function (li) { return li.getAttribute('data-name'); }).join(',')";
    let mut findings = Vec::new();

    let session = driver.session(SessionOptions::default()).await;
    session.open(&app.url(&door)).await;
    assert!(!session.page_text().await.contains("A chair"));
    check_page(&app, &axe, &session, "door", true, &mut findings).await;
    // Light enough for a cheap phone: no sideways scrolling at 320 px, and small on the wire.
    session.viewport_width(320).await;
    session.open(&app.url(&door)).await;
    let widths = session
        .script("return [document.documentElement.scrollWidth, window.innerWidth];")
        .await;
    assert!(
        widths[0].as_u64() <= widths[1].as_u64(),
        "scrolls sideways: {widths}"
    );
    let bytes = session
        .script(
            "return performance.getEntriesByType('navigation').concat(\
             performance.getEntriesByType('resource'))\
             .reduce((sum, e) => sum + e.encodedBodySize, 0);",
        )
        .await
        .as_u64()
        .expect("a byte count");
    assert!(
        bytes > 0 && bytes < 30 * 1024,
        "the door list of 43 weighs {bytes} bytes"
    );
    // Filter as you type: the list narrows with each key, without a request.
    session.type_into("#q", "rob").await;
    session
        .wait_for_script(
            &format!("return ({visible}) === 'robin';"),
            "the list narrows to Robin",
        )
        .await;
    session
        .click("li[data-name=\"robin\"] button[type=submit]")
        .await;
    let landed = session
        .wait_for_path_where(|path| path.contains("arrived="), "the list after the tap")
        .await;
    assert!(landed.ends_with("&q=rob"), "the search is kept: {landed}");
    let text = session.page_text().await;
    assert!(text.contains("Robin is marked arrived."), "{text}");
    assert!(text.contains("1 of 43 arrived"), "{text}");
    check_page(&app, &axe, &session, "door-searched", false, &mut findings).await;

    // The confirm page the day-ahead reminder links to.
    session
        .open(&app.url(&format!("/r/{}?confirm", tokens[0])))
        .await;
    check_page(&app, &axe, &session, "confirm", true, &mut findings).await;
    session
        .click("section.confirm input[value=\"reconfirm\"] + button")
        .await;
    session
        .wait_for_text("main", "the organizers know you are still coming")
        .await;

    // The organizer's door links: make one from the page, shown once.
    sign_in(&app, &session, "dora", &one_time).await;
    session
        .open(&app.url(&format!("/organize/events/{id}/door")))
        .await;
    check_page(&app, &axe, &session, "door-links", true, &mut findings).await;
    session
        .click(&format!(
            "form[action=\"/organize/events/{id}/door\"] button[type=submit]"
        ))
        .await;
    session.wait_for_text("main", "shown only this once").await;
    check_page(&app, &axe, &session, "door-links-new", false, &mut findings).await;
    session.close().await;

    // Without JavaScript: the plain search, and the tap.
    let session = driver.session(SessionOptions::javascript_off()).await;
    session.open(&app.url(&format!("{door}?q=her"))).await;
    let shown = session.script(&format!("return {visible};")).await;
    assert_eq!(shown, json!("heron"), "the server's search");
    session
        .click("li[data-name=\"heron\"] button[type=submit]")
        .await;
    session
        .wait_for_path_where(|path| path.contains("arrived="), "the list after the tap")
        .await;
    assert!(session
        .page_text()
        .await
        .contains("Heron is marked arrived."));
    session.close().await;

    let report: Vec<String> = findings
        .iter()
        .map(|f| format!("{}:\n  {}", f.page, f.serious.join("\n  ")))
        .collect();
    assert!(
        findings.is_empty(),
        "serious or critical accessibility violations:\n{}",
        report.join("\n\n")
    );
}

on_both_databases!(
    the_door_list_and_the_confirm_page_in_a_browser,
    a_newcomer_rsvps_and_cancels_in_a_browser,
    the_same_rsvp_works_with_javascript_off,
    an_organizers_update_reaches_an_open_live_page,
    escape_twice_leaves_without_a_trace,
    spanish_pages_render_in_spanish,
    public_pages_fit_a_small_screen_and_weigh_little,
    the_live_page_keeps_the_plan_when_signal_is_lost,
);

// The pages with the email field are checked too, so this server sends email (into files).
on_both_databases!(with umbrella_tests::MAIL_FILES => every_page_passes_axe_in_light_and_dark);
