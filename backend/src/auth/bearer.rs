//! The one reader of `Authorization: Bearer <token>` (RFC 6750), for the API's organizer
//! tokens and the metrics token alike.

/// The token in an `Authorization` header's value, if it uses the bearer scheme. The scheme is
/// matched without regard to case (RFC 9110 §11.1, formerly RFC 7235), whitespace around the
/// token is dropped, and an empty token is no token.
pub fn token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once([' ', '\t'])?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    Some(token.trim()).filter(|token| !token.is_empty())
}

#[cfg(test)]
mod tests {
    use super::token;

    #[test]
    fn the_scheme_is_matched_in_any_case() {
        for value in ["Bearer abc", "bearer abc", "BEARER abc", "bEaReR\tabc"] {
            assert_eq!(token(value), Some("abc"), "{value:?}");
        }
    }

    #[test]
    fn whitespace_around_the_token_is_dropped() {
        assert_eq!(token("Bearer   abc  "), Some("abc"));
        assert_eq!(token("  Bearer abc"), Some("abc"));
    }

    #[test]
    fn empty_tokens_and_other_schemes_are_refused() {
        for value in [
            "",
            "Bearer",
            "Bearer ",
            "Bearer    ",
            "Bearerabc",
            "Basic dXNlcjpwdw==",
            "Token abc",
            "abc",
        ] {
            assert_eq!(token(value), None, "{value:?}");
        }
    }
}
