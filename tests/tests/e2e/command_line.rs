//! The `umbrella` commands an operator runs: create organizers and tokens, migrate, demo; the
//! key file the database remembers; the files the server creates; commands that end cleanly.

use std::path::Path;

use umbrella_tests::child::ChildServer;
use umbrella_tests::{last_line, on_both_databases, Backend, TestApp};

/// The `umbrella` binary, run as an operator runs it.
const SERVER: &str = env!("CARGO_BIN_EXE_umbrella-server");

async fn organizers_and_tokens_are_created_from_the_command_line(app: TestApp) {
    let out = app
        .cli(&["organizer", "create", "Rosa", "--admin"])
        .await
        .expect("created");
    assert!(out.contains("Created admin rosa"), "{out}");
    let password = last_line(&out);
    assert_eq!(password.len(), 23, "{out}");

    let error = app
        .cli(&["organizer", "create", "rosa"])
        .await
        .expect_err("duplicate");
    assert!(error.to_string().contains("already exists"), "{error}");
    let error = app
        .cli(&["organizer", "create", "not valid!"])
        .await
        .expect_err("bad handle");
    assert!(error.to_string().contains("handle"), "{error}");

    let out = app.cli(&["token", "create", "rosa"]).await.expect("token");
    let token = last_line(&out);
    assert!(token.starts_with("umb_") && token.len() > 40, "{out}");
    let (status, _) = app.get_json("/api/v1/events", Some(&token)).await;
    assert_eq!(status, 200);
    let error = app
        .cli(&["token", "create", "nobody"])
        .await
        .expect_err("unknown");
    assert!(error.to_string().contains("no organizer"), "{error}");
}

async fn migrate_is_repeatable_and_demo_fills_the_home_page(app: TestApp) {
    assert!(app
        .cli(&["migrate"])
        .await
        .expect("migrated")
        .contains("up to date"));
    assert!(app
        .cli(&["migrate"])
        .await
        .expect("again")
        .contains("up to date"));
    let out = app.cli(&["demo"]).await.expect("demo");
    assert!(out.contains("Loaded 9 sample events"), "{out}");
    let (_, home) = app.get_text("/").await;
    for kind in ["Workshop", "Training", "Action"] {
        assert!(
            home.contains(&format!(">{kind}<")),
            "{kind} on the home page"
        );
    }
    let (_, listing) = app.get_json("/api/v1/events", None).await;
    assert_eq!(listing["events"].as_array().map(Vec::len), Some(9));
    assert!(
        !listing.to_string().contains("Meet at the fountain"),
        "demo hidden locations stay hidden"
    );
}

