//! The product's own types, validated at the edge: events, RSVPs, organizers, markdown, emails.
//! Anything past these constructors is known to be well-formed.

pub mod access;
pub mod admission;
pub mod audit;
pub mod door;
pub mod event;
pub mod invite;
pub mod live;
pub mod markdown;
pub mod message;
pub mod organizer;
pub mod push;
pub mod question;
pub mod quota;
pub mod rsvp;
pub mod series;

/// A field that failed validation, named as the API names it (`answers.<id>` is made from a
/// question's id, so a name may be built at run time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: std::borrow::Cow<'static, str>,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: std::borrow::Cow::Borrowed(field),
            message: message.into(),
        }
    }

    /// A field whose name is made at run time.
    pub fn named(field: String, message: impl Into<String>) -> Self {
        Self {
            field: std::borrow::Cow::Owned(field),
            message: message.into(),
        }
    }
}

/// An enum stored and sent as a fixed lower-case word (a string enum in the OpenAPI document,
/// a text column in the database). A stored word this version does not know is an error when
/// read, never taken for some other value.
macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $(#[serde(rename = $word)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            pub fn parse(word: &str) -> Option<Self> {
                match word { $($word => Some($name::$variant),)+ _ => None }
            }
        }

        // By hand: utoipa's derive does not see `serde(rename)` through this macro's literals.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($word),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(value: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let word = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    DB,
                >>::from_sql(value)?;
                Self::parse(&word).ok_or_else(|| {
                    concat!("a stored ", stringify!($name), " this version does not know").into()
                })
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $name
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, DB>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(
                    self.as_str(),
                    out,
                )
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use word_enum;

/// A one-line text (a title, a name, a place): trimmed, its length checked in characters (not
/// bytes: any script counts the same), and no control character anywhere, line breaks
/// included: such text ends up in mail headers, calendar lines and page titles.
pub fn bounded_text(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<String, FieldError> {
    checked_text(field, value, min, max, |_| false)
}

/// A text of several lines (a description, notes, a message): as `bounded_text`, except that
/// line breaks (LF, CR) and tabs are allowed.
pub fn bounded_multiline_text(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<String, FieldError> {
    checked_text(field, value, min, max, |c| matches!(c, '\n' | '\r' | '\t'))
}

fn checked_text(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
    allowed: impl Fn(char) -> bool,
) -> Result<String, FieldError> {
    // Checked before trimming: a line break at either end is refused too, not quietly dropped.
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(FieldError::new(
            field,
            format!("{field} contains control characters"),
        ));
    }
    let value = value.trim();
    let length = value.chars().count();
    if length < min {
        return Err(FieldError::new(field, format!("{field} is required")));
    }
    if length > max {
        return Err(FieldError::new(
            field,
            format!("{field} must be at most {max} characters"),
        ));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_text_refuses_every_control_character() {
        for bad in [
            "Book\r\nBcc: x@example.org",
            "Book\nclub",
            "Book club\n",
            "Book\u{0}club",
            "Book\tclub",
            "Book\u{1b}[31mclub",
            "Book\u{85}club",
        ] {
            let error = bounded_text("cover_title", bad, 1, 140).expect_err(bad);
            assert_eq!(error.field, "cover_title");
        }
        assert_eq!(
            bounded_text("title", "  Café ☂ night ", 1, 140),
            Ok("Café ☂ night".into())
        );
    }

    #[test]
    fn several_lines_allow_line_breaks_and_tabs_only() {
        assert_eq!(
            bounded_multiline_text("description", "One\r\nTwo\n\tThree", 0, 100),
            Ok("One\r\nTwo\n\tThree".into())
        );
        for bad in ["One\u{0}", "One\u{7}Two", "\u{1b}[2J"] {
            let error = bounded_multiline_text("needs", bad, 0, 100).expect_err(bad);
            assert_eq!(error.field, "needs");
        }
    }
}
