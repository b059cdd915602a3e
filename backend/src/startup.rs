//! `Application`: builds everything from `Settings` (key file, database, migrations), binds
//! the listener (port 0 in tests), wires every route in one place, and runs until stopped.
//! The server stops gracefully on SIGTERM or SIGINT.

mod on_demand;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_http::body::MessageBody;
use actix_http::{HttpService, KeepAlive};
use actix_service::map_config;
use actix_web::dev::{
    AppConfig, Server, ServerHandle, ServiceFactory, ServiceRequest, ServiceResponse,
};
use actix_web::middleware::{from_fn, Compress, ErrorHandlers};
use actix_web::{web, App};

use crate::auth::passwords::Passwords;
use crate::auth::throttle::LoginThrottle;
use crate::config::Settings;
use crate::db::{self, Pool};
use crate::privacy::client_key::{ClientKeys, Limiter};
use crate::privacy::keyfile::SecretKey;
use crate::routes::{
    assets, atom, calendar, door, door_links, embed, events_api, flyer, invites, live_api,
    live_pages, operations, organize, organize_account, organize_admin, organize_home,
    organize_rsvps, public, push_api, rsvp, rsvps_api, series_api,
};
use crate::state::AppState;
use crate::telemetry::{observe_requests, Metrics};

/// How often expired organizer sessions are removed.
const SESSION_SWEEP_INTERVAL: Duration = Duration::from_secs(3600);
/// Bytes of calendar feeds (one per filter, up to ~500 KB each with their gzip form) and of
/// pages or API answers kept at most.
const FEED_BYTES_KEPT: u64 = 32 << 20;
const PAGE_BYTES_KEPT: u64 = 16 << 20;
/// How long in-flight requests get to finish after a stop signal.
const SHUTDOWN_GRACE_SECONDS: u64 = 10;
/// How long a client gets to send a request's head, and to close after the answer (actix-web's
/// own defaults, set here because the server is assembled from actix-http directly).
const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

pub struct Application {
    /// Ends the live relay thread when the application ends, run or not.
    _relay: crate::live::relay::StopOnDrop,
    port: u16,
    server: Server,
    pool: Pool,
    retention_hours: u32,
    postman: Arc<crate::mail::outbox::Postman>,
    pusher: Arc<crate::push::outbox::Pusher>,
    /// Tells live followers what the background jobs changed.
    news: crate::live::news::Notifier,
    purge_counters: crate::privacy::purge::Counters,
}

