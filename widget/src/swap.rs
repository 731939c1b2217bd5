//! Swapping business numbers for tracking numbers in (part of) the page: text — also a number
//! split across inline elements such as `<b>(555)</b> 010-0100` — `tel:` links, and the
//! attributes the site opted into. The matching and formatting rules live in `phone` (shared/phone).

use crate::pairs::Shown;
use alloc::string::String;
use alloc::vec::Vec;
use phone::{replace_across_tailed, PhoneNumber, Tails};
use wasm_bindgen::JsCast;
use web_sys::{Element, Node};

/// Where the widget never writes: text that is not page copy, what a person is editing, and
/// regions the site owner marked with `data-ringtrace-noswap` (with their subtrees).
const OFF_LIMITS: &str = "script,style,noscript,textarea,template,input,select,option,iframe,svg,\
[data-ringtrace-noswap],[contenteditable]:not([contenteditable=false])";
/// Elements that are not inside a line of text: a number may be split across the inline
/// elements of one line, never across these.
pub const NOT_INLINE: &str =
    ":not(a,abbr,b,bdi,bdo,cite,code,data,dfn,em,font,i,kbd,mark,q,s,samp,small,span,\
strong,sub,sup,time,u,var)";

/// Which business numbers become which tracking numbers (with the visitor's extension).
pub type Pairs = [(Shown, Shown)];

/// How the page writes a number's extension after it: ` ext. 042` (`label`: the site's word).
/// `None`: in a `tel:` link, where a comma (a pause) precedes the extension a phone then keys:
/// `tel:+15550100909,042`.
fn tail(shown: &Shown, label: Option<&str>) -> String {
    match (label, shown.extension.as_deref()) {
        (Some(label), Some(e)) => crate::cat(&[" ", label, " ", e]),
        (None, Some(e)) => crate::cat(&[",", e]),
        _ => String::new(),
    }
}

/// `node` as an element, if it is one (`nodeType` 1): no `instanceof` check brought in.
fn element(node: Node) -> Option<Element> {
    (node.node_type() == Node::ELEMENT_NODE).then(|| node.unchecked_into())
}

/// Whether `el` or an ancestor is off limits (one native selector match, not a walk).
fn skipped(el: Option<Element>) -> bool {
    el.is_some_and(|e| e.closest(OFF_LIMITS).ok().flatten().is_some())
}

/// The nearest ancestor that is not an inline element: text nodes in one line share it.
fn line_around(node: &Node) -> Option<Element> {
    node.parent_element()?.closest(NOT_INLINE).ok().flatten()
}

/// Where a change to `node` (an element, or text) needs a new look: the line it is in, or
/// the element itself when it is not in one.
pub fn line_of(node: &Node) -> Option<Node> {
    let el = match element(node.clone()) {
        Some(el) => el,
        None => node.parent_element()?,
    };
    Some(el.closest(NOT_INLINE).ok().flatten().unwrap_or(el).into())
}

/// Whether `root` shows `business` where a swap would replace it (the same rules: lines,
/// regions left alone, `tel:` links, the opted-in `attributes`). A dry run: swapping the number
/// for itself writes nothing.
pub fn shows(root: &Node, business: &str, attributes: &[&str]) -> bool {
    let Ok(number) = PhoneNumber::parse(business) else { return false };
    let shown = Shown { number, extension: None };
    swap_tree(root, &[(shown.clone(), shown)], attributes, "") > 0
}

/// Whether a text node can hold part of a phone number: digits, or a short run of the
/// separators written between its groups (the `-` in `<span>555</span>-<span>010</span>`).
fn may_hold_number(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
        || (text.len() <= 3
            && text.chars().all(|c| matches!(c, ' ' | '-' | '.' | '/' | '(' | ')' | '+' | '\u{a0}')))
}

/// Swaps a run of adjacent text nodes of one line (inline elements of one block) that may
/// hold numbers, e.g. `<b>(555)</b> 010-0100`. Whether a node is off limits is asked only
/// for the nodes a number was found in.
fn swap_run(run: &mut Vec<(Node, String)>, pairs: &Pairs, label: &str) -> u32 {
    let nodes: Vec<(Node, String)> = core::mem::take(run);
    let digits: usize = nodes.iter().map(|(_, t)| t.bytes().filter(u8::is_ascii_digit).count()).sum();
    if digits < 7 {
        return 0; // no phone number is shorter
    }
    let mut off_limits: Vec<Option<bool>> = alloc::vec![None; nodes.len()];
    let mut skipped_at = |i: usize| match (off_limits.get_mut(i), nodes.get(i)) {
        (Some(known), Some((node, _))) => *known.get_or_insert_with(|| skipped(node.parent_element())),
        _ => true,
    };
    let mut texts: Vec<String> = nodes.iter().map(|(_, t)| t.clone()).collect();
    let mut changed = 0;
    for (from, to) in pairs {
        let pieces: Vec<&str> = texts.iter().map(String::as_str).collect();
        let mut accept = |a: usize, b: usize| (a..=b).all(|i| !skipped_at(i));
        let (old_tail, new_tail) = (tail(from, Some(label)), tail(to, Some(label)));
        let tails = Tails { old: &old_tail, new: &new_tail };
        let Some(new) = replace_across_tailed(&pieces, &from.number, &to.number, tails, &mut accept) else {
            continue;
        };
        changed += 1;
        texts = new;
    }
    if changed > 0 {
        for ((node, old), text) in nodes.iter().zip(&texts) {
            if old != text {
                node.set_node_value(Some(text));
            }
        }
    }
    changed
}

