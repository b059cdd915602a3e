//! The stable-Rust fuzz loop, shared by the `stable_fuzz` binary and the workspace test
//! (`tests/stable_loop.rs`): inputs made by mutating seeds (the corpus folders and a few
//! built-in ones) with byte flips, splices and target-specific tokens, for a bounded time. No
//! coverage guidance, so it finds less than libFuzzer, but it runs anywhere.

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a bounded run of one target found.
pub enum Outcome {
    /// How many inputs ran, none failing.
    Passed { runs: u64 },
    /// The failing input, where it was saved, and the panic's message.
    Failed {
        input: Vec<u8>,
        saved: PathBuf,
        message: String,
    },
}

/// Run `check` on the seeds, then on mutated inputs for `seconds`. Panics are the findings:
/// the caller should silence the panic hook (`panic::set_hook`) while this runs. A failing
/// input is saved as `fuzz/artifacts/<name>/crash-stable`.
pub fn run(name: &str, check: crate::Check, seconds: u64, seed: u64) -> Outcome {
    let mut rng = Rng(seed | 1);
    let seeds = corpus(name);
    let tokens = tokens(name);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut runs = 0u64;
    let mut failure = None;
    let attempt = |input: &[u8]| {
        panic::catch_unwind(AssertUnwindSafe(|| check(input))).map_err(|payload| {
            payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
    };
    for input in &seeds {
        if let Err(message) = attempt(input) {
            failure = Some((input.clone(), message));
            break;
        }
    }
    while failure.is_none() && Instant::now() < deadline {
        for _ in 0..64 {
            let input = mutate(&mut rng, &seeds, tokens);
            runs += 1;
            if let Err(message) = attempt(&input) {
                failure = Some((input, message));
                break;
            }
        }
    }
    match failure {
        None => Outcome::Passed { runs },
        Some((input, message)) => {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("artifacts")
                .join(name);
            let _ = std::fs::create_dir_all(&dir);
            let saved = dir.join("crash-stable");
            let _ = std::fs::write(&saved, &input);
            Outcome::Failed {
                input,
                saved,
                message,
            }
        }
    }
}

/// A seed from the clock, for runs that should differ.
pub fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1
}

/// xorshift64*: enough randomness for mutations, with a seed to replay a run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn tokens(target: &str) -> &'static [&'static str] {
    match target {
        "markdown" => &[
            "<script>",
            "</script>",
            "<a href=\"",
            "javascript:",
            "JaVaScRiPt:",
            "&#106;",
            "&#x6A;",
            "onerror=",
            " onclick=\"",
            "<img src=x ",
            "<svg/onload=",
            "<style>",
            "[x](",
            ")",
            "![i](",
            "<",
            ">",
            "\"",
            "'",
            "`",
            "```",
            "\n\n",
            "|a|b|\n|-|-|\n",
            "<iframe",
            "data:text/html,",
            "<!--",
            "-->",
            "<![CDATA[",
            "\t",
            "\u{0}",
            "vbscript:",
            "<math>",
            "<form action=",
            "style=\"",
            "<ScRiPt",
            "%0a",
            "&lt;",
        ],
        "event_json" | "rsvp_input" => &[
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\"",
            "null",
            "true",
            "false",
            "0",
            "-1",
            "1e309",
            "2147483648",
            "-2147483649",
            "\"title\"",
            "\"kind\"",
            "\"action\"",
            "\"starts_at\"",
            "\"ends_at\"",
            "\"2030-06-01T18:00:00Z\"",
            "\"+262143-12-31T23:59:59Z\"",
            "\"-262143-01-01T00:00:00Z\"",
            "\"9999-12-31T23:59:59Z\"",
            "\"0000-01-01T00:00:00Z\"",
            "\"tags\"",
            "\"roles\"",
            "\"medic\"",
            "\"reminder_offsets_minutes\"",
            "\"capacity\"",
            "\"location_privacy\"",
            "\"reveal_at\"",
            "\"location_reveal_at\"",
            "\"language\"",
            "\"pseudonym\"",
            "\"guests\"",
            "\"role\"",
            "\"email\"",
            "\"status\"",
            "\"cancelled\"",
            "\"needs\"",
            "\\u0000",
            "\\ud800",
            "pseudonym=",
            "&guests=",
            "&role=",
            "&email=",
            "%FF",
            "%00",
            "&action=cancel",
            "&remove_email=1",
        ],
        "mail_url" => &[
            "smtp://",
            "smtps://",
            "file://",
            "file:///tmp/x",
            "@",
            ":",
            "?tls=",
            "required",
            "none",
            "opportunistic",
            "&",
            "%",
            "%40",
            "[::1]",
            "localhost",
            ":65536",
            ":0",
            "user:secretpw@",
            "#",
            "/",
            "?",
            "\u{1F600}",
        ],
        "time_input" => &[
            "2026-03-08T02:30",
            "2026-11-01T01:30",
            "2026-12-05T18:00:00",
            "T",
            "-",
            ":",
            " ",
            "+",
            "9999",
            "262143",
            "-262143",
            "00",
            "24",
            "60",
            "99",
            "29",
            "02-29",
            "1970",
        ],
        "live_input" => &[
            "{",
            "}",
            ",",
            ":",
            "\"",
            "null",
            "\"type\"",
            "\"hello\"",
            "\"token\"",
            "\"kind\"",
            "\"text\"",
            "\"audience\"",
            "\"location\"",
            "\"announcement\"",
            "\"attendees\"",
            "\"jail_support\"",
            "\"   \"",
            "\\u0000",
            "\\u00a0",
            "\\ud83d\\ude00",
            "\\ud800",
            "\u{2028}",
            "\u{200b}",
            "\\r\\n",
        ],
        _ => &[],
    }
}

