//! A visitor's id: the first-party id the widget keeps and the edge accepts.

/// 8–64 characters of `A-Z a-z 0-9 - _` (what the widget generates: a UUID or random hex).
pub fn valid_visitor_id(id: &str) -> bool {
    (8..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
