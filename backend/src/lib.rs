//! Umbrella: pseudonymous event and direct-action coordination for a sex workers' rights group.
//!
//! The modules in layers, one way down (`backend/tests/layers.rs` fails on an import that runs
//! back up; docs/architecture.md):
//!
//! 1. `domain/`: the product's types and pure rules (events, RSVPs, RSVP admission, the access
//!    policy, live updates, audit actions); imports nothing of the crate.
//! 2. `config` (settings from flags and `UMBRELLA_*` variables), `i18n/` (the visitor's
//!    language, the messages in `frontend/locales/`, times as people read them), and the
//!    stateless privacy primitives (`privacy::{crypto, secrets, keyfile, client_address}`).
//! 3. `db/`: one connection type over SQLite or PostgreSQL, migrations, rows and transactions;
//!    its own error type (`db::Error`).
//! 4. Services, given explicit handles: `live/` (hub, relay, websocket), `mail/` (outbox,
//!    composition, transports), `push/` (Web Push: VAPID key, encryption, the push outbox),
//!    `cache` (public outputs built once per change), `auth/`
//!    (passwords, sessions, tokens, second factor), `privacy/` (purge, throttles, key check),
//!    `calendar/` (iCalendar feeds).
//! 5. `requests/` (what people send, parsed into domain types) and `views/` (page templates and
//!    JSON shapes, written from domain types).
//! 6. The web edge: `routes/` (one file an area), `extract` (extractors), `security`,
//!    `telemetry` (logs, metrics), `error` (`AppError`, the one error type of handlers, and
//!    error pages), `state` (what handlers share).
//! 7. Wiring: `startup` (every route is listed in `startup::routes`), `cli`, `demo`.

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
pub mod push;
pub mod requests;
pub mod routes;
pub mod security;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
