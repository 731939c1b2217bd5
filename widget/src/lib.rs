//! ringtrace's DNI widget: asks the edge for a tracking number for this visitor and shows it
//! in place of the site's business number. It runs on other people's pages, so every failure
//! is swallowed and leaves the page exactly as it was.

mod dom;
mod heartbeat;
mod lease;
mod swap;
mod visitor;

use wasm_bindgen::prelude::*;

/// Entry point, called by `widget.js` with the `data-site` of its script tag and the base URL
/// it was loaded from (where the edge API lives).
#[wasm_bindgen]
pub fn start(site: String, edge_base: String) {
    wasm_bindgen_futures::spawn_local(async move {
        // Whatever goes wrong, the page keeps its number and the console stays clean.
        let _ = run(&site, &edge_base).await;
    });
}

async fn run(site: &str, edge_base: &str) -> Result<(), JsValue> {
    let window = web_sys::window().ok_or(JsValue::NULL)?;
    if visitor::is_automated(&window) {
        return Ok(()); // a bot would hold a number no person can call
    }
    let visitor = visitor::visitor_id(&window)?;
    let grant = lease::request(&window, edge_base, site, &visitor).await?;
    dom::ready(&window).await?;
    let document = window.document().ok_or(JsValue::NULL)?;
    swap::swap_page(&document, &grant.replaces, &grant.number);
    heartbeat::keep(&window, edge_base, site, &visitor, grant)
}
