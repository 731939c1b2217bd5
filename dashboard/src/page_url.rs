//! Where the dashboard is: the page and its filters live in the URL's hash
//! (`#/calls?channel=email&page=2`), so a view can be shared, bookmarked and reloaded, and the
//! browser's back button works. The hash rather than the path because the edge serves the
//! dashboard as static files under `/dashboard/`: any deeper path would not find its
//! `index.html`.

use leptos::prelude::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Overview,
    /// The calls ringing or talking now, and the last that ended (the live stream).
    Live,
    Calls,
    /// One call, by its id.
    Call(String),
    Report,
    /// Ad spend: imported from a file, listed by month and campaign, deleted by dates.
    Spend,
    Numbers,
    /// The masked orders: their sessions, participants and calls.
    Orders,
    Settings,
    Install,
}

/// A page and its parameters (filters, sort, period), as the URL's hash holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUrl {
    pub page: Page,
    pub params: Vec<(String, String)>,
}

/// A part of the hash as `decodeURIComponent` reads it (`+` as a space); a malformed part
/// (`100%`, bytes that are not UTF-8) is empty. In Rust rather than through JavaScript so the
/// URL state is tested on the host.
fn decode(s: &str) -> String {
    let mut bytes = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        rest = tail;
        match b {
            b'+' => bytes.push(b' '),
            b'%' => {
                let Some((hex, tail)) = rest.split_first_chunk::<2>() else { return String::new() };
                let digit = |d: u8| char::from(d).to_digit(16);
                let (Some(high), Some(low)) = (digit(hex[0]), digit(hex[1])) else { return String::new() };
                // Two hex digits: at most 0xff.
                bytes.push(u8::try_from(high * 16 + low).unwrap_or_default());
                rest = tail;
            }
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).unwrap_or_default()
}

/// A part of the hash as `encodeURIComponent` writes it.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl PageUrl {
    pub fn page(page: Page) -> PageUrl {
        PageUrl { page, params: Vec::new() }
    }

    /// From `location.hash` (`#/calls?x=y`); anything unknown is the overview.
    pub fn parse(hash: &str) -> PageUrl {
        let hash = hash.trim_start_matches('#').trim_start_matches('/');
        let (path, query) = hash.split_once('?').unwrap_or((hash, ""));
        let params = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let page = match path.split('/').collect::<Vec<_>>().as_slice() {
            ["live"] => Page::Live,
            ["calls"] => Page::Calls,
            ["calls", id] if !id.is_empty() => Page::Call(decode(id)),
            ["report"] => Page::Report,
            ["spend"] => Page::Spend,
            ["numbers"] => Page::Numbers,
            ["orders"] => Page::Orders,
            ["settings"] => Page::Settings,
            ["install"] => Page::Install,
            _ => Page::Overview,
        };
        PageUrl { page, params }
    }

    /// `#/calls?x=y`, for links.
    pub fn href(&self) -> String {
        let path = match &self.page {
            Page::Overview => "overview".to_string(),
            Page::Live => "live".to_string(),
            Page::Calls => "calls".to_string(),
            Page::Call(id) => format!("calls/{}", encode(id)),
            Page::Report => "report".to_string(),
            Page::Spend => "spend".to_string(),
            Page::Numbers => "numbers".to_string(),
            Page::Orders => "orders".to_string(),
            Page::Settings => "settings".to_string(),
            Page::Install => "install".to_string(),
        };
        let query: Vec<String> = self
            .params
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        if query.is_empty() {
            format!("#/{path}")
        } else {
            format!("#/{path}?{}", query.join("&"))
        }
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    /// This URL with `key` set (or removed when `value` is empty).
    pub fn with(&self, key: &str, value: &str) -> PageUrl {
        let mut next = self.clone();
        next.params.retain(|(k, _)| k != key);
        if !value.is_empty() {
            next.params.push((key.to_string(), value.to_string()));
        }
        next
    }

    /// The same parameters on another page.
    pub fn on(&self, page: Page) -> PageUrl {
        PageUrl { page, params: self.params.clone() }
    }

    /// Another page over the same period (the period follows the marketer; a page's own
    /// filters and sort do not).
    pub fn period_on(&self, page: Page) -> PageUrl {
        let params = self
            .params
            .iter()
            .filter(|(k, _)| ["range", "from", "to"].contains(&k.as_str()))
            .cloned()
            .collect();
        PageUrl { page, params }
    }
}

fn current() -> PageUrl {
    PageUrl::parse(&web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default())
}

/// The page and filters the URL names now, kept in step with it (provided by the app shell).
pub fn provide_page_url() -> RwSignal<PageUrl> {
    let page_url = RwSignal::new(current());
    let handle = window_event_listener(leptos::ev::hashchange, move |_| page_url.set(current()));
    // The app lives as long as the page: the listener too.
    std::mem::forget(handle);
    provide_context(page_url);
    page_url
}

pub fn use_page_url() -> RwSignal<PageUrl> {
    use_context::<RwSignal<PageUrl>>().unwrap_or_else(|| RwSignal::new(current()))
}

/// Goes to `page_url` (a new browser history entry).
pub fn navigate(page_url: &PageUrl) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(&page_url.href());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_parts_read_as_a_browser_writes_them() {
        assert_eq!(encode("A 12/ü!~*'()"), "A%2012%2F%C3%BC!~*'()");
        assert_eq!(decode("A%2012+x%2f%C3%BC"), "A 12 x/ü");
        // What decodeURIComponent refuses is read as nothing, as before.
        for malformed in ["100%", "%zz", "%+1", "%FF"] {
            assert_eq!(decode(malformed), "", "{malformed}");
        }
        let call = PageUrl::parse("#/calls/CA1%2F2?channel=paid%20search&source=");
        assert_eq!(call.page, Page::Call("CA1/2".into()));
        assert_eq!(call.params, [("channel".to_string(), "paid search".to_string())]);
        assert_eq!(call.href(), "#/calls/CA1%2F2?channel=paid%20search");
    }

    #[test]
    fn the_live_page_has_its_own_url_and_keeps_the_period() {
        assert_eq!(PageUrl::parse("#/live").page, Page::Live);
        assert_eq!(PageUrl::page(Page::Live).href(), "#/live");
        // From a filtered list to Live and on: the period follows, the list's filters do not.
        let calls = PageUrl::parse("#/calls?range=7d&channel=email&page=2");
        let live = calls.period_on(Page::Live);
        assert_eq!(live.href(), "#/live?range=7d");
        assert_eq!(PageUrl::parse(&live.href()), live);
        assert_eq!(live.period_on(Page::Overview).href(), "#/overview?range=7d");
    }

    #[test]
    fn the_spend_page_has_its_own_url() {
        assert_eq!(PageUrl::parse("#/spend?range=12m").page, Page::Spend);
        assert_eq!(PageUrl::parse("#/report?range=12m").period_on(Page::Spend).href(), "#/spend?range=12m");
    }
}
