//! The `umbrella` commands an operator runs: create organizers and tokens, migrate, demo.

use umbrella_tests::{last_line, on_both_databases, TestApp};

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

    let (restored, database) = match app.backend {
        umbrella_tests::Backend::Sqlite => {
            let url = format!("sqlite://{}", file.display());
            (
                TestApp::spawn_with(umbrella_tests::Backend::Sqlite, &["--database-url", &url])
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
                TestApp::spawn_with(umbrella_tests::Backend::Postgres, &["--database-url", &url])
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

on_both_databases!(
    a_backup_restores_with_its_data,
    organizers_and_tokens_are_created_from_the_command_line,
    migrate_is_repeatable_and_demo_fills_the_home_page,
);

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
    let starts = (0..3).map(|n| {
        let url = database.url.clone();
        tokio::spawn(async move {
            let dir = std::env::temp_dir().join(format!(
                "umbrella-race-{n}-{}",
                uuid::Uuid::new_v4().simple()
            ));
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
            let started = umbrella::startup::Application::build(settings)
                .await
                .map(|app| app.handle());
            let _ = std::fs::remove_dir_all(dir);
            started
        })
    });
    for start in starts.collect::<Vec<_>>() {
        let handle = start.await.expect("joined").expect("every instance starts");
        handle.stop(false).await;
    }
    database.drop_now();
}
