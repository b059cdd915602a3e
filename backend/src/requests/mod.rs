//! What people send, parsed: request bodies and forms become the domain's types here, at the
//! edge, so a `422` never takes a database connection. Imports only `domain`.

pub mod event;
pub mod rsvp;
