//! End-to-end stories against the real server, each on SQLite and on PostgreSQL.

mod access_policy;
mod attacks;
mod bad_input;
mod browser;
mod calendar;
mod command_line;
mod events_api;
mod language;
mod live;
mod live_relay;
mod mail;
mod mail_safety;
mod migrations;
mod openapi;
mod operations;
mod organizer_security;
mod organizer_web;
mod outreach;
mod privacy;
mod public_outputs;
mod public_pages;
mod rate_limits;
mod rsvps;
mod websocket_frames;
