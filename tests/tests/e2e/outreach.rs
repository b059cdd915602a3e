//! Outreach: the printable flyer (its QR code drawn to pixels and read back, as a phone would),
//! the Atom feed read by an independent feed reader, and the listing other websites frame. Each
//! shows only what the public may see: no hidden location, no unlisted event.

use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use umbrella_tests::browser::{Axe, Chromedriver, Session, SessionOptions};
use umbrella_tests::qr::{decode_svg, svg_in};
use umbrella_tests::{event_fields, on_both_databases, parse_feed, Backend, TestApp};

async fn an_event(app: &TestApp, token: &str, title: &str, days: i64, extra: Value) -> String {
    let event = app
        .create_event(token, event_fields(title, days, extra))
        .await;
    event["id"].as_str().expect("id").to_string()
}

/// A page, its status, and its `Content-Type`.
async fn page(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.get(&app.client(), path).await;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, content_type, response.text().await.expect("body"))
}

/// What the flyer's QR code says, read from its pixels.
fn flyer_code(html: &str) -> Vec<String> {
    let svg = svg_in(html, "aria-label=\"QR code").expect("the flyer has a QR code");
    decode_svg(&svg)
}

async fn the_flyer_prints_what_the_public_may_see_and_its_code_opens_the_event(app: TestApp) {
    let token = app.organizer_token().await;
    // Unlisted: not on the home page, but a flyer works by link like its page does.
    let id = an_event(
        &app,
        &token,
        "Know your rights",
        3,
        json!({"accessibility": "Step-free entrance. ASL interpretation.", "visibility": "unlisted"}),
    )
    .await;
    let (status, content_type, html) = page(&app, &format!("/events/{id}/flyer")).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/html; charset=utf-8");
    for shown in [
        "Know your rights",
        "Community room, 12 Main St",
        "Step-free entrance. ASL interpretation.",
        "Times are in America/Chicago.",
        &app.url(&format!("/events/{id}")),
    ] {
        assert!(html.contains(shown), "the flyer shows {shown:?}");
    }
    assert_eq!(
        flyer_code(&html),
        vec![app.url(&format!("/events/{id}"))],
        "the code opens the event's page"
    );
    assert!(!html.contains("<img"), "drawn inline, nothing to fetch");
    let (_, _, home) = page(&app, "/").await;
    assert!(!home.contains(&id), "still unlisted");

    // The organizer's event page links to it.
    let browser = app.signed_in_browser("rosa").await;
    let editor = app
        .get(&browser, &format!("/organize/events/{id}/edit"))
        .await
        .text()
        .await
        .expect("body");
    assert!(editor.contains(&format!("href=\"/events/{id}/flyer\"")));
    assert!(
        !editor.contains("flyer?cover=1"),
        "no discreet flyer without a cover title"
    );

    let (status, _, _) = page(&app, "/events/no-such-event/flyer").await;
    assert_eq!(status, 404);
    let (status, _, _) = page(&app, &format!("/events/{id}/flyer?cover=maybe")).await;
    assert_eq!(status, 422, "cover is 1 or 0");
}

