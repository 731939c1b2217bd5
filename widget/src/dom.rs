//! Waiting for the page: the widget may load before or after `DOMContentLoaded`.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AddEventListenerOptions, Window};

/// Resolves once the document is parsed (at once if it already is).
pub async fn ready(window: &Window) -> Result<(), JsValue> {
    let document = window.document().ok_or(JsValue::NULL)?;
    if document.ready_state() != "loading" {
        return Ok(());
    }
    let promise = Promise::new(&mut |resolve, _reject| {
        let options = AddEventListenerOptions::new();
        options.set_once(true);
        let _ = document.add_event_listener_with_callback_and_add_event_listener_options(
            "DOMContentLoaded",
            &resolve,
            &options,
        );
    });
    JsFuture::from(promise).await.map(|_| ())
}
