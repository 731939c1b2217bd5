//! The site owner's API, `window.ringtrace` (the widget's only global):
//!
//! - `ringtrace.swap(elementOrSelector?)` swaps again (default: the whole page), returns how
//!   many places changed;
//! - `ringtrace.number(businessNumber?)` → a Promise of the number shown in its place (the
//!   business number itself when there is no tracking number);
//! - `ringtrace.on('swap', fn)` calls `fn({number, replaces, count})` after each swap;
//! - a `dataLayer.push({event: 'ringtrace_number_swapped', …})` for Google Tag Manager / GA4
//!   when the page has a `dataLayer`.

use crate::config::Config;
use crate::lease::Grant;
use crate::swap;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;
use js_sys::{Array, Function, Object, Promise, Reflect};
use shared::PhoneNumber;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Node, Window};

pub struct State {
    pub config: Config,
    /// Business number → tracking number, once known.
    pub pairs: Vec<(PhoneNumber, PhoneNumber)>,
    /// The lease has been settled (granted or given up).
    settled: bool,
    /// `number()` calls waiting for the lease: (business number asked for, resolve).
    waiting: Vec<(Option<String>, Function)>,
    listeners: Vec<Function>,
    /// The `dataLayer` event has been sent (once per page, at the first swap).
    announced: bool,
    /// The page watcher, paused while the widget edits the page itself.
    pub observer: Option<(web_sys::MutationObserver, Node, web_sys::MutationObserverInit)>,
}

impl State {
    pub fn new(config: Config) -> State {
        State {
            config,
            pairs: Vec::new(),
            settled: false,
            waiting: Vec::new(),
            listeners: Vec::new(),
            announced: false,
            observer: None,
        }
    }

    /// The number to show for `business` (E.164 or as printed; `None`: the main one).
    fn number_for(&self, business: Option<&str>) -> Option<String> {
        let asked = match business {
            Some(b) => Some(PhoneNumber::parse(b).ok()?),
            None => None,
        };
        let pair = self.pairs.iter().find(|(from, _)| asked.as_ref().is_none_or(|a| a == from));
        match (pair, asked) {
            (Some((_, to)), _) => Some(String::from(to.e164())),
            (None, Some(a)) => Some(String::from(a.e164())),
            (None, None) => None,
        }
    }
}

type Shared = Rc<RefCell<State>>;

fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Swaps under each of `roots` (business numbers → tracking numbers, or `pairs` when given)
/// and tells the listeners. The page watcher is paused meanwhile: the widget never reacts
/// to its own edits.
pub fn swap_now(window: &Window, state: &Shared, roots: &[Node], pairs: Option<&swap::Pairs>) -> u32 {
    let Some(document) = window.document() else { return 0 };
    // Copies, so no borrow is held while the page runs code our edits may trigger.
    let (own_pairs, attributes, observer, listeners, shown) = {
        let s = state.borrow();
        (
            s.pairs.clone(),
            s.config.attributes.clone(),
            s.observer.clone(),
            s.listeners.clone(),
            s.pairs.first().cloned(),
        )
    };
    let mut roots: Vec<Node> = roots.to_vec();
    if let Some((observer, _, _)) = &observer {
        // Changes the page made just before this swap are swapped now, not dropped.
        for record in observer.take_records().iter() {
            let root = record.dyn_ref::<web_sys::MutationRecord>().and_then(crate::observer::root_of);
            if let Some(root) = root.filter(Node::is_connected) {
                if !roots.contains(&root) {
                    roots.push(root);
                }
            }
        }
        observer.disconnect();
    }
    let pairs = pairs.unwrap_or(&own_pairs);
    let count = roots.iter().map(|r| swap::swap_tree(&document, r, pairs, &attributes)).sum::<u32>();
    if let Some((observer, target, options)) = &observer {
        let _ = observer.observe_with_options(target, options);
    }
    if count > 0 {
        if let Some((from, to)) = shown {
            if !core::mem::replace(&mut state.borrow_mut().announced, true) {
                announce(window, from.e164(), to.e164());
            }
            let detail = Object::new();
            set(&detail, "number", &to.e164().into());
            set(&detail, "replaces", &from.e164().into());
            set(&detail, "count", &count.into());
            for f in listeners {
                // A listener's error is the site's, not ours: it must not stop the widget.
                let _ = f.call1(&JsValue::NULL, &detail);
            }
        }
    }
    count
}

