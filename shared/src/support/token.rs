//! API tokens: stored and compared only as SHA-256 hashes, in constant time.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of a token: tokens are stored and compared only hashed.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether two byte strings are equal, taking the same time wherever they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Compares a presented secret with the expected one without leaking, through timing, how
/// much of it matched (both are hashed first, so lengths do not leak either).
pub fn tokens_equal(presented: &str, expected: &str) -> bool {
    constant_time_eq(hash_token(presented).as_bytes(), hash_token(expected).as_bytes())
}
