//! HTTP handlers, one module per resource.

pub mod admin;
pub(crate) mod body;
pub mod calls;
pub mod lease;
pub mod settings;
pub mod sites;
pub mod telephony;
