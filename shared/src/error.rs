//! The typed errors of the core; adapters map them to HTTP (edge) or silence (widget).

use alloc::string::String;

/// Every failure a caller can cause or meet. `code()` is the stable machine-readable name
/// sent to API clients; the `Display` text tells them what to fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("invalid phone number {input:?}: {reason}")]
    InvalidPhoneNumber { input: String, reason: &'static str },
    #[error("no lease {0:?} for this visitor; ask for a new one with POST /v1/lease")]
    UnknownLease(String),
    #[error("lease {0:?} has ended; ask for a new one with POST /v1/lease")]
    LeaseEnded(String),
    #[error("{0}")]
    NotFound(String),
    #[error("unknown site {0:?}")]
    UnknownSite(String),
    #[error("{0}")]
    Conflict(String),
    #[error("missing or wrong API token")]
    Unauthorized,
    /// A request that must be signed is not (e.g. a wrong `X-Twilio-Signature`).
    #[error("{0}")]
    Forbidden(String),
    #[error("body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("content type must be {0}")]
    UnsupportedMediaType(&'static str),
    #[error("every tracking number of site {0:?} is leased; the page keeps its own number")]
    PoolExhausted(String),
    #[error("storage failed: {0}")]
    Storage(String),
}

impl Error {
    /// Stable code for the JSON error body.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidRequest(_) => "invalid_request",
            Error::InvalidPhoneNumber { .. } => "invalid_phone_number",
            Error::UnknownSite(_) => "unknown_site",
            Error::NotFound(_) => "not_found",
            Error::UnknownLease(_) => "unknown_lease",
            Error::LeaseEnded(_) => "lease_ended",
            Error::Unauthorized => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::PayloadTooLarge(_) => "payload_too_large",
            Error::UnsupportedMediaType(_) => "unsupported_media_type",
            Error::Conflict(_) => "conflict",
            Error::PoolExhausted(_) => "pool_exhausted",
            Error::Storage(_) => "internal",
        }
    }

    /// The HTTP status this error deserves; the edge maps errors in exactly one place with it.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::InvalidRequest(_) | Error::InvalidPhoneNumber { .. } => 400,
            Error::Unauthorized => 401,
            Error::Forbidden(_) => 403,
            Error::PayloadTooLarge(_) => 413,
            Error::UnsupportedMediaType(_) => 415,
            Error::UnknownSite(_) | Error::UnknownLease(_) | Error::NotFound(_) => 404,
            Error::LeaseEnded(_) => 410,
            Error::Conflict(_) => 409,
            Error::PoolExhausted(_) => 503,
            Error::Storage(_) => 500,
        }
    }

    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::InvalidRequest(msg.into())
    }
}

pub type Result<T, E = Error> = core::result::Result<T, E>;
