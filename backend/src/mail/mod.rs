//! Email: reminders and notices leave through the outbox (`outbox`: the worker that claims,
//! sends and retries), are composed from templates (`compose`), and go out over SMTP or into
//! `.eml` files chosen on purpose (`transport`, `folder`). With no mail URL none go at all.

pub mod compose;
pub mod folder;
pub mod outbox;
pub mod transport;
