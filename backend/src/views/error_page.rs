//! Error pages for people: any 4xx or 5xx outside the API becomes a plain HTML page that says
//! what happened, keeping the status code and headers (such as `Retry-After`).

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{HeaderValue, CONTENT_TYPE};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::HttpResponse;
use askama::Template;

use super::pages::ErrorPage;
use super::Chrome;
use crate::error::AppError;

fn heading(status: u16) -> &'static str {
    match status {
        400 | 422 => "Something in the form needs another look",
        401 | 403 => "You can't open this page",
        404 => "We can't find that page",
        409 => "That can't be done now",
        413 => "That was too much to send",
        429 => "Too many tries",
        _ => "Something went wrong on our side",
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
    let message = response
        .response()
        .error()
        .and_then(|error| error.as_error::<AppError>())
        .filter(|error| !matches!(error, AppError::Internal(_)))
        .map(|error| error.to_string())
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_string());
    let page = ErrorPage {
        chrome: Chrome::public(heading(status.as_u16())),
        heading: heading(status.as_u16()),
        message,
    };
    let html = page
        .render()
        .unwrap_or_else(|_| heading(status.as_u16()).to_string());
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
