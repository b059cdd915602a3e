//! The fuzz targets on stable Rust, where cargo-fuzz cannot run (it needs nightly): a bounded
//! loop of inputs made by mutating seeds (the corpus folders and a few built-in ones) with
//! byte flips, splices and target-specific tokens. No coverage guidance, so it finds less than
//! libFuzzer, but it runs anywhere.
//!
//!   stable_fuzz [--seconds N] [--seed N] [TARGET...]     (N seconds for each target; 10 default)
//!
//! On a failing input it prints the input, saves it as `fuzz/artifacts/<target>/crash-stable`,
//! and exits 1.

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use umbrella_fuzz::TARGETS;

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
        _ => &[],
    }
}

fn built_in_seeds(target: &str) -> Vec<Vec<u8>> {
    let seeds: &[&str] = match target {
        "markdown" => &[
            "**Bring water** and [legal aid](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |",
            "<a href=\"javascript:alert(1)\" onclick=\"x()\">x</a>",
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

fn main() {
    let mut seconds = 10u64;
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
        | 1;
    let mut chosen = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--seconds N")
            }
            "--seed" => {
                seed = args
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .expect("--seed N")
                    | 1
            }
            name if TARGETS.iter().any(|(n, _)| *n == name) => chosen.push(name.to_string()),
            other => panic!(
                "unknown argument {other:?}; targets: {:?}",
                TARGETS.iter().map(|t| t.0).collect::<Vec<_>>()
            ),
        }
    }
    // Panics are the findings: report them ourselves, once, with the input.
    panic::set_hook(Box::new(|_| {}));
    let mut failed = false;
    for (name, check) in TARGETS {
        if !chosen.is_empty() && !chosen.iter().any(|c| c == name) {
            continue;
        }
        let mut rng = Rng(seed);
        let seeds = corpus(name);
        let tokens = tokens(name);
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut runs = 0u64;
        let mut failure = None;
        for input in &seeds {
            if panic::catch_unwind(AssertUnwindSafe(|| check(input))).is_err() {
                failure = Some(input.clone());
                break;
            }
        }
        while failure.is_none() && Instant::now() < deadline {
            for _ in 0..64 {
                let input = mutate(&mut rng, &seeds, tokens);
                runs += 1;
                if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| check(&input))) {
                    let message = payload
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    eprintln!("stable_fuzz: {name}: {message}");
                    failure = Some(input);
                    break;
                }
            }
        }
        match failure {
            None => println!(
                "stable_fuzz: {name}: {runs} inputs in {seconds} s, no failure (seed {seed})"
            ),
            Some(input) => {
                failed = true;
                let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("artifacts")
                    .join(name);
                let _ = std::fs::create_dir_all(&dir);
                let path = dir.join("crash-stable");
                let _ = std::fs::write(&path, &input);
                println!(
                    "stable_fuzz: {name}: FAILED on {:?} (saved as {}; seed {seed})",
                    String::from_utf8_lossy(&input),
                    path.display()
                );
            }
        }
    }
    if failed {
        std::process::exit(1);
    }
}