async fn the_discreet_flyer_keeps_the_place_and_the_real_title_out(app: TestApp) {
    let token = app.organizer_token().await;
    let id = an_event(
        &app,
        &token,
        "Decriminalization rally",
        3,
        json!({"kind": "action", "cover_title": "Saturday picnic",
               "location": "The back room, 5 Elm St", "location_privacy": "attendees",
               "description": "March on city hall", "accessibility": "Quiet room available."}),
    )
    .await;
    let event_url = app.url(&format!("/events/{id}"));

    let (status, _, real) = page(&app, &format!("/events/{id}/flyer")).await;
    assert_eq!(status, 200);
    assert!(real.contains("Decriminalization rally"));
    assert!(
        real.contains("Location shared with attendees"),
        "says where to find it"
    );
    assert!(!real.contains("The back room"), "the place stays hidden");
    assert!(real.contains(&format!("/events/{id}/flyer?cover=1")));
    assert_eq!(flyer_code(&real), vec![event_url.clone()]);

    let (status, _, discreet) = page(&app, &format!("/events/{id}/flyer?cover=1")).await;
    assert_eq!(status, 200);
    assert!(discreet.contains("<title>Saturday picnic · Umbrella</title>"));
    assert!(discreet.contains("Quiet room available."));
    for hidden in [
        "Decriminalization",
        "March on city hall",
        "The back room",
        ">Action<",
    ] {
        assert!(
            !discreet.contains(hidden),
            "the discreet flyer says {hidden:?}"
        );
    }
    assert_eq!(flyer_code(&discreet), vec![event_url]);

    // Without a cover title, the discreet flyer uses neutral words.
    let plain = an_event(&app, &token, "Sex work and the law", 4, json!({})).await;
    let (_, _, neutral) = page(&app, &format!("/events/{plain}/flyer?cover=1")).await;
    assert!(neutral.contains("Community gathering"));
    assert!(!neutral.contains("Sex work and the law"));

    let browser = app.signed_in_browser("rosa").await;
    let editor = app
        .get(&browser, &format!("/organize/events/{id}/edit"))
        .await
        .text()
        .await
        .expect("body");
    assert!(editor.contains(&format!("href=\"/events/{id}/flyer?cover=1\"")));
}

const ATOM: &str = "application/atom+xml; charset=utf-8";

async fn atom(app: &TestApp, path: &str) -> Vec<u8> {
    let response = app.get(&app.client(), path).await;
    assert_eq!(response.status(), 200, "{path}");
    assert_eq!(response.headers()["content-type"], ATOM);
    response.bytes().await.expect("body").to_vec()
}

fn entries(parsed: &Value) -> &Vec<Value> {
    parsed["entries"].as_array().expect("entries")
}

fn entry<'a>(parsed: &'a Value, id: &str) -> &'a Value {
    let wanted = format!("urn:uuid:{id}");
    entries(parsed)
        .iter()
        .find(|entry| entry["id"] == wanted.as_str())
        .unwrap_or_else(|| panic!("no entry {wanted} in {parsed:#}"))
}