/// Open the database named by the settings, bring its schema up to date, and open the key file
/// that belongs to it (refused when it is missing or another one, see `privacy::unlock`).
pub fn open_store(settings: &Settings) -> anyhow::Result<(Pool, SecretKey)> {
    let pool = db::connect(&settings.database(), settings.database_connections)?;
    let mut conn = pool.get()?;
    db::migrate(&mut conn)?;
    let key = crate::privacy::unlock::unlock(&settings.data_dir, &mut conn)?;
    drop(conn);
    Ok((pool, key))
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Self> {
        let for_database = settings.clone();
        let (pool, key, vapid) = tokio::task::spawn_blocking(move || {
            let (pool, key) = open_store(&for_database)?;
            let mut conn = pool.get()?;
            let vapid = crate::push::vapid::unlock(&for_database.data_dir, &mut conn)?;
            drop(conn);
            anyhow::Ok((pool, key, vapid))
        })
        .await??;
        let vapid = Arc::new(vapid);
        let listener = TcpListener::bind(settings.bind).map_err(|error| {
            anyhow::anyhow!("could not listen on {} (--bind): {error}", settings.bind)
        })?;
        let port = listener.local_addr()?.port();
        if settings.public_url.is_none() {
            // With `--bind …:0` the real port is only known now.
            settings.public_url = Some(format!("http://{}:{port}", settings.bind.ip()));
        }
        let live = crate::live::hub::LiveHub::new(settings.live_buffer);
        let database_is_sqlite = settings.database().is_sqlite();
        // A worker's blocking threads do database work (`db::run`), and no more of that can run at
        // once than the pool has connections: further threads would only wait for one. Capped,
        // a burst (10,000 followers saying hello) queues instead of growing hundreds of threads.
        let blocking_threads = pool.max_size() as usize;
        let state = AppState {
            pool: pool.clone(),
            login_throttle: Arc::new(LoginThrottle::new(settings.rate_limit_per_minute)),
            passwords: Arc::new(Passwords::new(Passwords::at_once_beside(blocking_threads))),
            rsvp_limiter: Arc::new(Limiter::per_minute(settings.rate_limit_per_minute)),
            guess_throttle: Arc::new(crate::privacy::guessing::GuessThrottle::per_minute(
                settings.rate_limit_per_minute,
            )),
            settings: Arc::new(settings),
            key: Arc::new(key),
            client_keys: Arc::new(ClientKeys::default()),
            metrics: Arc::new(Metrics::new()?),
            feed_cache: Arc::new(crate::cache::OutputCache::new(FEED_BYTES_KEPT)),
            page_cache: Arc::new(crate::cache::OutputCache::new(PAGE_BYTES_KEPT)),
            news: crate::live::news::Notifier::new(database_is_sqlite, &live),
            live,
            push_public_key: Arc::from(vapid.public_key()),
        };
        tracing::info!(
            port,
            public_url = %state.public_base(),
            database = ?state.settings.database(),
            "Umbrella is serving"
        );
        let stopping = tokio_util::sync::CancellationToken::new();
        if let crate::config::DatabaseUrl::Postgres(url) = state.settings.database() {
            let url = secrecy::ExposeSecret::expose_secret(&url);
            crate::live::relay::start(url, pool.clone(), state.live.clone(), stopping.clone())?;
        }
        // The background workers take turns at the database when they look for work.
        let turns = db::wake::Turns::default();
        let postman = Arc::new(crate::mail::outbox::Postman {
            pool: pool.clone(),
            transport: crate::mail::transport::Transport::new(state.settings.mail_url.as_ref())?,
            composer: crate::mail::compose::Composer::new(&state.settings)?,
            key: state.key.clone(),
            timing: state.settings.mail_timing(),
            counters: state.metrics.mail_counters(),
            turns: turns.clone(),
        });
        let pusher = Arc::new(crate::push::outbox::Pusher {
            pool: pool.clone(),
            key: state.key.clone(),
            sender: crate::push::send::Sender::new(
                vapid,
                state.public_base(),
                state.settings.push_services(),
            )?,
            timing: state.settings.mail_timing(),
            counters: state.metrics.push_counters(),
            turns,
        });
        let https = state.settings.is_https();
        let retention_hours = state.settings.retention_hours;
        let news = state.news.clone();
        let purge_counters = state.metrics.purge_counters();
        let data = web::Data::new(state);
        let builder = actix_server::Server::build()
            .shutdown_timeout(SHUTDOWN_GRACE_SECONDS)
            .worker_max_blocking_threads(blocking_threads);
        // As actix-web's HttpServer does: on a stop, idle keep-alive connections close at once.
        let stopping_signal = builder.graceful_shutdown_signal();
        let server = builder
            .listen("umbrella", listener, move || {
                let signal = stopping_signal.clone();
                let data = data.clone();
                // Made on the worker when a connection comes, let go when it has been quiet.
                on_demand::OnDemand::new(
                    move || {
                        let application =
                            || map_config(app(data.clone(), https), |_| AppConfig::default());
                        let signal = signal.clone();
                        // Live followers hear of a stop too, and are told to reconnect elsewhere.
                        let for_followers = signal.clone();
                        HttpService::build()
                            .graceful_shutdown_signal(move || {
                                let signal = signal.clone();
                                async move { signal.notified().await }
                            })
                            .keep_alive(KeepAlive::default())
                            .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
                            .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
                            .upgrade(crate::live::takeover::service(application(), for_followers))
                            .finish(application())
                            .tcp()
                    },
                    on_demand::LINGER,
                )
            })?
            .run();
        Ok(Self {
            _relay: crate::live::relay::StopOnDrop(stopping),
            port,
            server,
            pool,
            retention_hours,
            postman,
            pusher,
            news,
            purge_counters,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server from elsewhere (tests, signal handlers).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let sweeper = tokio::spawn(sweep_expired_sessions(self.pool.clone()));
        let purger = tokio::spawn(crate::privacy::purge::run_periodically(
            self.pool.clone(),
            self.retention_hours,
            self.postman.transport.folder().cloned(),
            self.purge_counters.clone(),
            self.news.clone(),
        ));
        let postman = tokio::spawn(crate::mail::outbox::run(self.postman.clone()));
        let safety = tokio::spawn(crate::live::safety::run(
            self.pool.clone(),
            self.news.clone(),
            self.postman.turns.clone(),
        ));
        let pusher = tokio::spawn(crate::push::outbox::run(self.pusher.clone()));
        let checkpointer = tokio::spawn(db::checkpoint::complete_owed(self.pool.clone()));
        let outcome = self.server.await;
        checkpointer.abort();
        sweeper.abort();
        purger.abort();
        postman.abort();
        safety.abort();
        pusher.abort();
        tracing::info!("Umbrella stopped");
        outcome
    }
}

async fn sweep_expired_sessions(pool: Pool) {
    let mut every = tokio::time::interval(SESSION_SWEEP_INTERVAL);
    loop {
        every.tick().await;
        let pool = pool.clone();
        let swept = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
            let mut conn = pool.get()?;
            Ok(db::credentials::delete_expired_sessions(
                &mut conn,
                chrono::Utc::now(),
            )?)
        })
        .await;
        if let Ok(Err(error)) = swept {
            tracing::warn!(error = %error, "could not remove expired sessions");
        }
    }
}

