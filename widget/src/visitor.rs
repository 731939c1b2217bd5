//! The first-party visitor id (localStorage, with a cookie as second copy) and bot checks.

use shared::api::valid_visitor_id;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlDocument, Window};

const KEY: &str = "ringtrace_vid";
/// Visitor ids outlive a lease by far: a returning visitor keeps their id for a year.
const COOKIE_MAX_AGE_SECS: u32 = 365 * 24 * 3600;

/// Automated browsers announce themselves through `navigator.webdriver` and get no lease.
pub fn is_automated(window: &Window) -> bool {
    js_sys::Reflect::get(&window.navigator(), &"webdriver".into()).is_ok_and(|v| v.is_truthy())
}

fn from_cookie(window: &Window) -> Option<String> {
    let doc: HtmlDocument = window.document()?.dyn_into().ok()?;
    let cookies = doc.cookie().ok()?;
    cookies
        .split(';')
        .filter_map(|c| c.trim().strip_prefix(KEY)?.strip_prefix('='))
        .map(str::to_string)
        .find(|v| valid_visitor_id(v))
}

fn new_id(window: &Window) -> Result<String, JsValue> {
    let mut bytes = [0u8; 16];
    window.crypto()?.get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
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
        let _ = doc.set_cookie(&format!("{KEY}={id}; path=/; max-age={COOKIE_MAX_AGE_SECS}; SameSite=Lax"));
    }
    Ok(id)
}
