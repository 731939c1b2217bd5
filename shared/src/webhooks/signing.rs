//! Our CRM webhooks' `X-Ringtrace-Signature`: `t={unix seconds},v1={hex HMAC-SHA256 of
//! "t.body"}`, and how a receiver checks it (signature and age).

use crate::support::constant_time_eq;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Hex HMAC-SHA256 of `"{timestamp}.{body}"`: the `v1` part of the `X-Ringtrace-Signature`
/// header our CRM webhooks carry (`t={timestamp},v1={hex}`).
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The `X-Ringtrace-Signature` header value for a webhook body sent at `timestamp` (Unix
/// seconds).
pub fn webhook_signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", webhook_signature(secret, timestamp, body))
}

/// What a receiver does with `X-Ringtrace-Signature`: the signature must match and its
/// timestamp be within `tolerance_secs` of `now_secs` (a replayed old delivery is refused).
pub fn verify_webhook(secret: &str, header: &str, body: &[u8], now_secs: i64, tolerance_secs: i64) -> bool {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => signatures.push(s),
            _ => {}
        }
    }
    let Some(t) = timestamp else { return false };
    if (now_secs - t).abs() > tolerance_secs {
        return false;
    }
    let expected = webhook_signature(secret, t, body);
    signatures.iter().any(|s| constant_time_eq(s.as_bytes(), expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crm_webhook_signatures_verify_and_expire() {
        let body = br#"{"event":"call.started"}"#;
        let header = webhook_signature_header("whsec", 1_795_000_000, body);
        assert!(header.starts_with("t=1795000000,v1="));
        assert!(verify_webhook("whsec", &header, body, 1_795_000_100, 300));
        assert!(!verify_webhook("whsec", &header, body, 1_795_000_400, 300), "replayed too late");
        assert!(!verify_webhook("other", &header, body, 1_795_000_100, 300));
        assert!(!verify_webhook("whsec", &header, b"{}", 1_795_000_100, 300));
        assert!(!verify_webhook("whsec", "v1=abc", body, 1_795_000_100, 300));
        // Independent value: HMAC-SHA256("key", "1.{}") computed with openssl.
        assert_eq!(
            webhook_signature("key", 1, b"{}"),
            "1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
        );
    }
}
