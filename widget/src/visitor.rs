//! The first-party visitor id (localStorage, with a cookie as second copy) and bot checks.

use alloc::string::String;
use shared::visitor::valid_visitor_id;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDocument, Window};

const KEY: &str = "ringtrace_vid";
/// When the id stored under `KEY` expires (ms since the epoch): the site's touch lifetime.
const UNTIL_KEY: &str = "ringtrace_vid_until";

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
        for nibble in [b >> 4, b & 15] {
            id.push(char::from(*HEX.get(usize::from(nibble)).unwrap_or(&b'0')));
        }
    }
    Ok(id)
}

/// The visitor's id: kept from an earlier visit (within the site's lifetime) when storage
/// allows, otherwise new. Storage that throws (Safari private mode, sandboxed iframes) just
/// means a new id per page view.
pub fn visitor_id(window: &Window) -> Result<String, JsValue> {
    let storage = window.local_storage().ok().flatten();
    let live = storage.as_ref().is_some_and(|s| {
        // Integers only: parsing an f64 would bring its float tables (~13 KB) to the download.
        let until = s.get_item(UNTIL_KEY).ok().flatten().and_then(|u| u.parse::<u64>().ok());
        until.is_some_and(|u| u as f64 > js_sys::Date::now())
    });
    let stored = storage
        .as_ref()
        .filter(|_| live)
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .filter(|v| valid_visitor_id(v));
    match stored.or_else(|| from_cookie(window)) {
        Some(id) => Ok(id),
        None => new_id(window),
    }
}

/// Keeps the id for the site's touch lifetime (from the lease): localStorage, and a
/// first-party cookie as second copy (`Secure` on https pages). Only once the edge has
/// granted a number: a failed lease stores nothing.
pub fn remember(window: &Window, id: &str, lifetime_secs: i64) {
    let secs = if lifetime_secs > 0 { lifetime_secs } else { 90 * 24 * 3600 };
    if let Some(s) = window.local_storage().ok().flatten() {
        let until = js_sys::Date::now() + (secs as f64) * 1000.0;
        let _ = s.set_item(KEY, id);
        let _ = s.set_item(UNTIL_KEY, &decimal(until as u64));
    }
    if let Some(doc) = window.document().and_then(|d| d.dyn_into::<HtmlDocument>().ok()) {
        let max_age = decimal(secs.unsigned_abs());
        let _ =
            doc.set_cookie(&crate::cat(&[KEY, "=", id, "; path=/; max-age=", &max_age, "; SameSite=Lax"]));
    }
}

/// A number in decimal, without `core::fmt`.
fn decimal(mut n: u64) -> String {
    let mut digits = alloc::vec::Vec::with_capacity(20);
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().map(|&d| char::from(d)).collect()
}