/// The application one worker serves: every route behind the middleware. Each time a worker
/// makes its service (`on_demand`) it makes two, one for ordinary requests and one inside the
/// websocket upgrade service (`live::takeover`).
fn app(
    data: web::Data<AppState>,
    https: bool,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let metrics = data.metrics.clone();
    App::new()
        .app_data(data)
        .app_data(web::QueryConfig::default().error_handler(|error, _| {
            crate::error::AppError::BadRequest(format!(
                "the query string could not be read: {error}"
            ))
            .into()
        }))
        .app_data(
            web::PathConfig::default()
                .error_handler(|_, _| crate::error::AppError::NotFound.into()),
        )
        .configure(routes)
        .wrap(from_fn(crate::security::slow_down_guessing))
        .wrap(from_fn(crate::security::refuse_cross_site_posts))
        .wrap(ErrorHandlers::new().default_handler(crate::error::page::render))
        .wrap(from_fn(move |request, next| {
            crate::extract::locale::choose_language(request, next, https)
        }))
        .wrap(crate::security::default_headers(https))
        .wrap(from_fn(crate::security::deny_framing))
        .wrap(Compress::default())
        .wrap(from_fn(move |request, next| {
            observe_requests(request, next, metrics.clone())
        }))
}

/// Every path the server answers, in one place.
#[rustfmt::skip]
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::home))
        .route("/events/{id}", web::get().to(rsvp::event_page))
        .route("/events/{id}/rsvp", web::post().to(rsvp::create))
        .route("/events/{id}/event.ics", web::get().to(calendar::event_file))
        .route("/events/{id}/live", web::get().to(live_pages::public))
        .route("/events/{id}/flyer", web::get().to(flyer::flyer))
        .route("/calendar.ics", web::get().to(calendar::feed))
        .route("/feed.atom", web::get().to(atom::feed))
        .route(crate::security::EMBED_PATH, web::get().to(embed::listing))
        .route("/r/{token}", web::get().to(rsvp::manage))
        .route("/r/{token}", web::post().to(rsvp::manage_post))
        .route("/r/{token}/calendar.ics", web::get().to(calendar::private_feed))
        .route("/r/{token}/unsubscribe", web::get().to(rsvp::unsubscribe_page))
        .route("/r/{token}/unsubscribe", web::post().to(rsvp::unsubscribe))
        .route("/r/{token}/live", web::get().to(live_pages::attendee))
        .route("/door/{token}", web::get().to(door::page))
        .route("/door/{token}", web::post().to(door::arrived))
        .route("/healthz", web::get().to(operations::healthz))
        .route("/metrics", web::get().to(operations::metrics))
        .route("/static/{path:.*}", web::get().to(assets::asset))
        .route("/manifest.webmanifest", web::get().to(assets::manifest))
        .service(
            web::scope("/organize")
                .route("", web::get().to(organize_home::dashboard))
                .route("/past", web::get().to(organize_home::past_events))
                .route("/login", web::get().to(organize::login_form))
                .route("/login", web::post().to(organize::login))
                .route("/login/code", web::get().to(organize::login_code_form))
                .route("/login/code", web::post().to(organize::login_code))
                .route("/logout", web::post().to(organize::logout))
                .route("/password", web::get().to(organize_account::password_form))
                .route("/password", web::post().to(organize_account::change_password))
                .route("/account", web::get().to(organize_account::show))
                .route("/account/totp/start", web::post().to(organize_account::start_totp))
                .route("/account/totp/confirm", web::post().to(organize_account::confirm_totp))
                .route("/account/totp/disable", web::post().to(organize_account::disable_totp))
                .route("/organizers", web::get().to(organize_admin::list))
                .route("/organizers/{id}/{action}", web::post().to(organize_admin::act))
                .route("/audit", web::get().to(organize_admin::audit_log))
                .route("/events/new", web::get().to(organize::new_event_form))
                .route("/events", web::post().to(organize::create_event))
                .route("/events/{id}/edit", web::get().to(organize::edit_event_form))
                .route("/events/{id}", web::get().to(organize_home::hub))
                .route("/events/{id}", web::post().to(organize::update_event))
                .route("/events/{id}/copy", web::get().to(organize::copy_event_form))
                .route("/events/{id}/cancel", web::post().to(organize::cancel_event))
                .route("/events/{id}/rsvps", web::get().to(organize_rsvps::list))
                .route("/events/{id}/rsvps/{rsvp_id}/{decision}", web::post().to(organize_rsvps::decide))
                .route("/events/{id}/live", web::get().to(live_pages::console))
                .route("/events/{id}/door", web::get().to(door_links::page))
                .route("/events/{id}/door", web::post().to(door_links::page_create))
                .route("/events/{id}/door/{link_id}/revoke", web::post().to(door_links::page_revoke))
                .route("/events/{id}/invites", web::get().to(invites::page))
                .route("/events/{id}/invites", web::post().to(invites::page_create))
                .route("/events/{id}/invites/{invite_id}/revoke", web::post().to(invites::page_revoke))
                .route("/events/{id}/updates", web::post().to(live_pages::post)),
        )
        .service(
            web::scope("/api/v1")
                .route("/openapi.json", web::get().to(crate::routes::openapi::document))
                .route("/events", web::get().to(events_api::list))
                .route("/events", web::post().to(events_api::create))
                .route("/events/{id}", web::get().to(events_api::get))
                .route("/events/{id}", web::patch().to(events_api::update))
                .route("/events/{id}/cancel", web::post().to(events_api::cancel))
                .route("/series/{series_id}", web::get().to(series_api::get))
                .route("/events/{id}/rsvps", web::post().to(rsvps_api::create))
                .route("/events/{id}/rsvps", web::get().to(rsvps_api::list))
                .route("/events/{id}/rsvps/{rsvp_id}/{decision}", web::post().to(rsvps_api::decide))
                .route("/events/{id}/updates", web::post().to(live_api::post_update))
                .route("/events/{id}/updates", web::get().to(live_api::list_updates))
                .route("/events/{id}/live", web::get().to(live_api::websocket))
                .route("/events/{id}/door-links", web::post().to(door_links::create))
                .route("/events/{id}/door-links", web::get().to(door_links::list))
                .route("/events/{id}/door-links/{link_id}", web::delete().to(door_links::delete))
                .route("/events/{id}/invites", web::post().to(invites::create))
                .route("/events/{id}/invites", web::get().to(invites::list))
                .route("/events/{id}/invites/{invite_id}", web::delete().to(invites::delete))
                .route("/rsvps/{token}", web::get().to(rsvps_api::get))
                .route("/rsvps/{token}", web::patch().to(rsvps_api::update))
                .route("/rsvps/{token}", web::delete().to(rsvps_api::delete))
                .route("/rsvps/{token}/checkin", web::post().to(live_api::check_in))
                .route("/rsvps/{token}/safe", web::post().to(live_api::home_safe))
                .route("/rsvps/{token}/help", web::post().to(live_api::ask_for_help))
                .route("/rsvps/{token}/push", web::put().to(push_api::subscribe_rsvp))
                .route("/rsvps/{token}/push", web::delete().to(push_api::unsubscribe_rsvp))
                .route("/organizer/push", web::put().to(push_api::subscribe_organizer))
                .route("/organizer/push", web::delete().to(push_api::unsubscribe_organizer))
                .route("/push", web::get().to(push_api::key)),
        )
        .default_service(web::to(crate::routes::not_found));
}
