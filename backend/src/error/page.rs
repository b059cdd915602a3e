//! Error pages for people: any 4xx or 5xx outside the API becomes a plain HTML page (the
//! template is `views::pages::ErrorPage`) that says what happened, keeping the status code and
//! headers (such as `Retry-After`).

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderValue, CONTENT_TYPE};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpMessage, HttpResponse};
use askama::Template;

use super::AppError;
use crate::i18n::{Lang, Locale};
use crate::views::pages::ErrorPage;
use crate::views::Chrome;

/// The message id naming what happened: `error-{case}` is the heading, `error-{case}-detail`
/// the explanation in languages other than English (English shows the error's own words).
fn case(status: u16) -> &'static str {
    match status {
        400 | 422 => "bad-input",
        401 | 403 => "forbidden",
        404 => "not-found",
        409 => "conflict",
        413 => "too-large",
        429 => "too-many",
        _ => "ours",
    }
}

/// `ErrorHandlers` hook: leave API responses as JSON, give everything else an HTML page.
pub fn render<B>(response: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    // Pages that chose their own 4xx (a form with errors) keep it; API answers stay JSON.
    if response.response().error().is_none() || response.request().path().starts_with("/api/") {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    // Worked out for this request by `extract::locale::choose_language`, which runs around
    // this hook.
    let locale = response
        .request()
        .extensions()
        .get::<Locale>()
        .cloned()
        .unwrap_or_else(|| Locale::plain(Lang::default()));
    let lang = locale.lang;
    let case = case(status.as_u16());
    let heading = lang.word("error", case);
    let message = match lang {
        Lang::En => response
            .response()
            .error()
            .and_then(|error| error.as_error::<AppError>())
            .filter(|error| !matches!(error, AppError::Internal(_)))
            .map(|error| error.to_string())
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_string()),
        _ => lang.t(&format!("error-{case}-detail")),
    };
    let page = ErrorPage {
        chrome: Chrome::public(heading.clone(), &locale),
        heading: heading.clone(),
        message,
    };
    let html = page.render().unwrap_or(heading);
    let (request, old) = response.into_parts();
    let mut new = HttpResponse::with_body(status, html).map_into_boxed_body();
    for (name, value) in old.headers() {
        if name != CONTENT_TYPE && name != actix_web::http::header::CONTENT_LENGTH {
            new.headers_mut().append(name.clone(), value.clone());
        }
    }
    new.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let new: HttpResponse<EitherBody<B, BoxBody>> = new.map_body(|_, body| EitherBody::right(body));
    Ok(ErrorHandlerResponse::Response(ServiceResponse::new(
        request, new,
    )))
}
