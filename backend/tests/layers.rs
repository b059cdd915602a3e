//! The layers of `backend/src` run one way down (PRODUCT.md, Architecture; docs/architecture.md):
//! a module may import only from its own layer or the layers below it, modules of one layer
//! never import each other in a circle, the files of one folder never import each other in a
//! circle, and every module opens with a `//!` line saying what it owns.
//!
//! The imports are read from the source text: every `crate::…` path and every `super::…` path,
//! outside comments and string literals.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers, lowest first, by path under `backend/src` (the longest matching prefix decides).
const LAYERS: &[(&str, usize, &str)] = &[
    (
        "domain",
        0,
        "the product's types and pure rules: imports nothing of the crate",
    ),
    ("config", 1, "settings"),
    ("i18n", 1, "languages and messages"),
    // Primitives with no state that the store itself needs (sealing, hashing tokens).
    ("privacy/crypto", 1, "sealing with the key"),
    ("privacy/secrets", 1, "tokens and their hashes"),
    ("privacy/keyfile", 1, "the key file's bytes"),
    (
        "privacy/client_address",
        1,
        "which proxies are trusted (a setting's type)",
    ),
    ("db", 2, "rows and transactions; its own error type"),
    ("live", 3, "service: the live hub, relay and websocket"),
    ("mail", 3, "service: the outbox, composing and transports"),
    ("push", 3, "service: web push"),
    ("cache", 3, "service: public outputs built once per change"),
    (
        "auth",
        3,
        "service: passwords, sessions, tokens, second factor",
    ),
    ("privacy", 3, "service: key file, purge, throttles"),
    ("calendar", 3, "service: iCalendar feeds"),
    ("requests", 4, "what people send, parsed into domain types"),
    ("views", 4, "templates and JSON shapes"),
    ("routes", 5, "web edge: handlers"),
    ("extract", 5, "web edge: extractors"),
    ("security", 5, "web edge: headers and cross-site refusal"),
    ("telemetry", 5, "web edge: logs and metrics"),
    ("error", 5, "web edge: HTTP errors"),
    ("state", 5, "web edge: what handlers share"),
    ("startup", 6, "wiring"),
    ("cli", 6, "wiring: commands"),
    ("demo", 6, "sample data for the demo command"),
];

