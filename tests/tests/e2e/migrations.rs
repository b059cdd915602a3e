//! Every migration's `down.sql` undoes its `up.sql`, on SQLite and on PostgreSQL: an operator
//! rolling back an upgrade gets the schema the older version expects, and an upgrade after that
//! gets the same schema as a fresh install.

use diesel::backend::Backend;
use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use umbrella::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};
use umbrella_tests::postgres::TestDatabase;

/// One line of a schema dump.
#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Tables, columns, indexes and constraints, one sorted line each; diesel's own bookkeeping
/// table is left out (it stays once made).
type Schema = Vec<String>;

fn sqlite_schema(conn: &mut SqliteConnection) -> Schema {
    // The stored CREATE statement carries every column, constraint and index definition.
    diesel::sql_query(
        "SELECT type || ' ' || name || ' on ' || tbl_name || ': ' || coalesce(sql, '') AS line
         FROM sqlite_master
         WHERE name NOT LIKE 'sqlite_%' AND tbl_name <> '__diesel_schema_migrations'
         ORDER BY line",
    )
    .load::<Line>(conn)
    .expect("SQLite schema read")
    .into_iter()
    .map(|row| row.line)
    .collect()
}

fn postgres_schema(conn: &mut PgConnection) -> Schema {
    let queries = [
        "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
                || ' nullable=' || is_nullable || ' default=' || coalesce(column_default, '-') AS line
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
        "SELECT 'index ' || tablename || ' ' || indexname || ': ' || indexdef AS line
         FROM pg_indexes
         WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations'",
        "SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ': '
                || pg_get_constraintdef(oid) AS line
         FROM pg_constraint
         WHERE connamespace = 'public'::regnamespace
           AND conrelid::regclass::text <> '__diesel_schema_migrations'",
    ];
    let mut schema: Schema = queries
        .iter()
        .flat_map(|query| {
            diesel::sql_query(*query)
                .load::<Line>(conn)
                .expect("PostgreSQL schema read")
        })
        .map(|row| row.line)
        .collect();
    schema.sort();
    schema
}

/// Apply every migration one at a time, remembering the schema before each; revert them one
/// at a time, each time finding the schema from before that migration; then revert nothing
/// left, apply all again and find the first full schema.
fn each_down_undoes_its_up<C, DB>(
    conn: &mut C,
    migrations: impl Fn() -> EmbeddedMigrations,
    dump: fn(&mut C) -> Schema,
) where
    DB: Backend,
    C: MigrationHarness<DB>,
    EmbeddedMigrations: diesel::migration::MigrationSource<DB>,
{
    let mut before = Vec::new();
    let mut names = Vec::new();
    while conn
        .has_pending_migration(migrations())
        .expect("pending read")
    {
        before.push(dump(conn));
        let version = conn.run_next_migration(migrations()).expect("applied");
        names.push(version.to_string());
    }
    let embedded = diesel::migration::MigrationSource::<DB>::migrations(&migrations())
        .expect("embedded migrations listed")
        .len();
    assert_eq!(names.len(), embedded, "every migration applied: {names:?}");
    let full = dump(conn);
    assert_ne!(full, before[0], "the migrations made a schema");

    while let Some(expected) = before.pop() {
        let name = names.pop().expect("a name per schema");
        let reverted = conn
            .revert_last_migration(migrations())
            .unwrap_or_else(|error| panic!("{name}: down.sql fails: {error}"));
        assert_eq!(reverted.to_string(), name, "reverted in reverse order");
        let now = dump(conn);
        assert!(
            now == expected,
            "{name}: down.sql leaves a schema other than the one before up.sql\n{}",
            difference(&now, &expected)
        );
    }
    assert!(
        conn.revert_all_migrations(migrations())
            .expect("nothing to revert")
            .is_empty(),
        "every migration was reverted one by one"
    );

    conn.run_pending_migrations(migrations())
        .expect("applied again");
    let again = dump(conn);
    assert!(
        again == full,
        "applied again after reverting, the schema differs from the first\n{}",
        difference(&again, &full)
    );
}

/// Only the lines that differ, so a failure names the table or index at fault.
fn difference(now: &Schema, expected: &Schema) -> String {
    let left: Vec<_> = now.iter().filter(|line| !expected.contains(line)).collect();
    let missing: Vec<_> = expected.iter().filter(|line| !now.contains(line)).collect();
    format!("left behind: {left:#?}\nmissing: {missing:#?}")
}

/// Named as the stories are: `every_down_migration_undoes_its_up::sqlite` and `::postgres`.
mod every_down_migration_undoes_its_up {
    use super::*;

    #[test]
    fn sqlite() {
        let mut conn = SqliteConnection::establish(":memory:").expect("SQLite opens");
        // As the server runs it: foreign keys enforced, so a drop in the wrong order fails here.
        conn.batch_execute("PRAGMA foreign_keys = ON;")
            .expect("pragma");
        each_down_undoes_its_up(&mut conn, || SQLITE_MIGRATIONS, sqlite_schema);
    }

    #[test]
    fn postgres() {
        let Some(database) = TestDatabase::create() else {
            return;
        };
        let mut conn = PgConnection::establish(&database.url).expect("PostgreSQL connects");
        each_down_undoes_its_up(&mut conn, || POSTGRES_MIGRATIONS, postgres_schema);
        drop(conn);
        database.drop_now();
    }
}
