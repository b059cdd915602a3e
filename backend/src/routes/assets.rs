//! Static files (stylesheet, icon, small scripts) embedded in the binary, served with a
//! content hash as `ETag`. Only embedded files exist here, so no path can reach the disk. The
//! live pages' service worker may control pages outside `/static/` (live.js registers it for
//! one live page at a time) and is revalidated on every load, so a fix reaches devices at once.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

use crate::error::AppError;

/// The live pages' service worker (see `frontend/static/live-sw.js`).
pub const LIVE_SERVICE_WORKER: &str = "live-sw.js";
/// The Web Push service worker (see `frontend/static/push-sw.js`); its scope is under `/static/`.
pub const PUSH_SERVICE_WORKER: &str = "push-sw.js";

#[derive(RustEmbed)]
#[folder = "../frontend/static"]
struct Assets;

pub async fn asset(
    request: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let file = Assets::get(path.as_str()).ok_or(AppError::NotFound)?;
    let etag: String = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let matches = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response.insert_header((header::ETAG, etag));
    if path.as_str() == LIVE_SERVICE_WORKER {
        response
            .insert_header(("Service-Worker-Allowed", "/"))
            .insert_header((header::CACHE_CONTROL, "no-cache"));
    } else if path.as_str() == PUSH_SERVICE_WORKER {
        response.insert_header((header::CACHE_CONTROL, "no-cache"));
    } else {
        response.insert_header((header::CACHE_CONTROL, "public, max-age=3600"));
    }
    if matches {
        return Ok(response.finish());
    }
    let mime = mime_guess::from_path(path.as_str()).first_or_octet_stream();
    let content_type = HeaderValue::from_str(mime.as_ref()).map_err(AppError::internal)?;
    Ok(response
        .insert_header((header::CONTENT_TYPE, content_type))
        .body(file.data.into_owned()))
}

/// `GET /manifest.webmanifest`: the web app manifest, so a phone can add the site to its home
/// screen (iOS delivers Web Push only to such an installed web app). Its name is the neutral one
/// the group chose (`--app-name`); with no `start_url` the installed app opens the page it was
/// added from (a manage page, say). Its icon is a plain shape (`app-icon.svg`), not the site's
/// red umbrella: that is the sex workers' rights movement's symbol, and a home screen shows it
/// to whoever picks up the phone.
pub async fn manifest(state: web::Data<crate::state::AppState>) -> HttpResponse {
    let name = &state.settings.app_name;
    let manifest = serde_json::json!({
        "name": name,
        "short_name": name,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#ffffff",
        "icons": [{"src": "/static/app-icon.svg", "sizes": "any", "type": "image/svg+xml"}],
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/manifest+json"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(manifest.to_string())
}