fn built_in_seeds(target: &str) -> Vec<Vec<u8>> {
    let seeds: &[&str] = match target {
        "markdown" => &[
            "**Bring water** and [legal aid](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |",
            "<a href=\"javascript:alert(1)\" onclick=\"x()\">x</a>",
            // Found by CI: a link title that reads "javascript:" is text, not a URL.
            "<a href=[x](</script>\"javascript:```alert(1)\")\">x</a>",
        ],
        "event_json" => &[
            r#"{"title": "Know your rights", "kind": "workshop", "starts_at": "2030-06-01T18:00:00Z", "ends_at": "2030-06-01T20:00:00Z", "tags": ["Legal Aid"], "reminder_offsets_minutes": [1440, 120], "roles": ["medic"], "capacity": 20, "description": "**hi**"}"#,
            r#"{"cover_title": null, "capacity": 5, "location_privacy": "reveal_at", "location_reveal_at": "2030-06-01T17:00:00Z"}"#,
        ],
        "rsvp_input" => &[
            r#"{"pseudonym": "Red", "guests": 2, "role": "medic", "needs": "ramp", "email": "red@example.org"}"#,
            r#"{"status": "cancelled", "email": null, "role": null}"#,
            "pseudonym=Red&guests=1&role=medic&email=red%40example.org&action=save",
        ],
        "mail_url" => &[
            "smtp://user:secretpw@mail.example.org:587?tls=required",
            "smtps://mail.example.org",
            "file:///var/spool/umbrella",
        ],
        "time_input" => &["2026-12-05T18:00", "2026-03-08T02:30", "2026-11-01T01:30:00"],
        "live_input" => &[
            r#"{"type": "hello", "token": "umb_abc"}"#,
            r#"{"type": "hello"}"#,
            r#"{"kind": "location", "text": "Moving to the park", "audience": "medic", "location": "North gate"}"#,
            r#"{"kind": "alert", "text": "Police at the corner", "audience": "public", "location": null}"#,
        ],
        _ => &[],
    };
    seeds.iter().map(|s| s.as_bytes().to_vec()).collect()
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut inputs = built_in_seeds(target);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                inputs.push(bytes);
            }
        }
    }
    inputs
}

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], tokens: &[&str]) -> Vec<u8> {
    let mut input = if rng.below(10) == 0 {
        (0..rng.below(64)).map(|_| rng.next() as u8).collect()
    } else {
        seeds[rng.below(seeds.len())].clone()
    };
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(input.len() + 1);
        match rng.below(6) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 if !input.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(input.len());
                input.drain(at.min(end)..end);
            }
            2 => {
                let other = &seeds[rng.below(seeds.len())];
                let from = rng.below(other.len() + 1);
                let to = (from + rng.below(32)).min(other.len());
                input.splice(at..at, other[from..to].iter().copied());
            }
            3 if !input.is_empty() => {
                let i = rng.below(input.len());
                let count = 1 + rng.below(64);
                let byte = input[i];
                input.splice(at..at, std::iter::repeat_n(byte, count));
            }
            _ if !tokens.is_empty() => {
                let token = tokens[rng.below(tokens.len())];
                input.splice(at..at, token.bytes());
            }
            _ => input.push(rng.next() as u8),
        }
    }
    input.truncate(64 * 1024);
    input
}