/// Layers that may not import everything below them.
const ONLY: &[(&str, &[&str])] = &[
    // Pages and JSON shapes are written from the domain's types alone.
    ("views", &["domain", "i18n", "requests", "views"]),
    ("requests", &["domain", "requests"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A file's module path: `live/hub`, `config`, `db` (for `db/mod.rs`).
fn module_of(relative: &Path) -> String {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.last_mut() {
        *last = last.trim_end_matches(".rs").to_string();
        if last == "mod" {
            parts.pop();
        }
    }
    parts.join("/")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The source without comments, string literals and character literals.
fn code_only(source: &str) -> String {
    let bytes: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < bytes.len() && bytes[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i] == '*' && bytes[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && raw_string_start(&bytes, i)
        {
            // r"…" or r#"…"#
            let mut hashes = 0;
            i += 1;
            while bytes.get(i) == Some(&'#') {
                hashes += 1;
                i += 1;
            }
            i += 1;
            loop {
                if i >= bytes.len() {
                    break;
                }
                if bytes[i] == '"' && (1..=hashes).all(|k| bytes.get(i + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < bytes.len() && bytes[i] != '"' {
                if bytes[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && next.is_some() && bytes.get(i + 2) == Some(&'\'') {
            i += 3;
        } else if c == '\'' && next == Some('\\') {
            i += 2;
            while i < bytes.len() && bytes[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn raw_string_start(bytes: &[char], at: usize) -> bool {
    let before_is_ident = at > 0 && (bytes[at - 1].is_alphanumeric() || bytes[at - 1] == '_');
    if before_is_ident {
        return false;
    }
    let mut i = at + 1;
    while bytes.get(i) == Some(&'#') {
        i += 1;
    }
    bytes.get(i) == Some(&'"')
}

/// Expand `use` groups so that `crate::{a, b::{c, d}}` reads as `crate::a`, `crate::b::c`, ….
fn paths_in(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_path = (i == 0
            || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':'))
            && (code_at(&chars, i, "crate::") || code_at(&chars, i, "super::"));
        if starts_path {
            let (found, end) = read_path(&chars, i, String::new());
            paths.extend(found);
            i = end;
        } else {
            i += 1;
        }
    }
    paths
}

fn code_at(chars: &[char], at: usize, word: &str) -> bool {
    word.chars()
        .enumerate()
        .all(|(k, c)| chars.get(at + k) == Some(&c))
}

/// Read one path from `at`, expanding groups; returns the full paths and where reading stopped.
fn read_path(chars: &[char], mut at: usize, prefix: String) -> (Vec<String>, usize) {
    let mut path = prefix;
    loop {
        while chars.get(at).is_some_and(|c| c.is_whitespace()) {
            at += 1;
        }
        match chars.get(at) {
            Some('{') => {
                at += 1;
                let mut all = Vec::new();
                loop {
                    while chars
                        .get(at)
                        .is_some_and(|c| c.is_whitespace() || *c == ',')
                    {
                        at += 1;
                    }
                    if chars.get(at) == Some(&'}') || at >= chars.len() {
                        return (all, at + 1);
                    }
                    let (found, end) = read_path(chars, at, path.clone());
                    all.extend(found);
                    at = end;
                }
            }
            Some(c) if c.is_alphanumeric() || *c == '_' => {
                let start = at;
                while chars
                    .get(at)
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_')
                {
                    at += 1;
                }
                let word: String = chars[start..at].iter().collect();
                path.push_str(&word);
                if code_at(chars, at, "::") {
                    path.push_str("::");
                    at += 2;
                } else {
                    return (vec![path], at);
                }
            }
            _ => return (vec![path.trim_end_matches("::").to_string()], at),
        }
    }
}

/// The module a path points into, seen from `from` (a module path like `live/hub`): the longest
/// prefix of it that names a module file.
fn target_of(
    path: &str,
    from: &str,
    from_is_folder: bool,
    modules: &BTreeSet<String>,
) -> Option<String> {
    let mut segments: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = if segments.first() == Some(&"crate") {
        segments.remove(0);
        Vec::new()
    } else {
        // `super` from `live/hub` is `live`; from `live` (live/mod.rs) it is the crate.
        let mut base: Vec<String> = from.split('/').map(str::to_string).collect();
        if !from_is_folder {
            base.pop();
        }
        while segments.first() == Some(&"super") {
            segments.remove(0);
            if segments.first() == Some(&"super") {
                base.pop();
            }
        }
        base
    };
    let mut best = None;
    for segment in segments {
        base.push(segment.to_string());
        let candidate = base.join("/");
        if modules.contains(&candidate) {
            best = Some(candidate);
        } else {
            break;
        }
    }
    best
}

fn layer_of(module: &str) -> Option<(&'static str, usize)> {
    LAYERS
        .iter()
        .filter(|(prefix, _, _)| module == *prefix || module.starts_with(&format!("{prefix}/")))
        .max_by_key(|(prefix, _, _)| prefix.len())
        .map(|(prefix, rank, _)| (*prefix, *rank))
}

fn top(module: &str) -> &str {
    module.split('/').next().unwrap_or(module)
}

/// Every import edge between modules: (from, to).
fn edges(files: &BTreeMap<String, (bool, String)>) -> BTreeSet<(String, String)> {
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let mut edges = BTreeSet::new();
    for (module, (is_folder, source)) in files {
        for path in paths_in(&code_only(source)) {
            if let Some(target) = target_of(&path, module, *is_folder, &modules) {
                let inside = target == *module || target.starts_with(&format!("{module}/"));
                if !inside {
                    edges.insert((module.clone(), target));
                }
            }
        }
    }
    edges
}

/// What is wrong with these files' imports, one line each.
fn faults(files: &BTreeMap<String, (bool, String)>) -> Vec<String> {
    let mut faults = Vec::new();
    let edges = edges(files);
    for (from, to) in &edges {
        let (Some((from_layer, from_rank)), Some((to_layer, to_rank))) =
            (layer_of(from), layer_of(to))
        else {
            if from != "lib" {
                faults.push(format!("{from} -> {to}: a module missing from LAYERS"));
            }
            continue;
        };
        // A folder's own `mod.rs` declaring its files is not an import.
        if to.starts_with(&format!("{from}/")) {
            continue;
        }
        if to_rank > from_rank {
            faults.push(format!(
                "{from} ({from_layer}, layer {from_rank}) imports {to} ({to_layer}, layer {to_rank}): upward"
            ));
        }
        if let Some((_, allowed)) = ONLY.iter().find(|(layer, _)| *layer == top(from)) {
            if !allowed.contains(&top(to)) && top(to) != top(from) {
                faults.push(format!(
                    "{from} imports {to}: {} may import only {allowed:?}",
                    top(from)
                ));
            }
        }
    }
    // Circles: between modules of one layer, and between the files of one module.
    let mut graphs: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for (from, to) in &edges {
        let (Some((from_layer, from_rank)), Some((to_layer, to_rank))) =
            (layer_of(from), layer_of(to))
        else {
            continue;
        };
        if from_layer != to_layer {
            if from_rank == to_rank {
                graphs
                    .entry("layer".into())
                    .or_default()
                    .insert((from_layer.to_string(), to_layer.to_string()));
            }
        } else if !to.starts_with(&format!("{from}/")) {
            graphs
                .entry(from_layer.to_string())
                .or_default()
                .insert((from.clone(), to.clone()));
        }
    }
    for (scope, graph) in graphs {
        if let Some(circle) = find_circle(&graph) {
            faults.push(format!("a circle ({scope}): {}", circle.join(" -> ")));
        }
    }
    faults
}

fn find_circle(graph: &BTreeSet<(String, String)>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeSet<(String, String)>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut circle = path[at..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for (_, to) in graph.iter().filter(|(from, _)| from == node) {
            if let Some(circle) = visit(to, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for (from, _) in graph {
        if let Some(circle) = visit(from, graph, &mut Vec::new(), &mut done) {
            return Some(circle);
        }
    }
    None
}

fn read_sources() -> BTreeMap<String, (bool, String)> {
    let root = src();
    let mut paths = Vec::new();
    rust_files(&root, &mut paths);
    paths
        .into_iter()
        .map(|path| {
            let relative = path.strip_prefix(&root).expect("under src").to_path_buf();
            let is_folder = relative.file_name().is_some_and(|name| name == "mod.rs");
            let source = std::fs::read_to_string(&path).expect("readable source");
            (module_of(&relative), (is_folder, source))
        })
        .collect()
}

#[test]
fn imports_run_one_way_down() {
    let files = read_sources();
    assert!(files.len() > 50, "found only {} source files", files.len());
    let faults = faults(&files);
    assert!(
        faults.is_empty(),
        "{} import fault(s) in backend/src:\n  {}",
        faults.len(),
        faults.join("\n  ")
    );
}

#[test]
fn every_module_says_what_it_owns() {
    let missing: Vec<String> = read_sources()
        .into_iter()
        .filter(|(_, (_, source))| !source.trim_start().starts_with("//!"))
        .map(|(module, _)| module)
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a `//!` line: {missing:?}"
    );
}

/// The checker itself: each kind of fault is seen.
#[test]
fn the_checker_sees_each_kind_of_fault() {
    let file = |is_folder: bool, source: &str| (is_folder, source.to_string());
    let base = || {
        BTreeMap::from([
            ("domain".to_string(), file(true, "//! d\npub mod event;")),
            ("domain/event".to_string(), file(false, "//! e\n")),
            (
                "db".to_string(),
                file(true, "//! db\nuse crate::domain::event::Event;"),
            ),
            (
                "live".to_string(),
                file(true, "//! live\npub mod hub; pub mod socket;"),
            ),
            (
                "live/hub".to_string(),
                file(false, "//! hub\nuse crate::db;"),
            ),
            (
                "live/socket".to_string(),
                file(false, "//! s\nuse super::hub::Hub;"),
            ),
            ("mail".to_string(), file(true, "//! mail\n")),
            (
                "views".to_string(),
                file(true, "//! views\nuse crate::domain::event;"),
            ),
            ("error".to_string(), file(false, "//! error\n")),
        ])
    };
    assert_eq!(faults(&base()), Vec::<String>::new());

    let mut upward = base();
    upward.insert(
        "db".into(),
        file(true, "//! db\nfn f() -> crate::error::AppError { todo!() }"),
    );
    let found = faults(&upward);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("db ") && f.contains("upward")),
        "{found:?}"
    );

    let mut grouped = base();
    grouped.insert(
        "domain/event".into(),
        file(false, "//! e\nuse crate::{db::{self, X}, views};"),
    );
    let found = faults(&grouped);
    assert_eq!(
        found.iter().filter(|f| f.contains("upward")).count(),
        2,
        "{found:?}"
    );

    let mut in_a_comment = base();
    in_a_comment.insert(
        "db".into(),
        file(
            true,
            "//! db uses crate::error\n// crate::views\nconst A: &str = \"crate::error\";",
        ),
    );
    assert_eq!(faults(&in_a_comment), Vec::<String>::new());

    let mut views_reach_db = base();
    views_reach_db.insert("views".into(), file(true, "//! v\nuse crate::db::Pool;"));
    let found = faults(&views_reach_db);
    assert!(
        found.iter().any(|f| f.contains("may import only")),
        "{found:?}"
    );

    let mut files_in_a_circle = base();
    files_in_a_circle.insert(
        "live/hub".into(),
        file(false, "//! hub\nuse super::socket::MAX;"),
    );
    let found = faults(&files_in_a_circle);
    assert!(
        found.iter().any(|f| f.starts_with("a circle (live)")),
        "{found:?}"
    );

    let mut services_in_a_circle = base();
    services_in_a_circle.insert("mail".into(), file(true, "//! mail\nuse crate::live::hub;"));
    services_in_a_circle.insert("live/socket".into(), file(false, "//! s\nuse crate::mail;"));
    let found = faults(&services_in_a_circle);
    assert!(
        found.iter().any(|f| f.starts_with("a circle (layer)")),
        "{found:?}"
    );
}
