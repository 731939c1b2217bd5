//! The ids ad platforms match conversions by: the click ids a landing page carries (Google's
//! gclid, gbraid, wbraid; Meta's fbclid; Microsoft's msclkid) and the first-party cookies of
//! their tags (GA4's `_ga` client id, Meta's `_fbp` and `_fbc`).

use serde::{Deserialize, Serialize};

/// A visit's ad ids; every field optional. Kept only for visitors who did not refuse ad
/// storage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdIds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gclid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gbraid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wbraid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbclid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msclkid: Option<String>,
    /// GA4's client id (`1234567890.1700000000`, from the `_ga` cookie `GA1.1.1234567890.1700000000`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ga_client_id: Option<String>,
    /// Meta's browser id (the `_fbp` cookie, `fb.1.1700000000000.123456789`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbp: Option<String>,
    /// Meta's click id cookie (`_fbc`, `fb.1.1700000000000.IwAR…`), or one made from `fbclid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fbc: Option<String>,
}

/// Longest id kept (Google's click ids are about 100 characters; ids are opaque).
const MAX_ID: usize = 512;

/// An id as kept: printable ASCII without spaces or quotes, at most [`MAX_ID`]; anything else
/// is dropped (the widget's values come from pages and cookies anyone can set).
fn id(raw: Option<&str>) -> Option<String> {
    let raw = raw?.trim();
    let ok = !raw.is_empty()
        && raw.len() <= MAX_ID
        && raw.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\'));
    ok.then(|| raw.to_string())
}

/// GA4's client id from the `_ga` cookie's value: its last two dot-separated numbers.
pub fn ga_client_id(cookie: &str) -> Option<String> {
    let parts: Vec<&str> = cookie.trim().split('.').collect();
    let [.., a, b] = parts.as_slice() else { return None };
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|c| c.is_ascii_digit());
    (parts.len() >= 4 && digits(a) && digits(b)).then(|| format!("{a}.{b}"))
}

impl AdIds {
    /// The click ids of a landing page's query string, and the cookies the widget read.
    pub fn of_visit(
        landing_page: Option<&str>,
        ga: Option<&str>,
        fbp: Option<&str>,
        fbc: Option<&str>,
    ) -> AdIds {
        let query = landing_page
            .and_then(|u| u.split('#').next())
            .and_then(|u| u.split_once('?'))
            .map(|(_, q)| crate::support::parse_urlencoded(q))
            .unwrap_or_default();
        let param =
            |name: &str| id(query.iter().find(|(k, v)| k == name && !v.is_empty()).map(|(_, v)| v.as_str()));
        let fbclid = param("fbclid");
        AdIds {
            gclid: param("gclid"),
            gbraid: param("gbraid"),
            wbraid: param("wbraid"),
            msclkid: param("msclkid"),
            ga_client_id: ga.and_then(ga_client_id),
            fbp: id(fbp).filter(|v| v.starts_with("fb.")),
            fbc: id(fbc).filter(|v| v.starts_with("fb.")),
            fbclid,
        }
    }

    /// Meta's `fbc`: the cookie, else made from the `fbclid` in Meta's documented format
    /// `fb.1.{click time in ms}.{fbclid}` (`at_ms`: when the visitor landed).
    pub fn fbc_or_made(&self, at_ms: i64) -> Option<String> {
        self.fbc.clone().or_else(|| self.fbclid.as_ref().map(|c| format!("fb.1.{at_ms}.{c}")))
    }

    /// Takes the cookies of `later` this visit lacks (its tag set them after the lease was
    /// asked for); whether any was new.
    pub fn fill_cookies(&mut self, later: &AdIds) -> bool {
        let mut changed = false;
        for (mine, theirs) in [
            (&mut self.ga_client_id, &later.ga_client_id),
            (&mut self.fbp, &later.fbp),
            (&mut self.fbc, &later.fbc),
        ] {
            if mine.is_none() && theirs.is_some() {
                mine.clone_from(theirs);
                changed = true;
            }
        }
        changed
    }

    pub fn is_empty(&self) -> bool {
        *self == AdIds::default()
    }

    /// Whether a Google click id (of any kind) is present.
    pub fn has_google_click(&self) -> bool {
        self.gclid.is_some() || self.gbraid.is_some() || self.wbraid.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn click_ids_and_cookies_are_read_and_checked() {
        let ids = AdIds::of_visit(
            Some("https://a.example/p?utm_source=google&gclid=Cj0KCQ-abc_1&gbraid=&fbclid=IwAR9#x"),
            Some("GA1.1.1234567890.1700000000"),
            Some("fb.1.1700000000000.98765"),
            None,
        );
        assert_eq!(ids.gclid.as_deref(), Some("Cj0KCQ-abc_1"));
        assert_eq!(ids.gbraid, None, "an empty parameter is no id");
        assert_eq!(ids.ga_client_id.as_deref(), Some("1234567890.1700000000"));
        assert_eq!(ids.fbp.as_deref(), Some("fb.1.1700000000000.98765"));
        assert_eq!(ids.fbc, None);
        assert_eq!(ids.fbc_or_made(1_795_000_000_000).as_deref(), Some("fb.1.1795000000000.IwAR9"));
        assert!(ids.has_google_click());
        let junk = AdIds::of_visit(
            Some("https://a.example/?gclid=%3Cscript%3E"),
            Some("garbage"),
            Some("x y"),
            Some("nope"),
        );
        assert!(junk.is_empty(), "{junk:?}");
        assert_eq!(ga_client_id("GA1.2.111.222"), Some("111.222".into()));
        assert_eq!(ga_client_id("111.222"), None);
    }
}
