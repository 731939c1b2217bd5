//! The ids the API accepts from callers: site ids, visitor ids and providers' call ids.

use crate::error::{Error, Result};

/// Site ids appear in URLs and storage keys: 1–64 of `a-z 0-9 - _`.
pub fn valid_site_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// 8–64 characters of `A-Z a-z 0-9 - _` (what the widget generates: a UUID or random hex).
pub fn valid_visitor_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Most characters of a provider's call id.
const MAX_CALL_ID: usize = 128;

/// A provider's call id (Twilio's CallSid, a PBX's id) as the API accepts it in bodies, paths
/// and queries: 1–128 letters, digits, `- _ . :`; `Err` says so.
pub fn check_call_id(id: &str) -> Result<&str> {
    let ok = (1..=MAX_CALL_ID).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(id)
    } else {
        Err(Error::invalid(format!("call_id must be 1-{MAX_CALL_ID} characters of letters, digits, - _ . :")))
    }
}
