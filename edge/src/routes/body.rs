//! Request bodies: bounded in size and of the content type an endpoint expects.

use shared::Error;
use worker::{Request, Result};

/// The body, or the error to answer with: 415 for another content type, 413 when it is
/// larger than `max` bytes (checked from `Content-Length` before reading, then for real).
pub async fn read(
    req: &mut Request,
    content_type: &'static str,
    max: usize,
) -> Result<Result<Vec<u8>, Error>> {
    let sent_type = req.headers().get("content-type")?.unwrap_or_default();
    let essence = sent_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence != content_type {
        return Ok(Err(Error::UnsupportedMediaType(content_type)));
    }
    let declared = req.headers().get("content-length")?.and_then(|v| v.trim().parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Ok(Err(Error::PayloadTooLarge(max)));
    }
    let bytes = req.bytes().await?;
    if bytes.len() > max {
        return Ok(Err(Error::PayloadTooLarge(max)));
    }
    Ok(Ok(bytes))
}
