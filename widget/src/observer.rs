//! Content the page adds later (single-page apps, late footers, chat widgets): a
//! MutationObserver collects what changed and swaps it in one batch shortly after. The
//! widget's own edits are made with the observer disconnected, so it never reacts to them.

use crate::api;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AddEventListenerOptions, MutationObserver, MutationObserverInit, MutationRecord, Node, Window,
};

/// Changes within this many milliseconds are swapped together.
const BATCH_MS: i32 = 50;

/// Resolves once the document is parsed (at once if it already is).
pub async fn when_ready(window: &Window) -> Result<(), JsValue> {
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

fn options(state: &Rc<RefCell<api::State>>) -> MutationObserverInit {
    let init = MutationObserverInit::new();
    init.set_child_list(true);
    init.set_subtree(true);
    init.set_character_data(true);
    let filter = Array::new();
    filter.push(&"href".into());
    for name in &state.borrow().config.attributes {
        filter.push(&name.as_str().into());
    }
    init.set_attribute_filter(&filter);
    init
}

/// Where a change needs a new look: the whole line (nearest non-inline element) around
/// changed text or children, since a number may be split across its inline elements; the
/// element itself when an attribute changed.
pub fn root_of(record: &MutationRecord) -> Option<Node> {
    let target = record.target()?;
    if record.type_() == "attributes" {
        return Some(target);
    }
    let element = match target.dyn_ref::<web_sys::Element>() {
        Some(e) => e.clone(),
        None => target.parent_element()?,
    };
    let line = element.closest(crate::swap::NOT_INLINE).ok().flatten().unwrap_or(element);
    Some(line.into())
}

/// Watches the page for the rest of its life.
pub fn watch(window: &Window, state: &Rc<RefCell<api::State>>) -> Result<(), JsValue> {
    // The whole document, not `<body>`: Turbo, pjax and the like replace the body element.
    let body: Node = window.document().and_then(|d| d.document_element()).ok_or(JsValue::NULL)?.into();
    let pending: Rc<RefCell<Vec<Node>>> = Rc::new(RefCell::new(Vec::new()));
    let flush = {
        let (window, state, pending) = (window.clone(), state.clone(), pending.clone());
        Closure::<dyn FnMut()>::new(move || {
            let mut roots = core::mem::take(&mut *pending.borrow_mut());
            // Only roots still in the page and not inside another root of this batch.
            let all = roots.clone();
            roots.retain(|r| r.is_connected() && !all.iter().any(|o| o != r && o.contains(Some(r))));
            api::swap_now(&window, &state, &roots, None);
        })
    };
    let on_change = {
        let (window, pending) = (window.clone(), pending.clone());
        let flush: js_sys::Function = flush.into_js_value().unchecked_into();
        Closure::<dyn FnMut(Array)>::new(move |records: Array| {
            let mut roots = pending.borrow_mut();
            let was_empty = roots.is_empty();
            for record in records.iter() {
                if let Some(root) = record.dyn_ref::<MutationRecord>().and_then(root_of) {
                    if !roots.iter().any(|r| r == &root) {
                        roots.push(root);
                    }
                }
            }
            if was_empty && !roots.is_empty() {
                let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&flush, BATCH_MS);
            }
        })
    };
    let observer = MutationObserver::new(on_change.as_ref().unchecked_ref())?;
    on_change.forget();
    let init = options(state);
    observer.observe_with_options(&body, &init)?;
    state.borrow_mut().observer = Some((observer, body, init));
    Ok(())
}
