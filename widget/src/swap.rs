//! Swapping the business number for the tracking number in the page: text nodes and `tel:`
//! links, each occurrence in its own format (the format logic lives in `shared`).

use shared::{replace_all, PhoneNumber};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node};

/// Elements whose text is not page copy, or that a person is editing.
const SKIP_TAGS: &[&str] =
    &["SCRIPT", "STYLE", "NOSCRIPT", "TEXTAREA", "TEMPLATE", "INPUT", "SELECT", "OPTION"];
/// Site owners mark regions the widget must leave alone with this attribute.
const NOSWAP_ATTR: &str = "data-ringtrace-noswap";

fn skipped(mut el: Option<Element>) -> bool {
    while let Some(e) = el {
        if SKIP_TAGS.contains(&e.tag_name().to_ascii_uppercase().as_str())
            || e.has_attribute(NOSWAP_ATTR)
            || e.get_attribute("contenteditable").is_some_and(|v| v != "false")
        {
            return true;
        }
        el = e.parent_element();
    }
    false
}

/// Replaces every printing of `business` with `tracking` in `document`'s body. Numbers that
/// do not parse leave the page untouched. Returns how many places changed.
pub fn swap_page(document: &Document, business: &str, tracking: &str) -> usize {
    let (Ok(from), Ok(to)) = (PhoneNumber::parse(business), PhoneNumber::parse(tracking)) else {
        return 0;
    };
    let Some(body) = document.body() else {
        return 0;
    };
    let mut changed = 0;
    // SHOW_TEXT = 4
    if let Ok(walker) = document.create_tree_walker_with_what_to_show(&body, 4) {
        let mut texts: Vec<Node> = Vec::new();
        while let Ok(Some(node)) = walker.next_node() {
            texts.push(node);
        }
        for node in texts {
            let Some(text) = node.node_value() else {
                continue;
            };
            if !text.bytes().any(|b| b.is_ascii_digit()) || skipped(node.parent_element()) {
                continue;
            }
            if let Some(new_text) = replace_all(&text, &from, &to) {
                node.set_node_value(Some(&new_text));
                changed += 1;
            }
        }
    }
    if let Ok(links) = body.query_selector_all("a[href]") {
        for i in 0..links.length() {
            let Some(link) = links.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else {
                continue;
            };
            let Some(href) = link.get_attribute("href") else {
                continue;
            };
            let Some(rest) = href.get(..4).filter(|s| s.eq_ignore_ascii_case("tel:")).map(|_| &href[4..])
            else {
                continue;
            };
            if skipped(Some(link.clone())) {
                continue;
            }
            if let Some(new_rest) = replace_all(rest, &from, &to) {
                let _ = link.set_attribute("href", &format!("tel:{new_rest}"));
                changed += 1;
            }
        }
    }
    changed
}
