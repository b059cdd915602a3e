//! Umbrella: pseudonymous event and direct-action coordination for a sex workers' rights group.
//!
//! - `config`: settings from flags and `UMBRELLA_*` variables; `cli`: the `umbrella` commands.
//! - `startup`: `Application::build` wires the server; every route is listed in `startup::routes`.
//! - `routes/`: one file per area (public pages, organizer pages, events API, operations, assets).
//! - `domain/`: validated product types (events, organizers, markdown).
//! - `db/`: one connection type over SQLite or PostgreSQL, migrations, and the queries.
//! - `requests/`: request bodies and forms, parsed into domain types at the edge.
//! - `views/`: page templates, JSON shapes, time formatting; `calendar/`: iCalendar feeds.
//! - `i18n`: the visitor's language (English, Spanish) and the messages in `frontend/locales/`.
//! - `cache`: public outputs (feeds, home and event pages, events API) built once per change.
//! - `auth/`: organizer sessions, API tokens, login throttling; `live/`: the websocket hub.
//! - `mail/`: the email outbox worker, message composition, SMTP and file transports.
//! - `privacy/`: key file, secret tokens, rate-limit keys, who may see a location.
//! - `security`: response headers and cross-site post refusal; `telemetry`: logs and metrics.
//! - `error`: `AppError`, the one error type of request handlers.

pub mod auth;
pub mod cache;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod live;
pub mod mail;
pub mod privacy;
pub mod requests;
pub mod routes;
pub mod security;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
