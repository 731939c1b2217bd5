//! ringtrace's DNI widget, the part that decides what a page shows: which text, `tel:` link
//! or opted-in attribute holds one of the site's business numbers, how the tracking number is
//! written there (in the page's own format), and where the widget never writes.
//!
//! `widget.js` (in this folder) is the browser plumbing around it: the tag's options, the visitor id,
//! requests to the edge, timers, the page watcher and `window.ringtrace`. It calls the few
//! functions below, all synchronous. The split is for the download: every Rust closure or
//! future handed to the browser brings its own generated glue (1–2 KB each, and
//! `wasm-bindgen-futures` about 6 KB), while the plumbing is about 1.5 KB gzipped as
//! JavaScript. See ARCHITECTURE.md, "The widget".
//!
//! Business → tracking number pairs cross the boundary as one string, `"+1555… +1555… …"`
//! (E.164, as the edge sends them): the wasm keeps no state between calls.
//!
//! `no_std`: the widget links no `std`, so none of its panic and formatting machinery is in
//! the download; `alloc` comes from a small free-list allocator.

#![no_std]

extern crate alloc;

mod pairs;
pub mod swap;
mod tag_options;

use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;
use web_sys::Node;

#[cfg(feature = "runtime")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

/// A panic cannot be reported to anyone useful on a customer's page: stop this call (the
/// host page is unaffected; `widget.js` catches the trap).
#[cfg(all(target_arch = "wasm32", feature = "runtime"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The space-separated words of `list`. By hand: `str::split` brings core's bounds-check
/// panics, and with them `core::fmt`, into the download.
pub(crate) fn words(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = list;
    core::iter::from_fn(move || {
        rest = rest.trim_start_matches(' ');
        let end = rest.bytes().position(|b| b == b' ').unwrap_or(rest.len());
        let (word, tail) = (rest.get(..end)?, rest.get(end..)?);
        rest = tail;
        (!word.is_empty()).then_some(word)
    })
}

/// Joins strings without `format!` (which would pull `core::fmt` into the download).
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// Swaps every place under `root` (itself included) that shows one of `pairs`' business
/// numbers, also in the space-separated `attributes`; a tracking number with an extension is
/// written with it after `label` (`(555) 010-0909 ext. 042`, `tel:+15550100909,042`).
/// Returns how many places changed.
#[wasm_bindgen]
pub fn swap(root: &Node, pairs: &str, attributes: &str, label: &str) -> u32 {
    let attributes: Vec<&str> = words(attributes).collect();
    swap::swap_tree(root, &pairs::parse(pairs), &attributes, label)
}

/// Where a change to `node` needs a new look: its whole line (the nearest element that is not
/// inline), since a number may be split across that line's inline elements.
#[wasm_bindgen]
pub fn line_of(node: &Node) -> Option<Node> {
    swap::line_of(node)
}

/// Whether `root` shows `business` where a swap would replace it (text, `tel:` links, the
/// space-separated opted-in `attributes`; never regions left alone, never split across
/// lines). The widget leases a number for the site's other business numbers only then.
#[wasm_bindgen]
pub fn shows(root: &Node, business: &str, attributes: &str) -> bool {
    let attributes: Vec<&str> = words(attributes).collect();
    swap::shows(root, business, &attributes)
}

/// The number a page shows in place of `business` (as printed or E.164; empty: the site's
/// main number): its tracking number (`+15550100909,042` with an extension, as a phone dials
/// it), or itself (E.164) when none replaces it.
#[wasm_bindgen]
pub fn number_for(pairs: &str, business: &str) -> Option<String> {
    pairs::number_for(&pairs::parse(pairs), business)
}

/// The attributes of `requested` (a site's `data-attributes`, space or comma separated) the
/// widget will swap numbers in: never form values, links, sources, styles or event handlers.
#[wasm_bindgen]
pub fn attributes(requested: &str) -> String {
    tag_options::allowed_attributes(requested)
}
