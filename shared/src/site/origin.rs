//! Which web pages may use a site's widget: its allow-list of origins.
//!
//! A browser names the page a request comes from in `Origin`. A site that lists origins gets
//! lease requests only from pages there, so another website cannot put the site's tracking
//! numbers on its own pages (or use up the site's pool). An empty list allows any page.
//! Requests without `Origin` do not come from a web page's script; they are held to the rate
//! limits instead (a script can write any `Origin` it likes, so the list is no defence there).

use crate::error::{Error, Result};

/// Most origins a site lists.
pub const MAX_ORIGINS: usize = 50;

/// A pattern as the site owner writes it, normalised: `https://shop.example`,
/// `https://*.shop.example` (any subdomain), `http://localhost:*` (any port). Lowercase, no
/// path, no default port.
pub fn normalize_origin_pattern(raw: &str) -> Result<String> {
    let bad =
        |why: &str| Error::invalid(format!("allowed origin {raw:?} {why}; write it as https://shop.example"));
    let text = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = text.split_once("://").ok_or_else(|| bad("has no scheme"))?;
    if scheme != "https" && scheme != "http" {
        return Err(bad("must start with https:// or http://"));
    }
    if rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(bad("must be an origin only (no path, query or user)"));
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
        _ => (rest, None),
    };
    let bare = host.strip_prefix("*.").unwrap_or(host);
    let label_ok =
        |l: &str| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let host_ok = bare.len() <= 253
        && (bare.split('.').all(label_ok) || (bare.starts_with('[') && bare.ends_with(']')));
    if !host_ok {
        return Err(bad("has no valid host name"));
    }
    let port = match port {
        None => None,
        Some("*") => Some("*".to_string()),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => {
                let default = (scheme == "https" && n == 443) || (scheme == "http" && n == 80);
                (!default).then(|| n.to_string())
            }
            _ => return Err(bad("has a port that is not a number from 1 to 65535 or *")),
        },
    };
    Ok(match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    })
}

/// Whether a request from `origin` (the `Origin` header, if any) may use the site's widget.
pub fn origin_allowed(patterns: &[String], origin: Option<&str>) -> bool {
    if patterns.is_empty() {
        return true;
    }
    let Some(origin) = origin else {
        return true; // not a web page's script (see the module's documentation)
    };
    let Ok(origin) = normalize_origin_pattern(origin) else {
        return false; // `null` (a sandboxed page, a file) or nonsense
    };
    if origin.contains('*') {
        return false;
    }
    patterns.iter().any(|p| matches(p, &origin))
}

fn split(origin: &str) -> (&str, &str, &str) {
    let (scheme, rest) = origin.split_once("://").unwrap_or(("", origin));
    match rest.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (scheme, h, p),
        _ => (scheme, rest, ""),
    }
}

fn matches(pattern: &str, origin: &str) -> bool {
    let (p_scheme, p_host, p_port) = split(pattern);
    let (scheme, host, port) = split(origin);
    let host_ok = match p_host.strip_prefix("*.") {
        Some(parent) => {
            host.len() > parent.len() + 1
                && host.ends_with(parent)
                && host[..host.len() - parent.len()].ends_with('.')
        }
        None => p_host == host,
    };
    p_scheme == scheme && host_ok && (p_port == "*" || p_port == port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_normalised_or_refused() {
        assert_eq!(normalize_origin_pattern(" HTTPS://Shop.Example/ ").unwrap(), "https://shop.example");
        assert_eq!(normalize_origin_pattern("https://shop.example:443").unwrap(), "https://shop.example");
        assert_eq!(normalize_origin_pattern("http://localhost:*").unwrap(), "http://localhost:*");
        assert_eq!(normalize_origin_pattern("https://*.shop.example").unwrap(), "https://*.shop.example");
        for bad in [
            "shop.example",
            "ftp://shop.example",
            "https://shop.example/path",
            "https://",
            "https://a b",
            "https://shop.example:99999",
            "https://user@shop.example",
            "https://*",
        ] {
            assert!(normalize_origin_pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_listed_pages_may_ask() {
        let list: Vec<String> = ["https://shop.example", "https://*.shop.example", "http://127.0.0.1:*"]
            .iter()
            .map(|p| normalize_origin_pattern(p).unwrap())
            .collect();
        for ok in [
            "https://shop.example",
            "https://www.shop.example",
            "https://a.b.shop.example",
            "http://127.0.0.1:8787",
        ] {
            assert!(origin_allowed(&list, Some(ok)), "{ok}");
        }
        for no in [
            "http://shop.example",
            "https://evilshop.example",
            "https://shop.example.evil.com",
            "https://shop.example:8443",
            "null",
            "http://127.0.0.2:8787",
            "https://*.shop.example",
        ] {
            assert!(!origin_allowed(&list, Some(no)), "{no}");
        }
        assert!(origin_allowed(&list, None), "no Origin: not a page's script");
        assert!(origin_allowed(&[], Some("https://anywhere.example")), "an empty list allows any page");
    }
}