/// The leases are known: swap the page, announce it, answer waiting `number()` calls.
pub fn settle(window: &Window, state: &Shared, grants: &[Grant]) {
    state.borrow_mut().pairs = grants
        .iter()
        .filter_map(|g| Some((PhoneNumber::parse(&g.replaces).ok()?, PhoneNumber::parse(&g.number).ok()?)))
        .collect();
    if let Some(body) = window.document().and_then(|d| d.body()) {
        swap_now(window, state, &[body.into()], None);
    }
    finish(state);
}

/// Tells Google Tag Manager / GA4 (when the page has a `dataLayer`) that a number was swapped.
fn announce(window: &Window, replaces: &str, number: &str) {
    let data_layer = Reflect::get(window, &"dataLayer".into()).ok().and_then(|d| d.dyn_into::<Array>().ok());
    let Some(data_layer) = data_layer else { return };
    let event = Object::new();
    set(&event, "event", &"ringtrace_number_swapped".into());
    set(&event, "ringtrace_number", &number.into());
    set(&event, "ringtrace_replaces", &replaces.into());
    // `push` may be GTM's own function: call it rather than touching the array.
    if let Ok(push) = Reflect::get(&data_layer, &"push".into()).and_then(|p| p.dyn_into::<Function>()) {
        let _ = push.call1(&data_layer, &event);
    }
}

/// The lease failed: the page keeps its numbers; `number()` answers with them.
pub fn give_up(state: &Shared) {
    state.borrow().config.debug("kept the page's own numbers");
    finish(state);
}

fn finish(state: &Shared) {
    let waiting = {
        let mut s = state.borrow_mut();
        s.settled = true;
        core::mem::take(&mut s.waiting)
    };
    for (business, resolve) in waiting {
        let answer = state.borrow().number_for(business.as_deref());
        let _ = resolve.call1(&JsValue::NULL, &answer.map_or(JsValue::NULL, JsValue::from));
    }
}

/// Defines `window.ringtrace` (unless the page already has one of its own).
pub fn install(window: &Window, state: &Shared) {
    if Reflect::has(window, &"ringtrace".into()).unwrap_or(true) {
        return;
    }
    let api = Object::new();
    let swap_fn = {
        let (window, state) = (window.clone(), state.clone());
        Closure::<dyn Fn(JsValue) -> JsValue>::new(move |target: JsValue| {
            let Some(document) = window.document() else { return JsValue::from(0) };
            let root: Option<Node> = if let Some(selector) = target.as_string() {
                document.query_selector(&selector).ok().flatten().map(Into::into)
            } else if target.is_undefined() || target.is_null() {
                document.body().map(Into::into)
            } else {
                target.dyn_into::<Node>().ok()
            };
            JsValue::from(root.map_or(0, |r| swap_now(&window, &state, &[r], None)))
        })
    };
    let number_fn = {
        let state = state.clone();
        Closure::<dyn Fn(JsValue) -> Promise>::new(move |business: JsValue| {
            let business = business.as_string();
            let state = state.clone();
            Promise::new(&mut |resolve, _reject| {
                let mut s = state.borrow_mut();
                if s.settled {
                    let answer = s.number_for(business.as_deref());
                    let _ = resolve.call1(&JsValue::NULL, &answer.map_or(JsValue::NULL, JsValue::from));
                } else {
                    s.waiting.push((business.clone(), resolve));
                }
            })
        })
    };
    let on_fn = {
        let state = state.clone();
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |event: JsValue, f: JsValue| {
            if event.as_string().as_deref() == Some("swap") {
                if let Ok(f) = f.dyn_into::<Function>() {
                    state.borrow_mut().listeners.push(f);
                }
            }
        })
    };
    set(&api, "swap", &swap_fn.into_js_value());
    set(&api, "number", &number_fn.into_js_value());
    set(&api, "on", &on_fn.into_js_value());
    set(&api, "site", &state.borrow().config.site.as_str().into());
    set(window, "ringtrace", &api);
}
