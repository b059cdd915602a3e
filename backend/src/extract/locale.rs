//! The visitor's language, read from each request: `?lang=` first (remembered in a cookie),
//! then that cookie, then `Accept-Language`; the middleware that does it before the handler
//! runs, and the `Locale` extractor. The languages and messages themselves are `i18n`'s.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptLanguage, Header, HeaderValue, Preference};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::i18n::{Lang, Locale, COOKIE};

/// The first language of ours in the visitor's ranked `Accept-Language`, else English.
pub fn from_accept_language(request: &HttpRequest) -> Lang {
    AcceptLanguage::parse(request)
        .ok()
        .and_then(|accepted| {
            accepted
                .ranked()
                .into_iter()
                .find_map(|choice| match choice {
                    Preference::Specific(tag) => Lang::parse(tag.primary_language()),
                    Preference::Any => None,
                })
        })
        .unwrap_or_default()
}

/// The language of this request and the link that switches to the other; also the language
/// chosen with `?lang=`, if one was.
pub fn negotiate(request: &HttpRequest) -> (Locale, Option<Lang>) {
    let chosen = query_choice(request.query_string());
    let lang = chosen
        .or_else(|| {
            request
                .cookie(COOKIE)
                .and_then(|cookie| Lang::parse(cookie.value()))
        })
        .unwrap_or_else(|| from_accept_language(request));
    let mut query: Vec<(String, String)> =
        url::form_urlencoded::parse(request.query_string().as_bytes())
            .filter(|(name, _)| name != "lang")
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
    query.push(("lang".into(), lang.other().code().into()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish();
    // One leading slash only: `//host` or `/\host` would make the link leave the site.
    let path = request.path().trim_start_matches(['/', '\\']);
    let switch_href = format!("/{path}?{query}");
    (Locale { lang, switch_href }, chosen)
}

fn query_choice(query: &str) -> Option<Lang> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "lang")
        .and_then(|(_, value)| Lang::parse(&value))
}

/// Works out each request's language before the handler runs; remembers a choice made with
/// `?lang=` in a cookie with no expiry (gone when the browser session ends), except on the
/// embeddable listing's path, whatever it answers (another site's frame gets no cookie); and
/// marks pages as varying by language so that shared caches keep them apart.
/// `https` marks the cookie `Secure`.
pub async fn choose_language(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
    https: bool,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let (locale, chosen) = negotiate(request.request());
    let embedded = request.path() == crate::security::EMBED_PATH;
    let lang = locale.lang;
    request.extensions_mut().insert(locale);
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    let is_page = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if is_page {
        headers.append(
            header::VARY,
            HeaderValue::from_static("Accept-Language, Cookie"),
        );
    }
    // A page framed by another website sets no cookie, not even this one.
    if chosen.is_some() && !embedded {
        let cookie = Cookie::build(COOKIE, lang.code())
            .path("/")
            .same_site(SameSite::Lax)
            .secure(https)
            .finish();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    Ok(response)
}

impl FromRequest for Locale {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let locale = request
            .extensions()
            .get::<Locale>()
            .cloned()
            .unwrap_or_else(|| negotiate(request).0);
        std::future::ready(Ok(locale))
    }
}

/// The locale of a request (for code that has the request but no extractor).
pub fn locale_of(request: &HttpRequest) -> Locale {
    request
        .extensions()
        .get::<Locale>()
        .cloned()
        .unwrap_or_else(|| negotiate(request).0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn picks_the_first_language_we_speak() {
        let request = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, "fr-FR, es-MX;q=0.8, en;q=0.5"))
            .to_http_request();
        assert_eq!(from_accept_language(&request), Lang::Es);
        let request = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, "de, *;q=0.1"))
            .to_http_request();
        assert_eq!(from_accept_language(&request), Lang::En);
        let request = TestRequest::default()
            .insert_header((header::ACCEPT_LANGUAGE, "!!garbage;;q=x"))
            .to_http_request();
        assert_eq!(from_accept_language(&request), Lang::En);
    }

    #[test]
    fn the_switch_wins_then_the_cookie_then_the_header() {
        let request = TestRequest::with_uri("/?kind=action&lang=es")
            .insert_header((header::ACCEPT_LANGUAGE, "en"))
            .to_http_request();
        let (locale, chosen) = negotiate(&request);
        assert_eq!((locale.lang, chosen), (Lang::Es, Some(Lang::Es)));
        assert_eq!(locale.switch_href, "/?kind=action&lang=en");

        let request = TestRequest::with_uri("/events/x")
            .cookie(Cookie::new(COOKIE, "es"))
            .insert_header((header::ACCEPT_LANGUAGE, "en"))
            .to_http_request();
        let (locale, chosen) = negotiate(&request);
        assert_eq!((locale.lang, chosen), (Lang::Es, None));
        assert_eq!(locale.switch_href, "/events/x?lang=en");

        // A path that would make the switch a link to another site stays on this one.
        for sneaky in ["//evil.example/x", "/%5Cevil.example/x"] {
            let request = TestRequest::with_uri(sneaky).to_http_request();
            let (locale, _) = negotiate(&request);
            assert!(
                locale.switch_href.starts_with("/evil.example/x?")
                    || locale.switch_href.starts_with("/%5Cevil.example/x?"),
                "{}",
                locale.switch_href
            );
            assert!(!locale.switch_href.starts_with("//"));
        }
    }
}
