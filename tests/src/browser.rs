//! Headless Chromium for the browser stories: `Chromedriver` runs one chromedriver on a free port
//! for a test, `Session` is a fresh Chromium (phone width, empty profile) driven over WebDriver
//! with fantoccini, and `Axe` checks a page with axe-core. Without chromium, chromedriver or
//! axe-core the test fails, unless the browser was left out by name (`UMBRELLA_SKIP=browser`).

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::needs::{self, Need};
use crate::Backend;

/// A phone-sized window, the width most attendees see the pages at.
pub const PHONE: (u32, u32) = (390, 844);

/// How long a page or an element may take to appear (generous: CI shares its cores).
const WAIT: Duration = Duration::from_secs(20);

/// Fail the test: `what` is missing (the message says how to install it).
fn missing(what: &str) -> ! {
    needs::missing(Need::Browser, &format!("{what} is not here"))
}

/// A program from `$env_var`, or the first of `names` found on the `PATH`.
fn program(env_var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Ok(path) = std::env::var(env_var) {
        return Some(PathBuf::from(path)).filter(|path| path.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// One chromedriver for one test; every `Session` it opens is a Chromium of its own.
pub struct Chromedriver {
    url: String,
    chromium: PathBuf,
    child: Child,
    /// The sessions' profile folders, removed when the driver goes (even after a failure).
    profiles: Mutex<Vec<PathBuf>>,
}

impl Chromedriver {
    /// `None` only when the browser was left out by name (`UMBRELLA_SKIP=browser`).
    pub async fn start() -> Option<Chromedriver> {
        if needs::skip(Need::Browser) {
            return None;
        }
        let Some(chromium) = program("UMBRELLA_TEST_CHROMIUM", &["chromium", "chromium-browser"])
        else {
            missing("Chromium");
        };
        let Some(driver) = program("UMBRELLA_TEST_CHROMEDRIVER", &["chromedriver"]) else {
            missing("chromedriver");
        };
        let port = crate::free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A process group of its own, so that dropping it also ends the browsers it started.
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let ready = Instant::now() + WAIT;
        let client = reqwest::Client::new();
        loop {
            let status = client.get(format!("{url}/status")).send().await;
            if let Ok(response) = status {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if body["value"]["ready"] == json!(true) {
                    break;
                }
            }
            assert!(Instant::now() < ready, "chromedriver did not get ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Some(Chromedriver {
            url,
            chromium,
            child,
            profiles: Mutex::default(),
        })
    }

    /// A fresh headless Chromium with an empty profile, at phone width.
    pub async fn session(&self, options: SessionOptions) -> Session {
        let profile =
            std::env::temp_dir().join(format!("umbrella-chromium-{}", uuid::Uuid::new_v4()));
        if let Ok(mut profiles) = self.profiles.lock() {
            profiles.push(profile.clone());
        }
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            // Without these Chromium reaches for Google's services, which a closed network refuses.
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={},{}", PHONE.0, PHONE.1),
        ];
        let mut prefs = serde_json::Map::new();
        if options.javascript_off {
            prefs.insert(
                "profile.managed_default_content_settings.javascript".into(),
                json!(2),
            );
        }
        if let Some(language) = &options.language {
            args.push(format!("--lang={language}"));
            prefs.insert("intl.accept_languages".into(), json!(language));
        }
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": args,
                "prefs": prefs,
            },
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("built as an object"),
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session starts");
        // The window's size includes the browser's own frame; a phone's viewport is the page's.
        client
            .issue_cmd(DevTools {
                command: "Emulation.setDeviceMetricsOverride",
                params: json!({"width": PHONE.0, "height": PHONE.1,
                               "deviceScaleFactor": 1, "mobile": true}),
            })
            .await
            .expect("phone viewport");
        Session { client, profile }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The whole group: chromedriver and every Chromium it started.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
        if let Ok(profiles) = self.profiles.lock() {
            for profile in profiles.iter() {
                let _ = std::fs::remove_dir_all(profile);
            }
        }
    }
}

/// How a session's Chromium is set up.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Chromium's own "JavaScript blocked" setting, as a visitor would turn it off.
    pub javascript_off: bool,
    /// The language Chromium asks pages in (its `Accept-Language`), e.g. `"es"`.
    pub language: Option<String>,
}

