//! What a test needs from outside Rust (PostgreSQL, an SMTP server, a browser, a calendar
//! parser, a feed parser). A test that cannot have what it needs fails: it never passes having checked
//! nothing. The one way out is to name the need in `UMBRELLA_SKIP` (a comma list, e.g.
//! `UMBRELLA_SKIP=postgres,browser`); such a test then returns at once, says so on the real
//! stderr (libtest captures only `print!`/`eprint!`), and the process lists every test that
//! skipped after libtest's own summary. Under `CI=true` nothing may be skipped.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Mutex, Once};

/// Something a test needs that the Rust toolchain does not bring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    /// A PostgreSQL server (`UMBRELLA_TEST_POSTGRES_URL`, by default 127.0.0.1:5432).
    Postgres,
    /// Python's aiosmtpd, the SMTP server the mail tests deliver to.
    Smtp,
    /// Chromium, chromedriver and axe-core.
    Browser,
    /// Python's icalendar, the independent parser the calendar feeds are read with.
    Calendar,
    /// Python's feedparser, the independent reader of the Atom feed.
    Feed,
}

impl Need {
    pub const ALL: [Need; 5] = [
        Need::Postgres,
        Need::Smtp,
        Need::Browser,
        Need::Calendar,
        Need::Feed,
    ];

    /// The name `UMBRELLA_SKIP` uses.
    pub fn name(self) -> &'static str {
        match self {
            Need::Postgres => "postgres",
            Need::Smtp => "smtp",
            Need::Browser => "browser",
            Need::Calendar => "calendar",
            Need::Feed => "feed",
        }
    }

    fn install(self) -> &'static str {
        match self {
            Need::Postgres => {
                "install and start PostgreSQL (Debian: apt-get install postgresql), trusting \
                 user postgres on 127.0.0.1, or point UMBRELLA_TEST_POSTGRES_URL at a server"
            }
            Need::Smtp => "pip install aiosmtpd",
            Need::Browser => {
                "apt-get install chromium chromium-driver (Debian), then cd tests/browser && npm ci"
            }
            Need::Calendar => "pip install icalendar",
            Need::Feed => "pip install feedparser",
        }
    }
}

/// Whether the person running the tests opted out of `need` by name. Panics on a name it does
/// not know (a typo would otherwise fail every such test with a misleading message) and on any
/// opt-out under `CI=true`.
pub fn opted_out(need: Need) -> bool {
    let Ok(list) = std::env::var("UMBRELLA_SKIP") else {
        return false;
    };
    let names: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    if names.is_empty() {
        return false;
    }
    let known: Vec<&str> = Need::ALL.iter().map(|need| need.name()).collect();
    if let Some(unknown) = names.iter().find(|name| !known.contains(name)) {
        panic!(
            "UMBRELLA_SKIP names {unknown:?}, which is not one of {}",
            known.join(", ")
        );
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("UMBRELLA_SKIP={list} under CI=true: CI runs every test, unset UMBRELLA_SKIP");
    }
    names.contains(&need.name())
}

/// Call before using `need`: `true` means the test was opted out and must return now (it is
/// reported); `false` means go ahead (and fail if `need` turns out to be missing).
pub fn skip(need: Need) -> bool {
    if !opted_out(need) {
        return false;
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    // Straight to the process's stderr: libtest captures `eprintln!`, not this.
    let _ = writeln!(
        std::io::stderr(),
        "umbrella-tests: SKIPPED {test}: needs {}, opted out by UMBRELLA_SKIP",
        need.name()
    );
    SKIPPED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(need)
        .or_default()
        .push(test);
    REPORT_AT_EXIT.call_once(|| {
        // SAFETY: `report` is a plain function that only writes to stderr; registering it
        // has no precondition.
        unsafe {
            libc::atexit(report);
        }
    });
    true
}

/// Fail the test: `need` is missing (`detail` says how it showed) and was not opted out.
pub fn missing(need: Need, detail: &str) -> ! {
    panic!(
        "this test needs {name}, which is missing: {detail}.\n\
         To run it: {install}.\n\
         To leave it out on purpose: UMBRELLA_SKIP={name} (a comma list of {all}); the run \
         then lists every test that skipped.",
        name = need.name(),
        install = need.install(),
        all = Need::ALL.map(Need::name).join(", "),
    )
}

static SKIPPED: Mutex<BTreeMap<Need, Vec<String>>> = Mutex::new(BTreeMap::new());
static REPORT_AT_EXIT: Once = Once::new();

/// Printed when the test process exits, after libtest's "test result" line.
extern "C" fn report() {
    let skipped = SKIPPED.lock().unwrap_or_else(|p| p.into_inner());
    let mut err = std::io::stderr().lock();
    for (need, tests) in skipped.iter() {
        let _ = writeln!(
            err,
            "\numbrella-tests: {} test(s) SKIPPED by UMBRELLA_SKIP={name}: each stopped where it \
             needed {name}, so its \"ok\" above does not cover that part:",
            tests.len(),
            name = need.name()
        );
        for test in tests {
            let _ = writeln!(err, "  {test}");
        }
    }
}