async fn a_backup_restores_with_its_data(app: TestApp) {
    let token = app.organizer_token().await;
    let event = app
        .create_event(
            &token,
            umbrella_tests::event_fields("Backed up", 2, serde_json::json!({})),
        )
        .await;
    let id = event["id"].as_str().expect("id").to_string();
    let (status, _) = app
        .send_json(
            reqwest::Method::POST,
            &format!("/api/v1/events/{id}/rsvps"),
            None,
            &serde_json::json!({"pseudonym": "Saved"}),
        )
        .await;
    assert_eq!(status, 201);
    let dir =
        std::env::temp_dir().join(format!("umbrella-backup-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("folder");
    let file = dir.join("backup");
    let out = app
        .cli(&["backup", file.to_str().expect("utf-8")])
        .await
        .expect("backup written");
    assert!(
        out.contains("key file"),
        "the key file is part of the instructions: {out}"
    );
    let again = app.cli(&["backup", file.to_str().expect("utf-8")]).await;
    assert!(again.is_err(), "an existing file is never overwritten");

    // A restore brings the key file back too, as the instructions say: the database remembers
    // which key it was used with.
    let keys = dir.join("data");
    std::fs::create_dir_all(&keys).expect("folder");
    std::fs::copy(app.data_dir.join("umbrella.key"), keys.join("umbrella.key")).expect("copied");
    let keys = keys.to_str().expect("utf-8");
    let (restored, database) = match app.backend {
        umbrella_tests::Backend::Sqlite => {
            let url = format!("sqlite://{}", file.display());
            (
                TestApp::spawn_with(
                    umbrella_tests::Backend::Sqlite,
                    &["--database-url", &url, "--data-dir", keys],
                )
                .await,
                None,
            )
        }
        umbrella_tests::Backend::Postgres => {
            let database = umbrella_tests::postgres::TestDatabase::create()
                .expect("a database to restore into");
            let status = std::process::Command::new("pg_restore")
                .args(["--no-owner", "--dbname", &database.url])
                .arg(&file)
                .status()
                .expect("pg_restore runs");
            assert!(status.success());
            let url = database.url.clone();
            (
                TestApp::spawn_with(
                    umbrella_tests::Backend::Postgres,
                    &["--database-url", &url, "--data-dir", keys],
                )
                .await,
                Some(database),
            )
        }
    };
    let restored = restored.expect("the restored server starts");
    let (status, found) = restored
        .get_json(&format!("/api/v1/events/{id}"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(found["title"], "Backed up");
    assert_eq!(found["going_count"], 1);
    let (_, rsvps) = restored
        .get_json(&format!("/api/v1/events/{id}/rsvps"), Some(&token))
        .await;
    assert_eq!(
        rsvps["rsvps"][0]["pseudonym"], "Saved",
        "tokens and RSVPs come back too"
    );
    drop(restored);
    if let Some(database) = database {
        database.drop_now();
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// The key fingerprint the database remembers, read with plain SQL.
fn remembered_fingerprint(app: &TestApp) -> Vec<String> {
    use diesel::sql_types::Text;
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        value: String,
    }
    diesel::RunQueryDsl::load::<Setting>(
        diesel::sql_query("SELECT value FROM instance_settings WHERE name = 'key_fingerprint'"),
        &mut app.database(),
    )
    .expect("read")
    .into_iter()
    .map(|setting| setting.value)
    .collect()
}

fn organizer_handles(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use umbrella::db::schema::organizers;
    organizers::table
        .select(organizers::handle)
        .order(organizers::handle)
        .load(&mut app.database())
        .expect("read")
}

/// Starting the server and running a command are both refused, with one line naming the file.
async fn refused(app: &TestApp, key: &Path) {
    let named = key.display().to_string();
    let error = match umbrella::startup::Application::build(app.settings.clone()).await {
        Ok(_) => panic!("the server started with the wrong key file"),
        Err(error) => format!("{error:#}"),
    };
    assert!(error.contains(&named), "names {named}: {error}");
    assert_eq!(error.lines().count(), 1, "one line: {error}");
    let error = app
        .cli(&["token", "create", "keeper"])
        .await
        .expect_err("the command is refused");
    let error = format!("{error:#}");
    assert!(error.contains(&named), "names {named}: {error}");
    assert_eq!(error.lines().count(), 1, "one line: {error}");
}

/// The database remembers which key file it was used with: with another one, or none, the
/// server and every command refuse to start and change nothing; the right file brings it back.
async fn a_different_or_missing_key_file_is_refused(app: TestApp) {
    let key = app.data_dir.join("umbrella.key");
    let original = std::fs::read(&key).expect("the first start made a key file");
    app.create_organizer("keeper").await;
    app.stop_gracefully().await;
    let fingerprint = remembered_fingerprint(&app);
    assert_eq!(fingerprint.len(), 1, "the key's fingerprint is remembered");
    let bare: String = original.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_ne!(fingerprint[0], bare, "not the key itself");
    let handles = organizer_handles(&app);

    let other = [7u8; 32];
    std::fs::write(&key, other).expect("replaced");
    refused(&app, &key).await;
    assert_eq!(std::fs::read(&key).expect("there"), other, "left as it was");

    std::fs::remove_file(&key).expect("removed");
    refused(&app, &key).await;
    assert!(!key.exists(), "no new key file is made");

    assert_eq!(remembered_fingerprint(&app), fingerprint, "nothing changed");
    assert_eq!(organizer_handles(&app), handles, "nothing changed");
    std::fs::write(&key, &original).expect("restored");
    let out = app
        .cli(&["token", "create", "keeper"])
        .await
        .expect("the right key file opens the database again");
    assert!(last_line(&out).starts_with("umb_"), "{out}");
}

on_both_databases!(
    a_backup_restores_with_its_data,
    organizers_and_tokens_are_created_from_the_command_line,
    migrate_is_repeatable_and_demo_fills_the_home_page,
    a_different_or_missing_key_file_is_refused,
);

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn succeeded(out: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}: {stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Whoever starts it, with whatever umask, the files the server creates are its own alone:
/// the data directory, the key file, the database and its write-ahead log, and backups.
async fn the_server_keeps_its_files_to_itself(backend: Backend) {
    let Some(server) = ChildServer::start(SERVER, backend, &[]).await else {
        return;
    };
    // A write through the running server's database, so SQLite's write-ahead log is in use.
    succeeded(&server.run_binary(&["organizer", "create", "private"]));
    let data = server.data_dir();
    assert_eq!(mode(data), 0o700, "the data directory");
    assert_eq!(mode(&data.join("umbrella.key")), 0o600, "the key file");
    if backend == Backend::Sqlite {
        for file in ["umbrella.db", "umbrella.db-wal", "umbrella.db-shm"] {
            assert_eq!(mode(&data.join(file)), 0o600, "{file}");
        }
    }
    let folder =
        std::env::temp_dir().join(format!("umbrella-modes-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&folder).expect("folder");
    let backup = folder.join("backup");
    succeeded(&server.run_binary(&["backup", backup.to_str().expect("utf-8")]));
    assert_eq!(mode(&backup), 0o600, "the backup");
    let _ = std::fs::remove_dir_all(folder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_its_files_to_itself_on_sqlite() {
    the_server_keeps_its_files_to_itself(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_keeps_its_files_to_itself_on_postgres() {
    the_server_keeps_its_files_to_itself(Backend::Postgres).await;
}

/// Scripts and the first-run instructions run commands back to back: on PostgreSQL each of 50
/// runs in a row ends cleanly (it used to crash at exit about one run in eight) and prints the
/// token on its last line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_create_ends_cleanly_fifty_times_in_a_row_on_postgres() {
    let Some(server) = ChildServer::start(SERVER, Backend::Postgres, &[]).await else {
        return;
    };
    succeeded(&server.run_binary(&["organizer", "create", "scripted"]));
    for run in 1..=50 {
        let out = server.run_binary(&["token", "create", "scripted"]);
        assert!(
            out.status.success(),
            "run {run} ended with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            last_line(&stdout).starts_with("umb_"),
            "run {run}: {stdout}"
        );
    }
}

#[test]
fn a_fresh_database_is_migrated_by_any_command() {
    let dir = std::env::temp_dir().join(format!("umbrella-cli-{}", uuid::Uuid::new_v4().simple()));
    let args = [
        "umbrella",
        "organizer",
        "create",
        "first",
        "--data-dir",
        dir.to_str().expect("utf-8"),
    ];
    let cli = umbrella::config::Cli::from_args(args).expect("parses");
    let mut out = Vec::new();
    umbrella::cli::run(&cli.settings, cli.command.expect("a command"), &mut out)
        .expect("runs on a new data dir");
    assert!(dir.join("umbrella.db").exists());
    assert!(dir.join("umbrella.key").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_unreachable_database_is_reported_plainly() {
    let dir = std::env::temp_dir().join(format!("umbrella-cli-{}", uuid::Uuid::new_v4().simple()));
    let args = [
        "umbrella",
        "--data-dir",
        dir.to_str().expect("utf-8"),
        "--database-url",
        "postgres://postgres@127.0.0.1:1/nowhere",
    ];
    let settings = umbrella::config::Cli::from_args(args)
        .expect("parses")
        .settings;
    let error = match umbrella::startup::Application::build(settings).await {
        Ok(_) => panic!("should not start"),
        Err(error) => format!("{error:#}"),
    };
    assert!(
        error.contains("could not connect to the database"),
        "{error}"
    );
    assert!(
        error.contains("127.0.0.1") || error.to_lowercase().contains("refused"),
        "the real reason: {error}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_one_at_a_time() {
    let Some(database) = umbrella_tests::postgres::TestDatabase::create() else {
        return;
    };
    // One data directory, as instances of one site share one key file (the database remembers
    // which key it was used with).
    let dir = std::env::temp_dir().join(format!("umbrella-race-{}", uuid::Uuid::new_v4().simple()));
    // Released together, so every instance reaches its migrations while the others do: without
    // the advisory lock they collide ("duplicate key value violates unique constraint").
    const INSTANCES: usize = 4;
    let together = std::sync::Arc::new(tokio::sync::Barrier::new(INSTANCES));
    let starts = (0..INSTANCES).map(|_| {
        let url = database.url.clone();
        let dir = dir.clone();
        let together = together.clone();
        tokio::spawn(async move {
            together.wait().await;
            let args = [
                "umbrella",
                "--bind",
                "127.0.0.1:0",
                "--data-dir",
                dir.to_str().expect("utf-8"),
                "--database-url",
                &url,
            ];
            let settings = umbrella::config::Cli::from_args(args)
                .expect("parses")
                .settings;
            umbrella::startup::Application::build(settings)
                .await
                .map(|app| app.handle())
        })
    });
    for start in starts.collect::<Vec<_>>() {
        let handle = start.await.expect("joined").expect("every instance starts");
        handle.stop(false).await;
    }
    let _ = std::fs::remove_dir_all(dir);
    database.drop_now();
}

/// The cause of that crash, shown without luck: a pool opens a connection only when asked and
/// while the caller waits, never on a background thread, so none can still be connecting when a
/// command ends; and it keeps none open for its own sake, so a quiet server holds only the ones
/// in use (issue 20: at most two on an idle instance).
#[test]
fn a_command_opens_no_connection_in_the_background() {
    use umbrella::config::DatabaseUrl;
    use umbrella::db::connect;
    let dir = std::env::temp_dir().join(format!("umbrella-pool-{}", uuid::Uuid::new_v4().simple()));
    let postgres = umbrella_tests::postgres::TestDatabase::create();
    let mut databases = vec![DatabaseUrl::Sqlite(dir.join("umbrella.db"))];
    databases.extend(
        postgres
            .as_ref()
            .map(|database| DatabaseUrl::Postgres(database.url.clone().into())),
    );
    for url in databases {
        let pool = connect(&url, None).expect("connects");
        let first = pool.get().expect("a connection");
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert_eq!(
            pool.state().connections,
            1,
            "{url:?}: only the connection asked for"
        );
        let second = pool.get().expect("a second connection");
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert_eq!(
            (pool.state().connections, pool.state().idle_connections),
            (2, 0),
            "{url:?}: a second one when asked, and no spare opened beside them"
        );
        drop((first, second));
        assert_eq!(
            pool.state().idle_connections,
            2,
            "{url:?}: given back, they wait in the pool until the idle timeout closes them"
        );
    }
    if let Some(database) = postgres {
        database.drop_now();
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// `umbrella --version` names the release and the commit it was built from, so an operator
/// can tell which code runs; a build outside a git checkout says the commit is unknown.
#[test]
fn the_version_names_the_release_and_its_commit() {
    let out = std::process::Command::new(SERVER)
        .arg("--version")
        .output()
        .expect("the binary runs");
    let printed = succeeded(&out);
    // What the build script was given or found: the same cargo run built this test.
    let commit = option_env!("UMBRELLA_COMMIT")
        .filter(|given| !given.trim().is_empty())
        .map(|given| given.trim().to_string())
        .or_else(|| {
            let git = |args: &[&str]| {
                std::process::Command::new("git")
                    .args(args)
                    .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../backend"))
                    .output()
                    .ok()
                    .filter(|out| out.status.success())
            };
            git(&["ls-files", "--error-unmatch", "Cargo.toml"])?;
            let head = git(&["rev-parse", "--short=7", "HEAD"])?;
            Some(String::from_utf8_lossy(&head.stdout).trim().to_string())
        })
        .unwrap_or_else(|| "commit unknown".to_string());
    assert_eq!(
        printed.trim(),
        format!("umbrella {} ({commit})", env!("CARGO_PKG_VERSION")),
        "{printed}"
    );
}
