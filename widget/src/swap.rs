//! Swapping business numbers for tracking numbers in (part of) the page: text — also a number
//! split across inline elements such as `<b>(555)</b> 010-0100` — `tel:` links, and the
//! attributes the site opted into. The matching and formatting rules live in `shared`.

use alloc::string::String;
use alloc::vec::Vec;
use shared::{replace_across, replace_all, PhoneNumber};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, Node};

/// Elements whose text is not page copy, or that a person is editing.
const SKIP_TAGS: &[&str] =
    &["SCRIPT", "STYLE", "NOSCRIPT", "TEXTAREA", "TEMPLATE", "INPUT", "SELECT", "OPTION", "IFRAME", "SVG"];
/// Elements inside a line of text: a number may be split across them.
const INLINE_TAGS: &[&str] = &[
    "A", "ABBR", "B", "BDI", "BDO", "CITE", "CODE", "DATA", "DFN", "EM", "FONT", "I", "KBD", "MARK", "Q",
    "S", "SAMP", "SMALL", "SPAN", "STRONG", "SUB", "SUP", "TIME", "U", "VAR",
];
/// Site owners mark regions the widget must leave alone with this attribute.
const NOSWAP_ATTR: &str = "data-ringtrace-noswap";

/// Which business numbers become which tracking numbers.
pub type Pairs = [(PhoneNumber, PhoneNumber)];

/// Whether `el` or an ancestor is off limits.
fn skipped(mut el: Option<Element>) -> bool {
    while let Some(e) = el {
        let tag = e.tag_name();
        if SKIP_TAGS.iter().any(|t| t.eq_ignore_ascii_case(&tag))
            || e.has_attribute(NOSWAP_ATTR)
            || e.get_attribute("contenteditable").is_some_and(|v| v != "false")
        {
            return true;
        }
        el = e.parent_element();
    }
    false
}

/// The nearest ancestor that is not an inline element: text nodes in one line share it.
fn line_of(node: &Node) -> Option<Element> {
    let mut el = node.parent_element();
    while let Some(e) = el {
        let tag = e.tag_name();
        if !INLINE_TAGS.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            return Some(e);
        }
        el = e.parent_element();
    }
    None
}

/// Swaps one line's text nodes (adjacent, maybe split across inline elements).
fn swap_line(line: &[Node], pairs: &Pairs) -> u32 {
    let mut texts: Vec<String> = line.iter().map(|n| n.node_value().unwrap_or_default()).collect();
    let digits: usize = texts.iter().map(|t| t.bytes().filter(u8::is_ascii_digit).count()).sum();
    if digits < 7 {
        return 0; // no phone number is shorter
    }
    let mut changed = 0;
    for (from, to) in pairs {
        let pieces: Vec<&str> = texts.iter().map(String::as_str).collect();
        let Some(new) = replace_across(&pieces, from, to) else { continue };
        changed += 1;
        texts = new;
    }
    if changed > 0 {
        for (node, text) in line.iter().zip(&texts) {
            if node.node_value().as_deref() != Some(text.as_str()) {
                node.set_node_value(Some(text));
            }
        }
    }
    changed
}

/// Rewrites an attribute's value if it shows a business number; `true` if it changed.
fn swap_attribute(el: &Element, name: &str, pairs: &Pairs, tel_only: bool) -> bool {
    let Some(mut value) = el.get_attribute(name) else { return false };
    let prefix = if tel_only {
        match value.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("tel:") => 4,
            _ => return false,
        }
    } else {
        0
    };
    let new = if tel_only { swap_tel(&value[prefix..], pairs) } else { swap_text(&value, pairs) };
    let Some(new) = new else { return false };
    value = crate::cat(&[&value[..prefix], &new]);
    let _ = el.set_attribute(name, &value);
    true
}

fn swap_text(text: &str, pairs: &Pairs) -> Option<String> {
    let mut out: Option<String> = None;
    for (from, to) in pairs {
        if let Some(new) = replace_all(out.as_deref().unwrap_or(text), from, to) {
            out = Some(new);
        }
    }
    out
}

/// A `tel:` URL's number, which may be percent-encoded (`tel:(555)%20010-0100`): matched
/// decoded, written back with only its digits changed, escapes kept.
fn swap_tel(rest: &str, pairs: &Pairs) -> Option<String> {
    if !rest.contains('%') {
        return swap_text(rest, pairs);
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let bytes = rest.as_bytes();
    let mut decoded = String::with_capacity(rest.len());
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match (
            bytes.get(i),
            bytes.get(i + 1).and_then(|b| hex(*b)),
            bytes.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (Some(b'%'), Some(h), Some(l)) if h < 8 => Some(char::from((h * 16 + l) as u8)),
            _ => None,
        };
        if let Some(c) = escaped {
            decoded.push(c);
            spans.push((i, i + 3));
            i += 3;
        } else {
            let c = rest.get(i..).and_then(|r| r.chars().next())?;
            decoded.push(c);
            spans.push((i, i + c.len_utf8()));
            i += c.len_utf8();
        }
    }
    let new = swap_text(&decoded, pairs)?;
    if new.chars().count() != spans.len() {
        return Some(new); // written another way: the plain form
    }
    let mut out = String::with_capacity(rest.len());
    for ((old, new), (a, b)) in decoded.chars().zip(new.chars()).zip(spans) {
        if old == new {
            out.push_str(rest.get(a..b)?);
        } else {
            out.push(new);
        }
    }
    Some(out)
}

/// Swaps every place under `root` (itself included) that shows one of `pairs`' business
/// numbers. Returns how many places changed.
pub fn swap_tree(document: &Document, root: &Node, pairs: &Pairs, attributes: &[String]) -> u32 {
    if pairs.is_empty() || root.parent_element().is_some_and(|p| skipped(Some(p))) {
        return 0;
    }
    let mut changed = 0;
    // SHOW_TEXT = 4
    if let Ok(walker) = document.create_tree_walker_with_what_to_show(root, 4) {
        let mut line: Vec<Node> = Vec::new();
        let mut line_el: Option<Element> = None;
        let mut texts: Vec<Node> = Vec::new();
        if root.node_type() == Node::TEXT_NODE {
            texts.push(root.clone());
        }
        while let Ok(Some(node)) = walker.next_node() {
            texts.push(node);
        }
        for node in texts {
            if skipped(node.parent_element()) {
                changed += swap_line(&line, pairs);
                line.clear();
                line_el = None;
                continue;
            }
            let el = line_of(&node);
            if el != line_el {
                changed += swap_line(&line, pairs);
                line.clear();
                line_el = el;
            }
            line.push(node);
        }
        changed += swap_line(&line, pairs);
    }
    if let Some(root_el) = root.dyn_ref::<Element>() {
        let mut each = |selector: &str, name: &str, tel_only: bool| {
            let mut found: Vec<Element> = Vec::new();
            if root_el.matches(selector).unwrap_or(false) {
                found.push(root_el.clone());
            }
            if let Ok(list) = root_el.query_selector_all(selector) {
                found.extend((0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<Element>().ok()));
            }
            for el in found {
                if !skipped(Some(el.clone())) && swap_attribute(&el, name, pairs, tel_only) {
                    changed += 1;
                }
            }
        };
        each("a[href]", "href", true);
        for name in attributes {
            each(&crate::cat(&["[", name, "]"]), name, false);
        }
    }
    changed
}