async fn the_atom_feed_reads_in_a_feed_reader_and_keeps_secrets(app: TestApp) {
    let token = app.organizer_token().await;
    let open = an_event(
        &app,
        &token,
        "Rights & <wrongs> ✊🏽",
        2,
        json!({"description": "Bring *questions*."}),
    )
    .await;
    let covered = an_event(
        &app,
        &token,
        "Decriminalization rally",
        4,
        json!({"kind": "action", "cover_title": "Saturday picnic",
               "location": "The back room, 5 Elm St", "location_privacy": "attendees",
               "description": "March on city hall", "tags": ["rally"]}),
    )
    .await;
    let unlisted = an_event(
        &app,
        &token,
        "Private planning meeting",
        3,
        json!({"visibility": "unlisted"}),
    )
    .await;

    let bytes = atom(&app, "/feed.atom").await;
    let raw = String::from_utf8(bytes.clone()).expect("UTF-8");
    for secret in [
        "The back room",
        "Decriminalization",
        "March on city hall",
        "Private planning",
        unlisted.as_str(),
    ] {
        assert!(!raw.contains(secret), "the feed gives away {secret:?}");
    }
    let Some(parsed) = parse_feed(&bytes) else {
        return;
    };
    assert_eq!(parsed["id"], app.url("/feed.atom"));
    assert_eq!(parsed["language"], "en");
    let links = parsed["links"].as_array().expect("links");
    assert!(links
        .iter()
        .any(|l| l["rel"] == "self" && l["href"] == app.url("/feed.atom")));
    assert!(links
        .iter()
        .any(|l| l["rel"] == "alternate" && l["href"] == app.url("/")));
    assert_eq!(entries(&parsed).len(), 2, "listed upcoming events only");

    let first = entry(&parsed, &open);
    assert_eq!(
        first["title"], "Rights & <wrongs> ✊🏽",
        "escaped and read back"
    );
    assert_eq!(first["link"], app.url(&format!("/events/{open}")));
    assert!(first["updated"].is_string() && first["published"].is_string());
    assert!(first["summary"]
        .as_str()
        .is_some_and(|s| s.contains("Community room, 12 Main St")));
    assert!(
        first["content"][0]
            .as_str()
            .is_some_and(|c| c.contains("<em>questions</em>")),
        "{first:#}"
    );
    assert_eq!(first["tags"], json!(["workshop", "legal"]));

    let discreet = entry(&parsed, &covered);
    assert_eq!(discreet["title"], "Saturday picnic");
    assert_eq!(discreet["content"], json!([]), "no description");
    assert_eq!(discreet["tags"], json!([]), "nothing that says what it is");
    assert!(discreet["summary"]
        .as_str()
        .is_some_and(|s| s.contains("Location shared with attendees")));

    // An edit keeps the entry's id and moves its `updated`; the feed answers 304 when unchanged.
    let before = first["updated"].as_str().expect("updated").to_string();
    let (status, _) = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/events/{open}"),
            Some(&token),
            &json!({"title": "Rights, again"}),
        )
        .await;
    assert_eq!(status, 200);
    let after = parse_feed(&atom(&app, "/feed.atom").await).expect("parsed");
    let edited = entry(&after, &open);
    assert_eq!(edited["title"], "Rights, again");
    let moment = |text: &str| chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
    assert!(moment(edited["updated"].as_str().expect("updated")) > moment(&before));
    assert_eq!(
        entry(&after, &covered)["updated"],
        discreet["updated"],
        "the other entry did not change"
    );
    let response = app.get(&app.client(), "/feed.atom").await;
    let etag = response.headers()["etag"].clone();
    let again = app
        .client()
        .get(app.url("/feed.atom"))
        .header("If-None-Match", etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);

    // The home page tells browsers and feed readers where the feed is.
    let (_, _, home) = page(&app, "/").await;
    assert!(home.contains(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"News feed (Atom) of these events\" href=\"/feed.atom\">"
    ));
}

