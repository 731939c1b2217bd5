//! ringtrace's DNI widget, the part that decides what a page shows: which text, `tel:` link
//! or opted-in attribute holds one of the site's business numbers, how the tracking number is
//! written there (in the page's own format), and where the widget never writes.
//!
//! `widget.js` (in this folder) is the browser plumbing around it: the tag's options (which
//! attributes a site may opt into), the visitor id, consent, requests to the edge, timers,
//! the page watcher and `window.ringtrace` (whose `number()` looks the pairs up itself). It calls the few
//! functions below, all synchronous. The split is for the download: every Rust closure or
//! future handed to the browser brings its own generated glue (1–2 KB each, and
//! `wasm-bindgen-futures` about 6 KB), while the plumbing is about 1.5 KB gzipped as
//! JavaScript. See ARCHITECTURE.md, "The widget".
//!
//! Business → tracking number pairs cross the boundary as one string, `"+1555… +1555… …"`
//! (E.164, as the edge sends them): the wasm keeps no state between calls. It reads them
//! as digits borrowed from that string (`phone::Shown`), never as parsed numbers: the edge
//! validated them, and the known-number matcher only needs their digits.
//!
//! `no_std`: the widget links no `std`, so none of its panic and formatting machinery is in
//! the download; `alloc` comes from a small free-list allocator.

#![no_std]

extern crate alloc;

mod dom;
mod pairs;
pub mod swap;

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

/// The next word of `rest` (words are separated by spaces or by `also`), taken off it. By
/// hand: `str::split` brings core's searchers and bounds-check panics (and with them
/// `core::fmt`) into the download, and an iterator adaptor its own code per use.
pub(crate) fn next_word<'a>(rest: &mut &'a str, also: u8) -> Option<&'a str> {
    let bytes = rest.as_bytes();
    let apart = |i: usize| bytes.get(i).is_some_and(|b| *b == b' ' || *b == also);
    let mut start = 0;
    while apart(start) {
        start += 1;
    }
    let mut end = start;
    while end < bytes.len() && !apart(end) {
        end += 1;
    }
    let word = rest.get(start..end)?;
    *rest = rest.get(end..).unwrap_or("");
    (!word.is_empty()).then_some(word)
}

/// Swaps every place under `root` (itself included) that shows one of `pairs`' business
/// numbers, also in the space-separated `attributes`; a tracking number with an extension is
/// written with it after `label` (`(555) 010-0909 ext. 042`, `tel:+15550100909,042`).
/// Returns how many places changed.
#[wasm_bindgen]
pub fn swap(root: &Node, pairs: &str, attributes: &str, label: &str) -> u32 {
    swap::swap_tree(root, &pairs::parse(pairs), attributes, label)
}

/// Where a change to `node` needs a new look: its whole line (the nearest element that is not
/// inline), since a number may be split across that line's inline elements.
#[wasm_bindgen]
pub fn line_of(node: &Node) -> Option<Node> {
    swap::line_of(node)
}

/// Whether `root` shows `business` (E.164, as the edge sends it) where a swap would replace
/// it (text, `tel:` links, the space-separated opted-in `attributes`; never regions left
/// alone, never split across lines). The widget leases a number for the site's other
/// business numbers only then.
#[wasm_bindgen]
pub fn shows(root: &Node, business: &str, attributes: &str) -> bool {
    swap::shows(root, business, attributes)
}
