//! The one place errors become HTTP answers: status code plus `{"error": {code, message}}`.

use shared::api::ErrorBody;
use shared::Error;
use worker::{console_error, Response, Result};

/// Converts a core error to its JSON answer; internal details are logged, not sent.
pub fn respond(e: &Error) -> Result<Response> {
    if let Error::Storage(detail) = e {
        console_error!("storage failure: {detail}");
    }
    let mut resp = Response::from_json(&ErrorBody::from(e))?.with_status(e.http_status());
    resp.headers_mut().set("Cache-Control", "no-store")?;
    Ok(resp)
}

/// Answers `Ok` bodies as JSON, errors through [`respond`].
pub fn json<T: serde::Serialize>(result: shared::Result<T>) -> Result<Response> {
    match result {
        Ok(body) => Response::from_json(&body),
        Err(e) => respond(&e),
    }
}

pub fn not_found() -> Result<Response> {
    let body = ErrorBody {
        error: shared::api::ErrorDetail {
            code: "not_found".into(),
            message: "no such API endpoint; see README for the API".into(),
            field: None,
        },
    };
    Ok(Response::from_json(&body)?.with_status(404))
}

/// A failure of the platform (binding missing, storage unreachable).
pub fn internal(e: &worker::Error) -> Result<Response> {
    respond(&Error::Storage(e.to_string()))
}

/// Maps a platform error into the core's storage error.
pub fn storage(e: impl std::fmt::Display) -> Error {
    Error::Storage(e.to_string())
}
