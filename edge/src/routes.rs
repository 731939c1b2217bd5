//! HTTP handlers, one module per resource.

pub mod calls;
pub mod lease;
pub mod sites;
pub mod telephony;
