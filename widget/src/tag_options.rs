//! The script tag's options (`data-*`): which attributes a site owner may ask the widget to
//! rewrite.

use alloc::string::String;

/// Attributes that must never be rewritten: form values, links and sources (a `tel:` link's
/// `href` is swapped by its own rule), styles, and event handlers (`on…`).
fn forbidden(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["value", "href", "src", "srcset", "action", "style"].contains(&lower.as_str()) || lower.starts_with("on")
}

/// The names in `requested` (`data-attributes="aria-label title data-phone"`, space or comma
/// separated) that are plain attribute names and allowed, space separated.
pub fn allowed_attributes(requested: &str) -> String {
    let spaced: String = requested.chars().map(|c| if c == ',' { ' ' } else { c }).collect();
    let mut out = String::new();
    for name in crate::words(&spaced) {
        if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') && !forbidden(name) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(name);
        }
    }
    out
}