async fn the_atom_feed_filters_like_the_home_page(app: TestApp) {
    let token = app.organizer_token().await;
    let workshop = an_event(&app, &token, "Legal clinic", 2, json!({})).await;
    let action = an_event(
        &app,
        &token,
        "March",
        3,
        json!({"kind": "action", "tags": ["Rally"]}),
    )
    .await;
    let ids = |parsed: &Value| -> Vec<String> {
        entries(parsed)
            .iter()
            .map(|e| e["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let urn = |id: &str| format!("urn:uuid:{id}");
    let Some(actions) = parse_feed(&atom(&app, "/feed.atom?kind=action").await) else {
        return;
    };
    assert_eq!(ids(&actions), vec![urn(&action)]);
    assert_eq!(actions["id"], app.url("/feed.atom?kind=action"));
    let legal = parse_feed(&atom(&app, "/feed.atom?tag=LEGAL").await).expect("parsed");
    assert_eq!(ids(&legal), vec![urn(&workshop)], "tags compare lower-case");
    let both = parse_feed(&atom(&app, "/feed.atom?kind=action&tag=rally").await).expect("parsed");
    assert_eq!(ids(&both), vec![urn(&action)]);
    let none = parse_feed(&atom(&app, "/feed.atom?kind=training").await).expect("parsed");
    assert_eq!(
        ids(&none),
        Vec::<String>::new(),
        "an empty feed is still a feed"
    );
    // Whatever a filter holds, the feed stays well-formed XML.
    let odd = parse_feed(&atom(&app, "/feed.atom?tag=%00%1B%3C%26x").await).expect("parsed");
    assert_eq!(odd["title"], "Upcoming events · #<&x");
    for path in [
        "/feed.atom?kind=party",
        "/?kind=party",
        "/calendar.ics?kind=party",
    ] {
        let (status, _, _) = page(&app, path).await;
        assert_eq!(status, 422, "{path}: refused alike");
    }
    let (_, _, home) = page(&app, "/?kind=action").await;
    assert!(home.contains("href=\"/feed.atom?kind=action\""));
}

/// The origins the embedding stories allow.
const EMBED: [&str; 2] = [
    "--embed-origins",
    "https://our-group.example, https://www.our-group.example/",
];
const FRAME_ANCESTORS: &str =
    "frame-ancestors https://our-group.example https://www.our-group.example";

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn the_embed_does_not_exist_without_origins(app: TestApp) {
    for path in ["/embed", "/embed?kind=action", "/embed?lang=es"] {
        let response = app.get(&app.client(), path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(
            header(&response, "x-frame-options").as_deref(),
            Some("DENY")
        );
        assert_eq!(header(&response, "set-cookie"), None, "{path}");
    }
}

async fn the_embed_is_framable_only_by_its_origins(app: TestApp) {
    let token = app.organizer_token().await;
    let open = an_event(
        &app,
        &token,
        "Know your rights",
        2,
        json!({"capacity": 10, "count_display": "exact"}),
    )
    .await;
    app.rsvp_api(&open, json!({"pseudonym": "Wren", "guests": 2}))
        .await;
    an_event(
        &app,
        &token,
        "Street medic training",
        3,
        json!({"location": "The back room, 5 Elm St", "location_privacy": "attendees"}),
    )
    .await;
    an_event(
        &app,
        &token,
        "Private planning meeting",
        4,
        json!({"visibility": "unlisted"}),
    )
    .await;

    let response = app.get(&app.client(), "/embed").await;
    assert_eq!(response.status(), 200);
    let policy = header(&response, "content-security-policy").expect("a policy");
    assert!(policy.ends_with(FRAME_ANCESTORS), "{policy}");
    assert!(
        policy.contains("default-src 'self'"),
        "otherwise as strict: {policy}"
    );
    assert_eq!(policy.matches("frame-ancestors").count(), 1);
    assert_eq!(header(&response, "x-frame-options"), None);
    assert_eq!(header(&response, "set-cookie"), None);
    let html = response.text().await.expect("body");
    assert!(html.contains("Know your rights") && html.contains("Community room, 12 Main St"));
    assert!(
        html.contains("Street medic training") && html.contains("Location shared with attendees")
    );
    assert!(!html.contains("The back room"), "the place stays hidden");
    assert!(!html.contains("Private planning"), "unlisted stays off");
    assert!(
        !html.contains("going") && !html.contains(" left"),
        "no counts, as on the home page"
    );
    assert!(!html.contains("<script"), "nothing runs in the frame");
    let links = html.matches("<a ").count();
    assert!(links >= 3, "the events and the way to the rest");
    assert_eq!(
        html.matches("target=\"_top\"").count(),
        links,
        "every link leaves the frame"
    );

    // Not even the language cookie (`?lang=` sets it on every other page).
    let spanish = app.get(&app.client(), "/embed?lang=es").await;
    assert_eq!(header(&spanish, "set-cookie"), None);
    assert!(spanish
        .text()
        .await
        .expect("body")
        .contains("<html lang=\"es\">"));
    let home = app.get(&app.client(), "/?lang=es").await;
    assert!(header(&home, "set-cookie").is_some_and(|c| c.starts_with("lang=es")));
    // Nor when it refuses: a bad filter is 422 and still sets nothing.
    let refused = app.get(&app.client(), "/embed?kind=party&lang=es").await;
    assert_eq!(refused.status(), 422);
    assert_eq!(header(&refused, "set-cookie"), None);

    // Every other page still refuses every frame.
    for path in ["/", &format!("/events/{open}"), "/embed?kind=party"] {
        let response = app.get(&app.client(), path).await;
        assert_eq!(
            header(&response, "x-frame-options").as_deref(),
            Some("DENY"),
            "{path}"
        );
        let policy = header(&response, "content-security-policy").unwrap_or_default();
        assert!(
            policy.ends_with("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
    }
    let filtered = app.get(&app.client(), "/embed?kind=action").await;
    assert_eq!(filtered.status(), 200);
    assert!(!filtered
        .text()
        .await
        .expect("body")
        .contains("Know your rights"));
    let (status, _, _) = page(&app, "/embed?kind=party").await;
    assert_eq!(status, 422);
}

on_both_databases!(
    the_flyer_prints_what_the_public_may_see_and_its_code_opens_the_event,
    the_discreet_flyer_keeps_the_place_and_the_real_title_out,
    the_atom_feed_reads_in_a_feed_reader_and_keeps_secrets,
    the_atom_feed_filters_like_the_home_page,
    the_embed_does_not_exist_without_origins,
);
on_both_databases!(with super::EMBED => the_embed_is_framable_only_by_its_origins);

/// Pages in PDF `pdf` has.
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .filter(|(at, found)| !text[at + found.len()..].starts_with('s'))
        .count()
}

/// axe in light and dark on the page (or frame) shown; the serious findings.
async fn axe_findings(axe: &Axe, session: &Session, name: &str) -> Vec<String> {
    let mut findings = Vec::new();
    for dark in [false, true] {
        session.color_scheme(dark).await;
        let label = format!("{name} ({})", if dark { "dark" } else { "light" });
        if let Some(finding) = axe.check(session, &label).await {
            findings.push(format!(
                "{}: {} {:#}",
                finding.page,
                finding.serious.join("; "),
                finding.all
            ));
        }
    }
    session.color_scheme(false).await;
    findings
}

async fn the_flyer_passes_axe_and_prints_on_one_page(app: TestApp) {
    let Some(axe) = Axe::load() else {
        return;
    };
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let token = app.organizer_token().await;
    let long = "Community legal clinic and know-your-rights training for everyone who works";
    let id = an_event(
        &app,
        &token,
        long,
        3,
        json!({"cover_title": "Saturday meetup", "tags": ["legal"],
               "accessibility": "Step-free entrance from Elm St. ASL interpretation. Childcare in the room next door. A quiet room. Scent-free space, please.",
               "location": "Community room, second floor, 1234 West Martin Luther King Jr Boulevard, Springfield"}),
    )
    .await;
    let session = driver.session(SessionOptions::default()).await;
    let mut findings = Vec::new();
    for (name, path) in [
        ("flyer", format!("/events/{id}/flyer")),
        ("flyer-cover", format!("/events/{id}/flyer?cover=1")),
    ] {
        session.open(&app.url(&path)).await;
        findings.extend(axe_findings(&axe, &session, name).await);
        session.screenshot(app.backend, name).await;
        for (paper, size) in [
            ("A4", fantoccini::wd::PrintSize::A4),
            ("Letter", fantoccini::wd::PrintSize::US_LETTER),
        ] {
            let pdf = session
                .client
                .print(
                    fantoccini::wd::PrintConfiguration::builder()
                        .size(size)
                        .build()
                        .expect("print settings"),
                )
                .await
                .expect("printed");
            assert_eq!(pdf_pages(&pdf), 1, "{name} on {paper}: one page");
            let kept = umbrella_tests::browser::screenshot_dir(app.backend)
                .join(format!("{name}-{paper}.pdf"));
            std::fs::write(&kept, &pdf).expect("the PDF kept beside the screenshots");
        }
        // And a picture of the printed sheet: print styles at A4's width (794 CSS pixels).
        session.viewport_width(794).await;
        session
            .devtools("Emulation.setEmulatedMedia", json!({"media": "print"}))
            .await;
        session
            .screenshot(app.backend, &format!("{name}-print"))
            .await;
        session
            .devtools("Emulation.setEmulatedMedia", json!({"media": ""}))
            .await;
        session
            .viewport_width(umbrella_tests::browser::PHONE.0)
            .await;
    }
    session.close().await;
    assert!(findings.is_empty(), "axe:\n{}", findings.join("\n\n"));
}

on_both_databases!(the_flyer_passes_axe_and_prints_on_one_page);

/// A website of the group's own on `127.0.0.1:{port}` (and the same port as `localhost`, another
/// origin), whose page frames `frame_src`.
async fn host_site(listener: tokio::net::TcpListener, frame_src: String) {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Our group</title></head><body><main>\
         <h1>Our group</h1><iframe src=\"{frame_src}\" title=\"Upcoming events\" \
         width=\"360\" height=\"600\"></iframe></main></body></html>"
    );
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let body = body.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request).await;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        });
    }
}