impl SessionOptions {
    pub fn javascript_off() -> Self {
        SessionOptions {
            javascript_off: true,
            ..Default::default()
        }
    }

    /// A browser whose visitor reads `language` first, e.g. `SessionOptions::language("es")`
    /// for the stories about Spanish pages.
    pub fn language(language: &str) -> Self {
        SessionOptions {
            language: Some(language.to_string()),
            ..Default::default()
        }
    }
}

/// A Chrome DevTools command through chromedriver (`goog/cdp/execute`).
#[derive(Debug)]
struct DevTools {
    command: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({"cmd": self.command, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
}

/// One Chromium, driven by a test.
pub struct Session {
    pub client: Client,
    profile: PathBuf,
}

impl Session {
    /// This Chromium's profile folder (where it writes `DevToolsActivePort`).
    pub fn profile(&self) -> &Path {
        &self.profile
    }

    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.expect("page opens");
    }

    /// The path and query of the page shown now.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Wait until the page shown has path (and query) `expected`, e.g. after a click that
    /// navigates: a click can return before the next page has begun to load.
    pub async fn wait_for_path(&self, expected: &str) {
        self.wait_for_path_where(|path| path == expected, expected)
            .await;
    }

    /// Wait until the path of the page shown satisfies `wanted`; returns it.
    pub async fn wait_for_path_where(&self, wanted: impl Fn(&str) -> bool, what: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let path = self.path().await;
            if wanted(&path) {
                return path;
            }
            assert!(
                Instant::now() < deadline,
                "never reached {what}: still {path}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        let found = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await;
        match found {
            Ok(element) => element,
            Err(error) => panic!("no element {css} on {}: {error}", self.path().await),
        }
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    /// Type into a field, as a visitor would.
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("field cleared");
        field.send_keys(text).await.expect("typed");
    }

    /// Set a field's value directly, for inputs whose typing differs by locale (dates, times).
    pub async fn set_value(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        let field = serde_json::to_value(&field).expect("element as JSON");
        self.client
            .execute(
                "arguments[0].value = arguments[1];",
                vec![field, json!(value)],
            )
            .await
            .expect("value set");
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// The visible text of the whole page (read in the page, so a page that was just replaced
    /// cannot leave a stale element behind).
    pub async fn page_text(&self) -> String {
        let text = self
            .script("return document.body ? document.body.innerText : '';")
            .await;
        text.as_str().unwrap_or_default().to_string()
    }

    /// The page's `<html lang>`, e.g. `"es"` in a `SessionOptions::language("es")` browser.
    pub async fn page_language(&self) -> String {
        let lang = self.script("return document.documentElement.lang;").await;
        lang.as_str().unwrap_or_default().to_string()
    }

    /// Wait until `css` shows `needle`, without reloading; panics after a while.
    pub async fn wait_for_text(&self, css: &str, needle: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if element.text().await.unwrap_or_default().contains(needle) {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "{css} never showed {needle:?} on {}",
                self.path().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Wait until the page shown is no longer `path`; returns the new URL.
    pub async fn wait_to_leave(&self, url: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let now = self.client.current_url().await.expect("url").to_string();
            if now != url {
                return now;
            }
            assert!(Instant::now() < deadline, "still on {url}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Run a script in the page (works even where the page's own scripts are blocked).
    pub async fn script(&self, source: &str) -> Value {
        self.client
            .execute(source, vec![])
            .await
            .expect("script runs")
    }

    /// Run a Chrome DevTools Protocol command on this page, e.g. `Network.emulateNetworkConditions`.
    pub async fn devtools(&self, command: &'static str, params: Value) -> Value {
        self.client
            .issue_cmd(DevTools { command, params })
            .await
            .unwrap_or_else(|error| panic!("{command} failed: {error}"))
    }

    /// Cut this page's network (as if the signal were lost) or bring it back.
    pub async fn set_offline(&self, offline: bool) {
        self.devtools("Network.enable", json!({})).await;
        self.devtools(
            "Network.emulateNetworkConditions",
            json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await;
    }

    /// Run a script that ends by calling its last argument with the result (for promises).
    pub async fn script_async(&self, source: &str) -> Value {
        self.client
            .execute_async(source, vec![])
            .await
            .expect("script runs")
    }

    /// Wait until `source` (a script returning a value) returns something truthy; returns it.
    pub async fn wait_for_script(&self, source: &str, what: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let value = self.script(source).await;
            if !matches!(value, Value::Null | Value::Bool(false)) {
                return value;
            }
            assert!(Instant::now() < deadline, "never: {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A viewport `width` CSS pixels wide, as a small phone (or 200% zoom on a 640 px one) has.
    pub async fn viewport_width(&self, width: u32) {
        self.client
            .issue_cmd(DevTools {
                command: "Emulation.setDeviceMetricsOverride",
                params: json!({"width": width, "height": PHONE.1,
                               "deviceScaleFactor": 1, "mobile": true}),
            })
            .await
            .expect("viewport set");
    }

    /// Emulate `prefers-color-scheme: dark` (or light) for the pages that follow.
    pub async fn color_scheme(&self, dark: bool) {
        let value = if dark { "dark" } else { "light" };
        self.client
            .issue_cmd(DevTools {
                command: "Emulation.setEmulatedMedia",
                params: json!({"features": [{"name": "prefers-color-scheme", "value": value}]}),
            })
            .await
            .expect("color scheme emulated");
        let matches = self
            .script("return matchMedia('(prefers-color-scheme: dark)').matches;")
            .await;
        assert_eq!(matches, json!(dark), "the color scheme took effect");
    }

    /// Save a PNG of the page at `target/browser-screenshots/<db>/<name>.png`.
    pub async fn screenshot(&self, backend: Backend, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let dir = screenshot_dir(backend);
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("screenshot saved");
        path
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// `target/browser-screenshots/<db>`, under `CARGO_TARGET_DIR` or the workspace's `target/`.
pub fn screenshot_dir(backend: Backend) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let db = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    target.join("browser-screenshots").join(db)
}

/// axe-core (`tests/browser/node_modules/axe-core`, from `npm ci` there), injected into pages.
pub struct Axe {
    source: String,
}

/// One page's serious or critical violations, with everything axe reported on it.
#[derive(Debug)]
pub struct AxeFinding {
    pub page: String,
    pub serious: Vec<String>,
    pub all: Value,
}

impl Axe {
    /// `None` only when the browser was left out by name (`UMBRELLA_SKIP=browser`).
    pub fn load() -> Option<Axe> {
        if needs::skip(Need::Browser) {
            return None;
        }
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/node_modules/axe-core/axe.min.js");
        match std::fs::read_to_string(&path) {
            Ok(source) => Some(Axe { source }),
            Err(_) => missing(&format!("axe-core ({})", path.display())),
        }
    }

    /// Run axe on the page shown; the violations with impact `serious` or `critical`.
    pub async fn check(&self, session: &Session, page: &str) -> Option<AxeFinding> {
        let loaded = session
            .script("return typeof window.axe === 'object';")
            .await;
        if loaded != json!(true) {
            session
                .client
                .execute(&format!("{};\nreturn true;", self.source), vec![])
                .await
                .expect("axe-core injected");
        }
        let result = session
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']})
                    .then(r => done(r.violations.map(v => ({
                        id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))
                    }))))
                    .catch(e => done({error: String(e)}));",
                vec![],
            )
            .await
            .expect("axe ran");
        assert!(
            result.get("error").is_none(),
            "axe failed on {page}: {result}"
        );
        let serious: Vec<String> = result
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v["impact"] == "serious" || v["impact"] == "critical")
            .map(|v| format!("{} ({}): {}", v["id"], v["impact"], v["help"]))
            .collect();
        (!serious.is_empty()).then(|| AxeFinding {
            page: page.to_string(),
            serious,
            all: result,
        })
    }
}
