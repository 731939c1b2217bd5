//! The first-party visitor id (localStorage, with a cookie as second copy) and bot checks.

use alloc::string::String;
use shared::visitor::valid_visitor_id;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDocument, Window};

const KEY: &str = "ringtrace_vid";
/// Visitor ids outlive a lease by far: a returning visitor keeps their id for a year.
const COOKIE_ATTRS: &str = "; path=/; max-age=31536000; SameSite=Lax";

/// User-agent words of crawlers, link previews and headless browsers (lower case).
const CRAWLERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "headless",
    "lighthouse",
    "facebookexternalhit",
    "preview",
    "pingdom",
    "gtmetrix",
    "phantomjs",
    "python-requests",
    "curl/",
    "wget",
];

/// Automated browsers (`navigator.webdriver`) and crawlers get no lease: they would hold a
/// number no person calls.
pub fn is_automated(window: &Window) -> bool {
    let navigator = window.navigator();
    if js_sys::Reflect::get(&navigator, &"webdriver".into()).is_ok_and(|v| v.is_truthy()) {
        return true;
    }
    let agent = navigator.user_agent().unwrap_or_default().to_ascii_lowercase();
    // A byte-window search: `str::contains(&str)` would bring a two-way searcher (~2 KB).
    CRAWLERS.iter().any(|word| agent.as_bytes().windows(word.len()).any(|w| w == word.as_bytes()))
}

fn from_cookie(window: &Window) -> Option<String> {
    let doc: HtmlDocument = window.document()?.dyn_into().ok()?;
    let cookies = doc.cookie().ok()?;
    cookies
        .split(';')
        .filter_map(|c| c.trim().strip_prefix(KEY)?.strip_prefix('='))
        .find(|v| valid_visitor_id(v))
        .map(String::from)
}

fn new_id(window: &Window) -> Result<String, JsValue> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 16];
    window.crypto()?.get_random_values_with_u8_array(&mut bytes)?;
    let mut id = String::with_capacity(32);
    for b in bytes {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 15)]));
    }
    Ok(id)
}

/// The visitor's id: kept from an earlier visit when storage allows, otherwise new. Storage
/// that throws (Safari private mode, sandboxed iframes) just means a new id per page view.
pub fn visitor_id(window: &Window) -> Result<String, JsValue> {
    let storage = window.local_storage().ok().flatten();
    let stored =
        storage.as_ref().and_then(|s| s.get_item(KEY).ok().flatten()).filter(|v| valid_visitor_id(v));
    let id = match stored.or_else(|| from_cookie(window)) {
        Some(id) => id,
        None => new_id(window)?,
    };
    if let Some(s) = storage {
        let _ = s.set_item(KEY, &id);
    }
    if let Some(doc) = window.document().and_then(|d| d.dyn_into::<HtmlDocument>().ok()) {
        let _ = doc.set_cookie(&crate::cat(&[KEY, "=", &id, COOKIE_ATTRS]));
    }
    Ok(id)
}
