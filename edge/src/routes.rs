//! HTTP handlers, one module per resource. Each answers `Result<Response, EdgeError>`; the
//! router answers the error in the endpoint's dialect.

pub(crate) mod admin;
pub(crate) mod bench;
pub(crate) mod calls;
pub(crate) mod lease;
pub(crate) mod lifecycle;
pub(crate) mod live;
pub(crate) mod masking;
pub(crate) mod money;
pub(crate) mod settings;
pub(crate) mod sites;
pub(crate) mod telephony;
