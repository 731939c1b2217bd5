//! The JSON body of every error answer: `{"error": {"code", "message", "field"?}}`.

use crate::error::Error;
use serde::{Deserialize, Serialize};

/// The JSON body of every error answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// The field of the request document the error is about (`lease_minutes`,
    /// `pool[2].region`), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl From<&Error> for ErrorBody {
    fn from(e: &Error) -> Self {
        // Storage failures are logged by the edge, not explained to callers.
        let message = match e {
            Error::Storage(_) => "internal error; please retry".to_string(),
            other => other.to_string(),
        };
        let field = e.field().map(str::to_string);
        ErrorBody { error: ErrorDetail { code: e.code().to_string(), message, field } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_hides_storage_details() {
        let body = ErrorBody::from(&Error::Storage("SQLITE_BUSY at /var/x".into()));
        assert_eq!(body.error.code, "internal");
        assert!(!body.error.message.contains("SQLITE"));
    }
}
