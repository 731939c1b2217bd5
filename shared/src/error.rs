//! The typed errors of the core; adapters map them to HTTP (edge) or silence (widget).

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
    /// Too many of something a caller holds at once (live tickets, live sockets).
    #[error("{0}")]
    TooMany(String),
    /// Well-formed but unusable: an `Idempotency-Key` reused with another request.
    #[error("{0}")]
    Unprocessable(String),
    #[error("body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("content type must be {0}")]
    UnsupportedMediaType(&'static str),
    #[error("every tracking number of site {0:?} is leased; the page keeps its own number")]
    PoolExhausted(String),
    #[error("storage failed: {0}")]
    Storage(String),
    /// A caller's error about one field of a document (`lease_minutes`, `pool[2].region`),
    /// so a form can show the message beside that field. Answers as `error` does.
    #[error("{error}")]
    AtField { field: String, error: Box<Error> },
}

impl Error {
    /// Stable code for the JSON error body.
    pub fn code(&self) -> &'static str {
        match self {
            Error::AtField { error, .. } => error.code(),
            Error::InvalidRequest(_) => "invalid_request",
            Error::InvalidPhoneNumber { .. } => "invalid_phone_number",
            Error::UnknownSite(_) => "unknown_site",
            Error::NotFound(_) => "not_found",
            Error::UnknownLease(_) => "unknown_lease",
            Error::LeaseEnded(_) => "lease_ended",
            Error::Unauthorized => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::Unprocessable(_) => "unprocessable",
            Error::TooMany(_) => "too_many",
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
            Error::AtField { error, .. } => error.http_status(),
            Error::InvalidRequest(_) | Error::InvalidPhoneNumber { .. } => 400,
            Error::Unauthorized => 401,
            Error::Forbidden(_) => 403,
            Error::Unprocessable(_) => 422,
            Error::TooMany(_) => 429,
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

    /// This error tied to `field`, when it is about what the caller wrote (invalid values
    /// and conflicts); a field named already, being more precise, is kept.
    #[must_use]
    pub fn at(self, field: impl Into<String>) -> Self {
        match self {
            Error::InvalidRequest(_) | Error::InvalidPhoneNumber { .. } | Error::Conflict(_) => {
                Error::AtField { field: field.into(), error: Box::new(self) }
            }
            other => other,
        }
    }

    /// The field this error is about, if one is named.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::AtField { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl From<phone::InvalidPhoneNumber> for Error {
    fn from(e: phone::InvalidPhoneNumber) -> Self {
        Error::InvalidPhoneNumber { input: e.input, reason: e.reason }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_number_refused_by_the_phone_crate_answers_400_with_its_code() {
        let err = Error::from(phone::PhoneNumber::parse("555 CALL NOW").unwrap_err());
        assert_eq!((err.code(), err.http_status()), ("invalid_phone_number", 400));
        assert!(err.to_string().contains("555 CALL NOW"));
    }
}
