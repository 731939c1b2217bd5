//! ringtrace's DNI widget: asks the edge for a tracking number for this visitor and shows it
//! in place of the site's business number, now and in content the page adds later. It runs
//! on other people's pages, so every failure is swallowed and leaves the page as it was.
//!
//! `no_std`: the widget links no `std`, so none of its panic and formatting machinery is in
//! the download; `alloc` comes from a small free-list allocator.

#![no_std]

extern crate alloc;

mod api;
mod config;
mod heartbeat;
mod lease;
mod observer;
pub mod swap;
mod visitor;

use alloc::rc::Rc;
use alloc::string::String;
use core::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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

/// Joins strings without `format!` (which would pull `core::fmt` into the download).
pub(crate) fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// Entry point, called by `widget.js` with its own `<script>` element (for its `data-*`
/// settings) and the base URL it was loaded from (where the edge API lives).
#[wasm_bindgen]
pub fn start(script: web_sys::Element, edge_base: String) {
    let Some(window) = web_sys::window() else { return };
    let Some(config) = config::Config::read(&window, &script, edge_base) else { return };
    let state = Rc::new(RefCell::new(api::State::new(config)));
    // `window.ringtrace` exists at once; its promises settle when the lease does.
    api::install(&window, &state);
    wasm_bindgen_futures::spawn_local(async move {
        // Whatever goes wrong, the page keeps its number and nothing is thrown.
        if run(&window, &state).await.is_err() {
            api::give_up(&state);
        }
    });
}

async fn run(window: &web_sys::Window, state: &Rc<RefCell<api::State>>) -> Result<(), JsValue> {
    let config = state.borrow().config.clone();
    if visitor::is_automated(window) {
        config.debug("a crawler or automated browser: no tracking number");
        return Err(JsValue::NULL); // a bot would hold a number no person can call
    }
    let grants = match &config.override_number {
        // `?ringtrace_number=` shows a number without leasing one, for checking a setup.
        Some(number) => alloc::vec![lease::Grant::test_override(window, number, &config).await?],
        None => {
            let visitor = visitor::visitor_id(window)?;
            let main = lease::request(window, &config, &visitor, None).await?;
            visitor::remember(window, &visitor, main.visitor_lifetime_secs);
            observer::when_ready(window).await?;
            // The site's other business numbers (a service line…) that this page prints.
            let mut grants = alloc::vec![main.clone()];
            for other in main.others.iter().filter(|b| page_shows(window, b)) {
                if let Ok(grant) = lease::request(window, &config, &visitor, Some(other)).await {
                    grants.push(grant);
                }
            }
            for grant in &grants {
                heartbeat::keep(window, &config, &visitor, grant.clone(), state.clone())?;
            }
            grants
        }
    };
    observer::when_ready(window).await?;
    api::settle(window, state, &grants);
    observer::watch(window, state)
}

/// Whether the page shows `business`: in its rendered text (`innerText`: no scripts, styles
/// or hidden parts, and blocks apart, so table cells are not joined) or a `tel:` link.
fn page_shows(window: &web_sys::Window, business: &str) -> bool {
    let Ok(number) = shared::PhoneNumber::parse(business) else { return false };
    let Some(document) = window.document() else { return false };
    let Some(body) = document.body() else { return false };
    if !shared::find_occurrences(&body.inner_text(), &number).is_empty() {
        return true;
    }
    let Ok(links) = body.query_selector_all("a[href^='tel:' i]") else { return false };
    (0..links.length())
        .filter_map(|i| links.item(i)?.dyn_into::<web_sys::Element>().ok()?.get_attribute("href"))
        .any(|href| !shared::find_occurrences(&href, &number).is_empty())
}