/// Rewrites an attribute's value if it shows a business number; `true` if it changed.
fn swap_attribute(el: &Element, name: &str, pairs: &Pairs, label: &str, tel_only: bool) -> bool {
    let Some(mut value) = el.get_attribute(name) else { return false };
    let prefix = if tel_only {
        match value.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("tel:") => 4,
            _ => return false,
        }
    } else {
        0
    };
    let (scheme, number) = value.split_at_checked(prefix).unwrap_or(("", &value));
    let new = if tel_only { swap_tel(number, pairs) } else { swap_text(number, pairs, Some(label)) };
    let Some(new) = new else { return false };
    let changed = crate::cat(&[scheme, &new]);
    if changed != value {
        value = changed;
        let _ = el.set_attribute(name, &value);
    }
    true
}

fn swap_text(text: &str, pairs: &Pairs, label: Option<&str>) -> Option<String> {
    let mut out: Option<String> = None;
    for (from, to) in pairs {
        let (old_tail, new_tail) = (tail(from, label), tail(to, label));
        let tails = Tails { old: &old_tail, new: &new_tail };
        let piece = [out.as_deref().unwrap_or(text)];
        if let Some(new) = replace_across_tailed(&piece, &from.number, &to.number, tails, &mut |_, _| true) {
            out = new.into_iter().next();
        }
    }
    out
}

/// A `tel:` URL's number, which may be percent-encoded (`tel:(555)%20010-0100`): matched
/// decoded, written back with only its digits changed, escapes kept.
fn swap_tel(rest: &str, pairs: &Pairs) -> Option<String> {
    if !rest.contains('%') {
        return swap_text(rest, pairs, None);
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
    let new = swap_text(&decoded, pairs, None)?;
    let mut out = String::with_capacity(rest.len() + 4);
    let (mut olds, mut news, mut spans) = (decoded.chars(), new.chars(), spans.into_iter());
    loop {
        match (olds.next(), news.next(), spans.next()) {
            (Some(old), Some(new), Some((a, b))) if old == new => out.push_str(rest.get(a..b)?),
            (Some(_), Some(new), Some(_)) => out.push(new),
            (None, None, None) => return Some(out),
            // An extension added after the number (`,042`): written as it is.
            (None, Some(','), None) => {
                out.push(',');
                out.extend(news);
                return Some(out);
            }
            // The extension the number had, taken away with it.
            (Some(','), None, Some(_)) => return Some(out),
            // Written with another length: the plain form.
            _ => return Some(new),
        }
    }
}

/// Swaps every place under `root` (itself included) that shows one of `pairs`' business
/// numbers. Returns how many places changed.
pub fn swap_tree(root: &Node, pairs: &Pairs, attributes: &[&str], label: &str) -> u32 {
    if pairs.is_empty() || root.parent_element().is_some_and(|p| skipped(Some(p))) {
        return 0;
    }
    let Some(document) = root.owner_document() else { return 0 };
    let mut changed = 0;
    // SHOW_TEXT = 4. Text nodes are read once; the page's structure is asked about only
    // where a number turns up.
    if let Ok(walker) = document.create_tree_walker_with_what_to_show(root, 4) {
        let mut run: Vec<(Node, String)> = Vec::new();
        let mut run_line: Option<Element> = None;
        // The line of the last parent seen: siblings share it without asking again.
        let mut last: Option<(Element, Option<Element>)> = None;
        let mut nodes: Vec<Node> = Vec::new();
        if root.node_type() == Node::TEXT_NODE {
            nodes.push(root.clone());
        }
        while let Ok(Some(node)) = walker.next_node() {
            nodes.push(node);
        }
        for node in nodes {
            let text = node.node_value().unwrap_or_default();
            if !may_hold_number(&text) {
                changed += swap_run(&mut run, pairs, label);
                continue;
            }
            // A block or `<br>` right before this text ends the line, even in one parent.
            let broken = node
                .previous_sibling()
                .and_then(element)
                .is_some_and(|e| e.matches(NOT_INLINE).unwrap_or(true));
            if broken {
                changed += swap_run(&mut run, pairs, label);
            }
            let parent = node.parent_element();
            let line = match (&last, &parent) {
                (Some((p, line)), Some(parent)) if p == parent => line.clone(),
                _ => {
                    let line = line_around(&node);
                    last = parent.map(|p| (p, line.clone()));
                    line
                }
            };
            if line != run_line {
                changed += swap_run(&mut run, pairs, label);
                run_line = line;
            }
            run.push((node, text));
        }
        changed += swap_run(&mut run, pairs, label);
    }
    if let Some(root_el) = element(root.clone()) {
        let mut each = |selector: &str, name: &str, tel_only: bool| {
            let mut found: Vec<Element> = Vec::new();
            if root_el.matches(selector).unwrap_or(false) {
                found.push(root_el.clone());
            }
            if let Ok(list) = root_el.query_selector_all(selector) {
                found.extend((0..list.length()).filter_map(|i| element(list.item(i)?)));
            }
            for el in found {
                if !skipped(Some(el.clone())) && swap_attribute(&el, name, pairs, label, tel_only) {
                    changed += 1;
                }
            }
        };
        each("a[href]", "href", true);
        for &name in attributes {
            each(&crate::cat(&["[", name, "]"]), name, false);
        }
    }
    changed
}
