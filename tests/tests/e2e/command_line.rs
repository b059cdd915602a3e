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

on_both_databases!(
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
