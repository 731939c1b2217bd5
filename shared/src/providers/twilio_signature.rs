//! Twilio's `X-Twilio-Signature`: HMAC-SHA1 over the URL Twilio called and its POST
//! parameters, checked against every URL Twilio may have seen, in constant time.

use crate::support::constant_time_eq;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// Twilio's signature of a request: base64 HMAC-SHA1, keyed with the account's auth token,
/// over the full URL Twilio called followed by every POST parameter as name+value, sorted
/// by name (and by value for repeated names).
pub fn twilio_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return String::new(); // HMAC accepts keys of any length; kept panic-free anyway.
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    BASE64.encode(mac.finalize().into_bytes())
}

/// Whether `presented` is Twilio's signature for one of `urls` (the request URL as Twilio may
/// have seen it, see [`twilio_url_candidates`]). Compared in constant time.
pub fn verify_twilio(
    auth_token: &str,
    urls: &[String],
    params: &[(String, String)],
    presented: &str,
) -> bool {
    let presented = presented.trim();
    if presented.is_empty() || auth_token.is_empty() {
        return false;
    }
    // Every candidate is checked, so timing does not reveal which URL form matched.
    urls.iter().fold(false, |ok, url| {
        constant_time_eq(twilio_signature(auth_token, url, params).as_bytes(), presented.as_bytes()) | ok
    })
}

/// The URLs Twilio may have signed for a request the edge received as `request_url`:
/// as received; as a proxy in front of us says it was called (`X-Forwarded-Proto` /
/// `X-Forwarded-Host`); under the deployment's configured public origin; each with and without
/// the scheme's default port (Twilio's own libraries try both).
pub fn twilio_url_candidates(
    request_url: &str,
    forwarded_proto: Option<&str>,
    forwarded_host: Option<&str>,
    public_origin: Option<&str>,
) -> Vec<String> {
    let mut bases = vec![request_url.to_string()];
    if let Some((scheme, _, rest)) = split_url(request_url) {
        if let Some(host) = forwarded_host.map(str::trim).filter(|h| valid_host(h)) {
            let proto = forwarded_proto.map(str::trim).filter(|p| *p == "http" || *p == "https");
            bases.push(format!("{}://{host}{rest}", proto.unwrap_or(scheme)));
        }
        if let Some(origin) = public_origin.map(|o| o.trim().trim_end_matches('/')) {
            if split_url(origin).is_some() {
                bases.push(format!("{origin}{rest}"));
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for base in bases {
        for url in [Some(base.clone()), toggle_default_port(&base)].into_iter().flatten() {
            if !out.contains(&url) {
                out.push(url);
            }
        }
    }
    out
}

/// `(scheme, authority, path-and-query)` of an absolute http(s) URL.
fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let cut = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(cut);
    (!authority.is_empty()).then_some((scheme, authority, tail))
}

fn valid_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// The same URL with the scheme's default port added (if absent) or removed (if present).
fn toggle_default_port(url: &str) -> Option<String> {
    let (scheme, authority, rest) = split_url(url)?;
    let default = if scheme == "https" { ":443" } else { ":80" };
    match authority.strip_suffix(default) {
        Some(host) => Some(format!("{scheme}://{host}{rest}")),
        None if !authority.ends_with(']') && authority.contains(':') => None, // another port
        None => Some(format!("{scheme}://{authority}{default}{rest}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twilio_example() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn twilios_published_example_verifies() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let mut params = twilio_example();
        params.reverse(); // order of the body does not matter
        assert_eq!(twilio_signature("12345", url, &params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        let urls = twilio_url_candidates(url, None, None, None);
        assert!(verify_twilio("12345", &urls, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    }

    #[test]
    fn forged_or_altered_requests_fail() {
        let urls = twilio_url_candidates("https://mycompany.com/myapp.php?foo=1&bar=2", None, None, None);
        let good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
        let mut params = twilio_example();
        assert!(!verify_twilio("54321", &urls, &params, good), "other token");
        assert!(!verify_twilio("12345", &urls, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ"), "truncated");
        assert!(!verify_twilio("12345", &urls, &params, ""), "missing");
        assert!(!verify_twilio("", &urls, &params, good), "no token configured");
        params[4].1 = "+18005551213".into();
        assert!(!verify_twilio("12345", &urls, &params, good), "a changed parameter");
        let other = twilio_url_candidates("https://mycompany.com/myapp.php?foo=1&bar=3", None, None, None);
        assert!(!verify_twilio("12345", &other, &twilio_example(), good), "a changed query");
    }

    #[test]
    fn urls_as_twilio_saw_them() {
        let params = twilio_example();
        let seen = "https://calls.example.com/v1/telephony/twilio/voice?x=1";
        let sig = twilio_signature("tok", seen, &params);
        // Behind a proxy or tunnel the worker sees another origin.
        let local = "http://127.0.0.1:8787/v1/telephony/twilio/voice?x=1";
        assert!(!verify_twilio("tok", &twilio_url_candidates(local, None, None, None), &params, &sig));
        let proxied = twilio_url_candidates(local, Some("https"), Some("calls.example.com"), None);
        assert!(verify_twilio("tok", &proxied, &params, &sig));
        let configured = twilio_url_candidates(local, None, None, Some("https://calls.example.com/"));
        assert!(verify_twilio("tok", &configured, &params, &sig));
        // With and without the default port.
        let with_port = twilio_url_candidates(
            "https://calls.example.com:443/v1/telephony/twilio/voice?x=1",
            None,
            None,
            None,
        );
        assert!(verify_twilio("tok", &with_port, &params, &sig));
        let sig_port =
            twilio_signature("tok", "https://calls.example.com:443/v1/telephony/twilio/voice?x=1", &params);
        assert!(verify_twilio("tok", &twilio_url_candidates(seen, None, None, None), &params, &sig_port));
        // A non-default port is not dropped, and junk headers are ignored.
        assert_eq!(
            twilio_url_candidates("http://h:8787/a", None, Some("bad host/x"), None),
            ["http://h:8787/a"]
        );
    }
}
