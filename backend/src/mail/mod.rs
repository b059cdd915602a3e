//! Email: reminders and notices leave through the outbox (`outbox`: the worker that claims,
//! sends and retries), are composed from templates (`compose`), and go out over SMTP or into
//! `.eml` files (`transport`).

pub mod compose;
pub mod outbox;
pub mod transport;
