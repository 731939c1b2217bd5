//! Swapping business numbers for tracking numbers in (part of) the page: text — also a number
//! split across inline elements such as `<b>(555)</b> 010-0100` — `tel:` links, and the
//! attributes the site opted into. The matching and rewriting rules live in `phone`
//! (shared/phone, the known-number matcher).

use crate::dom;
use alloc::string::String;
use alloc::vec::Vec;
use phone::{swap_across, Known, Pair, Shown, Where};
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

/// `node` as an element, if it is one (`nodeType` 1): no `instanceof` check brought in.
fn element(node: Node) -> Option<Element> {
    (node.node_type() == Node::ELEMENT_NODE).then(|| node.unchecked_into())
}

/// Whether `el` or an ancestor is off limits (one native selector match, not a walk).
fn skipped(el: &Element) -> bool {
    dom::closest(el, OFF_LIMITS).is_some()
}

/// Whether what `node` holds is off limits.
fn in_skipped(node: &Node) -> bool {
    node.parent_element().is_some_and(|p| skipped(&p))
}

/// The nearest ancestor that is not an inline element: text nodes in one line share it.
fn line_around(node: &Node) -> Option<Element> {
    dom::closest(&node.parent_element()?, NOT_INLINE)
}

/// Where a change to `node` (an element, or text) needs a new look: the line it is in, or
/// the element itself when it is not in one.
pub fn line_of(node: &Node) -> Option<Node> {
    let el = match element(node.clone()) {
        Some(el) => el,
        None => node.parent_element()?,
    };
    Some(dom::closest(&el, NOT_INLINE).unwrap_or(el).into())
}

/// Whether `root` shows `business` where a swap would replace it (the same rules: lines,
/// regions left alone, `tel:` links, the opted-in `attributes`). A dry run: swapping the number
/// for itself writes nothing.
pub fn shows(root: &Node, business: &str, attributes: &str) -> bool {
    let Some(number) = Known::from_e164(business) else { return false };
    let shown = Shown { number, extension: "" };
    swap_tree(root, &[(shown, shown)], attributes, "") > 0
}

/// Whether a text node can hold part of a phone number: digits, or a short run of the
/// separators written between its groups (the `-` in `<span>555</span>-<span>010</span>`).
fn may_hold_number(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
        || (text.len() <= 3
            && text.chars().all(|c| {
                matches!(
                    c,
                    ' ' | '-' | '.' | '/' | '(' | ')' | '+' | '\u{a0}' | '\u{202f}' | '\u{2010}'..='\u{2013}'
                )
            }))
}

/// Adjacent text nodes of one line (inline elements of one block) that may hold numbers,
/// e.g. `<b>(555)</b> 010-0100`: their text joined, and where each one's starts.
#[derive(Default)]
struct Run {
    nodes: Vec<Node>,
    text: String,
    cuts: Vec<usize>,
}

/// `text`'s piece `i` (of those starting at `cuts`).
fn piece<'t>(text: &'t str, cuts: &[usize], i: usize) -> &'t str {
    let end = cuts.get(i + 1).copied().unwrap_or(text.len());
    text.get(cuts.get(i).copied().unwrap_or(0)..end).unwrap_or("")
}

impl Run {
    /// Swaps the numbers in the run, and starts a new one; how many pairs changed it. Whether
    /// a node is off limits is asked only for the nodes a number was found in.
    fn swap(&mut self, pairs: &[Pair<'_>], label: &str) -> u32 {
        let Run { nodes, text, cuts } = core::mem::take(self);
        let mut new_cuts = cuts.clone();
        let mut accept = |mut first: usize, last: usize| {
            while first <= last {
                match nodes.get(first) {
                    Some(node) if !in_skipped(node) => first += 1,
                    _ => return false,
                }
            }
            true
        };
        let Some((new, found)) = swap_across(&text, &mut new_cuts, pairs, Where::Text { label }, &mut accept)
        else {
            return 0;
        };
        for (i, node) in nodes.iter().enumerate() {
            let now = piece(&new, &new_cuts, i);
            if piece(&text, &cuts, i) != now {
                node.set_node_value(Some(now));
            }
        }
        found.count_ones()
    }
}

/// Rewrites the attribute `name` of `el` if it shows a business number (in a `tel:` URL when
/// `place` is [`Where::Tel`]); whether it did.
#[inline(never)]
fn swap_attribute(el: &Element, name: &str, pairs: &[Pair<'_>], place: Where<'_>) -> bool {
    let Some(value) = el.get_attribute(name) else { return false };
    if matches!(place, Where::Tel) && !value.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("tel:")) {
        return false;
    }
    if skipped(el) {
        return false;
    }
    let Some(new) = phone::swap_text(&value, pairs, place) else { return false };
    if new != value {
        dom::set_attribute(el, name, &new);
    }
    true
}

/// Swaps the attribute `name` of `root` and the elements under it that match `selector`;
/// how many changed.
#[inline(never)]
fn swap_attributes(root: &Element, selector: &str, name: &str, pairs: &[Pair<'_>], place: Where<'_>) -> u32 {
    let mut changed = u32::from(dom::matches(root, selector) && swap_attribute(root, name, pairs, place));
    let list = dom::query_selector_all(root, selector);
    for i in 0..list.length() {
        if let Some(el) = list.item(i) {
            changed += u32::from(swap_attribute(el.unchecked_ref(), name, pairs, place));
        }
    }
    changed
}

/// Swaps every place under `root` (itself included) that shows one of `pairs`' business
/// numbers, and in the space-separated `attributes`. Returns how many places changed.
pub fn swap_tree(root: &Node, pairs: &[Pair<'_>], mut attributes: &str, label: &str) -> u32 {
    if pairs.is_empty() || in_skipped(root) {
        return 0;
    }
    let Some(document) = root.owner_document() else { return 0 };
    let mut changed = 0;
    // SHOW_TEXT = 4. Text nodes are read once; the page's structure is asked about only
    // where a number may be.
    let walker = dom::create_tree_walker(&document, root, 4);
    let mut run = Run::default();
    let mut run_line: Option<Element> = None;
    let mut next = if root.node_type() == Node::TEXT_NODE { Some(root.clone()) } else { None };
    while let Some(node) = next.take().or_else(|| dom::next_node(&walker)) {
        let text = node.node_value().unwrap_or_default();
        if !may_hold_number(&text) {
            changed += run.swap(pairs, label);
            continue;
        }
        // A block or `<br>` right before this text ends the line, even in one parent.
        let broken = node.previous_sibling().and_then(element).is_some_and(|e| dom::matches(&e, NOT_INLINE));
        let line = line_around(&node);
        if broken || line != run_line {
            changed += run.swap(pairs, label);
            run_line = line;
        }
        run.cuts.push(run.text.len());
        run.text.push_str(&text);
        run.nodes.push(node);
    }
    changed += run.swap(pairs, label);
    if let Some(root) = element(root.clone()) {
        changed += swap_attributes(&root, "a[href]", "href", pairs, Where::Tel);
        while let Some(name) = crate::next_word(&mut attributes, b' ') {
            let (open, close) = ("[", "]"); // `&str`s: `push(']')` would bring UTF-8 encoding
            let mut selector = String::from(open);
            selector.push_str(name);
            selector.push_str(close);
            changed += swap_attributes(&root, &selector, name, pairs, Where::Text { label });
        }
    }
    changed
}
