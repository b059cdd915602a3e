//! Response headers that keep pages private and self-contained (and the one page other sites
//! may frame, `/embed`), the refusal of cross-site posts, and the slowing down of clients that
//! guess manage links, door links or event ids.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HOST, ORIGIN};
use actix_web::http::StatusCode;
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::web;

use crate::error::AppError;
use crate::state::AppState;

/// Everything comes from this origin: no CDN, font, analytics or remote image can load.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers on every response. HSTS only when the site is served over https.
pub fn default_headers(https: bool) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
        .add(("Cross-Origin-Resource-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ));
    if https {
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

/// Marks a response that the websites in `--embed-origins` may show in a frame (`/embed`): it
/// carries its own `frame-ancestors`, and gets no `X-Frame-Options`.
#[derive(Debug, Clone, Copy)]
pub struct Embeddable;

/// The path of the embeddable listing. Nothing answered on it sets a cookie, its refusals
/// (`404` without `--embed-origins`, `422` for a bad filter) included.
pub const EMBED_PATH: &str = "/embed";

/// The Content-Security-Policy of an embeddable response: ours, with `frame-ancestors` naming
/// the allowed origins (already checked to be bare origins, see `config::EmbedOrigins`).
pub fn embeddable_policy(origins: &crate::config::EmbedOrigins) -> String {
    let policy = CONTENT_SECURITY_POLICY
        .strip_suffix("frame-ancestors 'none'")
        .unwrap_or(CONTENT_SECURITY_POLICY);
    format!("{policy}frame-ancestors {}", origins.origins().join(" "))
}

/// Middleware: `X-Frame-Options: DENY` on every response but an `Embeddable` one (older
/// browsers that ignore `frame-ancestors` read it).
pub async fn deny_framing(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(request).await?;
    if response
        .response()
        .extensions()
        .get::<Embeddable>()
        .is_none()
    {
        response.headers_mut().insert(
            actix_web::http::header::X_FRAME_OPTIONS,
            actix_web::http::header::HeaderValue::from_static("DENY"),
        );
    }
    Ok(response)
}

/// Whether a request was sent by a page on another site. Browsers say so in `Sec-Fetch-Site`;
/// for older ones a foreign `Origin` counts too. `Origin: null` is what our own forms send under
/// `Referrer-Policy: no-referrer`, so it is not taken as foreign.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (None, _) | (Some("null"), _) => false,
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest) != Some(host),
        (Some(_), None) => true,
    }
}

/// Middleware: refuse any state-changing request sent from another site.
pub async fn refuse_cross_site_posts(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !request.method().is_safe() && is_cross_site(request.headers()) {
        let refusal = AppError::Forbidden("requests from other sites are refused".into());
        let response = actix_web::HttpResponse::from_error(refusal);
        return Ok(request.into_response(response).map_into_right_body());
    }
    next.call(request)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Paths whose last part is a secret or an id someone could try to guess.
fn guarded(path: &str) -> bool {
    [
        "/r/",
        "/api/v1/rsvps/",
        "/events/",
        "/api/v1/events/",
        "/api/v1/series/",
        "/door/",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix))
}

/// Middleware: on guarded paths, count each `404` as a miss, and answer a blocked client's
/// misses with `429`. What exists is served to everyone, blocked or not.
pub async fn slow_down_guessing(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let state = request.app_data::<web::Data<AppState>>().cloned();
    let (Some(state), true) = (state, guarded(request.path())) else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let key = state.client_key(request.request());
    let blocked = state.guess_throttle.wait(&key);
    let response = next.call(request).await?;
    if response.status() != StatusCode::NOT_FOUND {
        return Ok(response.map_into_left_body());
    }
    state.guess_throttle.missed(&key);
    match blocked {
        Some(seconds) => {
            let refusal = actix_web::HttpResponse::from_error(AppError::RateLimited(seconds));
            Ok(response.into_response(refusal).map_into_right_body())
        }
        None => Ok(response.map_into_left_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn cross_site_is_recognised() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "x.org")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "x.org")
        ])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "https://x.org"),
            ("host", "x.org")
        ])));
        assert!(
            !is_cross_site(&headers(&[])),
            "non-browser clients send neither"
        );
    }

    #[test]
    fn an_embeddable_policy_changes_only_its_frame_ancestors() {
        let origins =
            crate::config::EmbedOrigins::parse("https://a.example,https://b.example").expect("ok");
        let policy = embeddable_policy(&origins);
        assert!(policy.ends_with("; frame-ancestors https://a.example https://b.example"));
        assert!(!policy.contains("'none'; frame"), "{policy}");
        assert_eq!(
            policy.replace("frame-ancestors https://a.example https://b.example", ""),
            CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "")
        );
    }

    #[test]
    fn only_secret_bearing_paths_are_guarded() {
        assert!(guarded("/r/abc"));
        assert!(guarded("/api/v1/rsvps/abc/checkin"));
        assert!(guarded("/events/x/live"));
        assert!(guarded("/door/abc"));
        assert!(!guarded("/"));
        assert!(!guarded("/organize/login"));
        assert!(!guarded("/static/umbrella.css"));
    }
}
