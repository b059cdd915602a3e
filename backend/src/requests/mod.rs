//! What people send, parsed: request bodies and forms become the domain's types here, at the
//! edge, so a `422` never takes a database connection. Imports only `domain`.

pub mod door;
pub mod event;
pub mod invite;
pub mod page;
pub mod push;
pub mod rsvp;

/// A string of nothing but what the server trims: a field left blank, which it reads as "none".
/// For the schemas of fields that take a value or a blank.
pub fn blank() -> utoipa::openapi::schema::ObjectBuilder {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some(
            r"^[\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
        ))
}