/// The listing inside a real frame: shown on the allowed site (axe-clean, no cookie, its link
/// opening in the top window), refused on any other.
async fn the_embed_works_inside_an_allowed_site_only(backend: Backend) {
    let Some(axe) = Axe::load() else {
        return;
    };
    let Some(driver) = Chromedriver::start().await else {
        return;
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port for the host site");
    let port = listener.local_addr().expect("address").port();
    let allowed = format!("http://127.0.0.1:{port}");
    let Some(app) = TestApp::spawn_with(backend, &["--embed-origins", allowed.as_str()]).await
    else {
        return;
    };
    let token = app.organizer_token().await;
    let id = an_event(&app, &token, "Know your rights", 2, json!({})).await;
    tokio::spawn(host_site(listener, app.url("/embed?lang=es")));

    let session = driver.session(SessionOptions::default()).await;
    session.open(&format!("{allowed}/")).await;
    session.client.enter_frame(0).await.expect("into the frame");
    let inside = session
        .wait_for_script(
            "return document.querySelector('.embed') && location.href;",
            "the listing in the frame",
        )
        .await;
    assert_eq!(inside, json!(app.url("/embed?lang=es")));
    assert_eq!(session.page_language().await, "es");
    session.screenshot(backend, "embed-in-a-site").await;
    let findings = axe_findings(&axe, &session, "embed").await;
    let cookies = session.devtools("Network.getAllCookies", json!({})).await;
    assert_eq!(cookies["cookies"], json!([]), "no cookie at all: {cookies}");
    session.click(&format!("a[href=\"/events/{id}\"]")).await;
    // The whole window goes to the event's page, not the frame.
    session.wait_for_path(&format!("/events/{id}")).await;
    let top = session.client.current_url().await.expect("url");
    assert_eq!(top.as_str(), app.url(&format!("/events/{id}")));

    // The same page from another origin: the browser refuses to show the listing.
    session.open(&format!("http://localhost:{port}/")).await;
    session.client.enter_frame(0).await.expect("into the frame");
    let shown = session
        .script("return location.href + ' ' + !!document.querySelector('.embed');")
        .await;
    // Chromium shows its own error page in the frame instead (chrome-error://…).
    let refused = shown
        .as_str()
        .is_some_and(|s| s.ends_with(" false") && !s.starts_with(&app.url("/embed")));
    assert!(refused, "the listing shows on another site: {shown}");
    session.close().await;
    assert!(findings.is_empty(), "axe:\n{}", findings.join("\n\n"));
}

mod the_embed_works_inside_an_allowed_site_only {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::the_embed_works_inside_an_allowed_site_only(umbrella_tests::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::the_embed_works_inside_an_allowed_site_only(umbrella_tests::Backend::Postgres).await;
    }
}
