//! Traffic source: where a visitor came from (utm tags, click ids, referrer, landing page).

use crate::form::parse_urlencoded;
use serde::{Deserialize, Serialize};

/// What the widget observed about a visit, as sent in a lease request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    /// `document.referrer`: the page that linked here, if any.
    pub referrer: Option<String>,
    /// `location.href` of the page the visitor landed on, tracking parameters included.
    pub landing_page: Option<String>,
}

/// The classified source of a visit, what a call is credited to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrafficSource {
    pub source: String,
    pub medium: String,
    pub campaign: Option<String>,
    /// The keyword (`utm_term`).
    pub term: Option<String>,
    pub content: Option<String>,
    pub referrer: Option<String>,
    /// The landing page without tracking parameters.
    pub landing_page: Option<String>,
}

/// Query parameters that say how a visitor was tracked, not what page they saw.
const TRACKING_PARAMS: &[&str] = &[
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "utm_id",
    "gclid",
    "gbraid",
    "wbraid",
    "fbclid",
    "msclkid",
    "yclid",
    "ttclid",
    "ringtrace_number",
];

/// Click ids that only a paid ad click carries, and the ad network each belongs to.
const PAID_CLICK_IDS: &[(&str, &str)] = &[
    ("gclid", "google"),
    ("gbraid", "google"),
    ("wbraid", "google"),
    ("msclkid", "bing"),
    ("yclid", "yandex"),
    ("ttclid", "tiktok"),
];

/// Search engines by the second-level label of their host (`www.google.co.uk` → `google`).
const SEARCH_ENGINES: &[&str] =
    &["google", "bing", "yahoo", "duckduckgo", "yandex", "baidu", "ecosia", "naver", "seznam"];

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

/// Host of an absolute http(s) URL, lowercased, without port or `www.`.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map(|(_, r)| r)?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?.split(':').next()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    (!host.is_empty()).then_some(host)
}

/// Decoded `name=value` pairs of a URL's query string.
fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split('#').next().unwrap_or("").split_once('?').map(|(_, q)| q);
    parse_urlencoded(query.unwrap_or(""))
}

/// The landing page as a marketer wants to read it: the URL without tracking parameters.
pub fn strip_tracking_params(url: &str) -> String {
    let (without_fragment, _) = url.split_once('#').unwrap_or((url, ""));
    let Some((base, query)) = without_fragment.split_once('?') else {
        return without_fragment.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or("");
            !p.is_empty() && !TRACKING_PARAMS.contains(&name.to_ascii_lowercase().as_str())
        })
        .collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

impl TrafficSource {
    /// Classifies a visit. utm tags win (they are the marketer's own words); then a paid
    /// click id; then the referrer (a search engine is organic, any other site a referral;
    /// the site's own pages count as direct); else direct.
    pub fn from_visit(visit: &Visit) -> Self {
        let landing = clean(&visit.landing_page);
        let referrer = clean(&visit.referrer);
        let params = landing.as_deref().map(query_pairs).unwrap_or_default();
        let (source, medium) = if let Some(src) = clean(&visit.utm_source) {
            let medium = clean(&visit.utm_medium).unwrap_or_else(|| "(not set)".into());
            (src.to_lowercase(), medium.to_lowercase())
        } else if let Some((_, network)) =
            PAID_CLICK_IDS.iter().find(|(id, _)| params.iter().any(|(k, v)| k == id && !v.is_empty()))
        {
            (network.to_string(), "cpc".to_string())
        } else {
            let landing_host = landing.as_deref().and_then(host_of);
            match referrer.as_deref().and_then(host_of) {
                Some(host) if Some(&host) != landing_host.as_ref() => {
                    let label = second_level_label(&host);
                    if SEARCH_ENGINES.contains(&label) {
                        (label.to_string(), "organic".to_string())
                    } else {
                        (host, "referral".to_string())
                    }
                }
                _ => ("(direct)".to_string(), "(none)".to_string()),
            }
        };
        TrafficSource {
            source,
            medium,
            campaign: clean(&visit.utm_campaign),
            term: clean(&visit.utm_term),
            content: clean(&visit.utm_content),
            referrer,
            landing_page: landing.as_deref().map(strip_tracking_params),
        }
    }
}

/// `google` for `google.com`, `google.co.uk`, `news.google.de`: the label before the public
/// suffix, close enough for the search engines we recognise.
fn second_level_label(host: &str) -> &str {
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [.., l, "co" | "com" | "ac" | "org", cc] if cc.len() == 2 => l,
        [.., l, _tld] => l,
        [l] => l,
        [] => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(landing: &str, referrer: Option<&str>) -> Visit {
        Visit { landing_page: Some(landing.into()), referrer: referrer.map(Into::into), ..Visit::default() }
    }

    #[test]
    fn utm_tags_win() {
        let v = Visit {
            utm_source: Some("Google".into()),
            utm_medium: Some("CPC".into()),
            utm_campaign: Some("spring".into()),
            utm_term: Some("plumber near me".into()),
            ..visit("https://shop.example/?utm_source=Google&x=1", Some("https://www.bing.com/"))
        };
        let s = TrafficSource::from_visit(&v);
        assert_eq!((s.source.as_str(), s.medium.as_str()), ("google", "cpc"));
        assert_eq!(s.campaign.as_deref(), Some("spring"));
        assert_eq!(s.term.as_deref(), Some("plumber near me"));
        assert_eq!(s.landing_page.as_deref(), Some("https://shop.example/?x=1"));
    }

    #[test]
    fn click_ids_mean_paid_search() {
        let s = TrafficSource::from_visit(&visit("https://a.example/p?gclid=abc", None));
        assert_eq!((s.source.as_str(), s.medium.as_str()), ("google", "cpc"));
        assert_eq!(s.landing_page.as_deref(), Some("https://a.example/p"));
        let s = TrafficSource::from_visit(&visit("https://a.example/?msclkid=z", None));
        assert_eq!((s.source.as_str(), s.medium.as_str()), ("bing", "cpc"));
    }

    #[test]
    fn referrers_classify() {
        let cases = [
            (Some("https://www.google.co.uk/"), "google", "organic"),
            (Some("https://duckduckgo.com/?q=x"), "duckduckgo", "organic"),
            (Some("https://blog.example.org/post"), "blog.example.org", "referral"),
            (Some("https://a.example/other"), "(direct)", "(none)"),
            (None, "(direct)", "(none)"),
            (Some("not a url"), "(direct)", "(none)"),
        ];
        for (referrer, source, medium) in cases {
            let s = TrafficSource::from_visit(&visit("https://a.example/", referrer));
            assert_eq!((s.source.as_str(), s.medium.as_str()), (source, medium), "{referrer:?}");
        }
    }

    #[test]
    fn strips_only_tracking_params() {
        assert_eq!(
            strip_tracking_params("https://a.example/p?utm_source=x&id=7&fbclid=q#top"),
            "https://a.example/p?id=7"
        );
        assert_eq!(strip_tracking_params("https://a.example/"), "https://a.example/");
    }
}
