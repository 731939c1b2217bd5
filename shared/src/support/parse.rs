//! Reading what callers send: JSON bodies (naming the field at fault), times and dates in
//! queries, and bearer tokens.

use super::clock::Timestamp;
use crate::error::{Error, Result};

const DAY_SECS: i64 = 24 * 3600;

/// Parses a JSON body, naming the offending field when a value has the wrong type
/// (`"visitor": invalid type: integer, expected a string`, with [`Error::field`] `visitor`).
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| shape_error(&e, what))
}

/// [`parse_json`] for a document already parsed into a JSON value.
pub fn parse_json_value<T: serde::de::DeserializeOwned>(value: serde_json::Value, what: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| shape_error(&e, what))
}

fn shape_error<E: core::fmt::Display>(e: &serde_path_to_error::Error<E>, what: &str) -> Error {
    let path = e.path().to_string();
    if path == "." {
        Error::invalid(format!("body is not a valid {what}: {}", e.inner()))
    } else {
        Error::invalid(format!("body is not a valid {what}: \"{path}\": {}", e.inner())).at(path)
    }
}

/// A paging parameter (`page`, `per_page`): `default` when absent, else a number from 1 to
/// `max`, or an error naming it.
pub fn count_param(raw: Option<&str>, name: &str, default: u32, max: u32) -> Result<u32> {
    match raw {
        None => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| Error::invalid(format!("{name} must be a number from 1 to {max}"))),
    }
}

/// The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive);
/// `None` when the header is missing, of another scheme, or empty.
pub fn bearer_token(header: Option<&str>) -> Option<&str> {
    let (scheme, token) = header?.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The user and password of an `Authorization: Basic <base64(user:password)>` header (what
/// a scheduled fetch, such as Google Ads' upload from a URL, can send); `None` otherwise.
pub fn basic_credentials(header: Option<&str>) -> Option<(String, String)> {
    use base64::Engine;
    let (scheme, encoded) = header?.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    (!password.is_empty()).then(|| (user.to_string(), password.to_string()))
}

/// A time as RFC 3339, or a date `YYYY-MM-DD` (its start, or with `end_of_day` the next
/// day's start, so `to=2026-11-22` includes that day).
pub fn parse_time(name: &str, raw: &str, end_of_day: bool) -> Result<Timestamp> {
    if let Some(t) = Timestamp::parse_rfc3339(raw) {
        return Ok(t);
    }
    let midnight = Timestamp::parse_rfc3339(&format!("{raw}T00:00:00Z"))
        .ok_or_else(|| Error::invalid(format!("{name} must be a date (2026-11-22) or an RFC 3339 time")))?;
    Ok(if end_of_day { midnight.plus_secs(DAY_SECS) } else { midnight })
}

/// A date (`2026-11-22`: its start in `zone`, or the next day's start for `to`) or an RFC
/// 3339 time.
pub fn parse_local_time(
    name: &str,
    raw: &str,
    zone: &jiff::tz::TimeZone,
    end_of_day: bool,
) -> Result<Timestamp> {
    if let Some(t) = Timestamp::parse_rfc3339(raw) {
        return Ok(t);
    }
    let bad = || Error::invalid(format!("{name} must be a date (2026-11-22) or an RFC 3339 time"));
    let date: jiff::civil::Date = raw.parse().map_err(|_| bad())?;
    let date = if end_of_day { date.tomorrow().map_err(|_| bad())? } else { date };
    let start = date.to_zoned(zone.clone()).map_err(|_| bad())?;
    Ok(Timestamp(start.timestamp().as_millisecond()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_tokens_are_read_like_http_says() {
        assert_eq!(bearer_token(Some("Bearer abc")), Some("abc"));
        assert_eq!(bearer_token(Some("bearer  abc ")), Some("abc"));
        assert_eq!(bearer_token(Some("Basic abc")), None);
        assert_eq!(bearer_token(Some("Bearer ")), None);
        assert_eq!(bearer_token(Some("abc")), None);
        assert_eq!(bearer_token(None), None);
    }

    #[test]
    fn basic_credentials_are_read_like_http_says() {
        // base64("demo:tok:en") — a password may hold a colon.
        assert_eq!(basic_credentials(Some("Basic ZGVtbzp0b2s6ZW4=")), Some(("demo".into(), "tok:en".into())));
        assert_eq!(basic_credentials(Some("basic ZGVtbzp0b2s6ZW4=")), Some(("demo".into(), "tok:en".into())));
        assert_eq!(basic_credentials(Some("Basic ZGVtbzo=")), None, "no password");
        assert_eq!(basic_credentials(Some("Basic !!!")), None);
        assert_eq!(basic_credentials(Some("Bearer ZGVtbzp0b2s6ZW4=")), None);
    }
}
