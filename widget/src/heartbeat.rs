//! Keeping the lease while the visitor is on the page: a heartbeat renews it while the page
//! is visible, coming back to the page renews at once (or takes a new lease and shows its
//! number if the old one ended), and leaving the page releases it with `sendBeacon`.

use crate::api::{self, State};
use crate::config::Config;
use crate::lease;
use alloc::rc::Rc;
use alloc::string::String;
use core::cell::RefCell;
use shared::PhoneNumber;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{VisibilityState, Window};

/// Renewal interval: well inside the default 15-minute lease.
const HEARTBEAT_MS: i32 = 4 * 60 * 1000;

struct Session {
    config: Config,
    visitor: String,
    grant: lease::Grant,
    /// A renewal or re-lease is under way: do not start another.
    busy: bool,
}

async fn beat(
    window: Window,
    session: Rc<RefCell<Session>>,
    state: Rc<RefCell<State>>,
) -> Result<(), JsValue> {
    let (config, visitor, current) = {
        let mut s = session.borrow_mut();
        if s.busy {
            return Ok(());
        }
        s.busy = true;
        (s.config.clone(), s.visitor.clone(), s.grant.clone())
    };
    let result = async {
        let lease_id = current.lease_id.as_deref().ok_or(JsValue::NULL)?;
        let body = lease::lease_ref(&config.site, &visitor, lease_id)?;
        if let lease::Renewal::Ended = lease::renew(&window, &config, &body).await? {
            let business = if current.main { None } else { Some(current.replaces.as_str()) };
            let fresh = match lease::request(&window, &config, &visitor, business).await {
                Ok(fresh) => fresh,
                Err(e) => {
                    // No new lease: the old number may be someone else's now. Put the business
                    // number back and stop showing a tracking number for it.
                    if let (Ok(old), Ok(business)) =
                        (PhoneNumber::parse(&current.number), PhoneNumber::parse(&current.replaces))
                    {
                        state.borrow_mut().pairs.retain(|(b, _)| b != &business);
                        if let Some(body) = window.document().and_then(|d| d.body()) {
                            api::swap_now(&window, &state, &[body.into()], Some(&[(old, business)]));
                        }
                    }
                    return Err(e);
                }
            };
            let (old, new) = (PhoneNumber::parse(&current.number), PhoneNumber::parse(&fresh.number));
            if let (Ok(old), Ok(new), Ok(business)) = (old, new, PhoneNumber::parse(&fresh.replaces)) {
                if old != new {
                    // The page shows the old tracking number: show the new one instead.
                    for pair in state.borrow_mut().pairs.iter_mut().filter(|(b, _)| b == &business) {
                        pair.1 = new.clone();
                    }
                    if let Some(body) = window.document().and_then(|d| d.body()) {
                        api::swap_now(&window, &state, &[body.into()], Some(&[(old, new)]));
                    }
                }
            }
            session.borrow_mut().grant = fresh;
        }
        Ok(())
    }
    .await;
    session.borrow_mut().busy = false;
    result
}

fn visible(window: &Window) -> bool {
    window.document().is_some_and(|d| d.visibility_state() == VisibilityState::Visible)
}

/// Starts the heartbeat and the page-exit release for `grant`. The listeners live as long as
/// the page does.
pub fn keep(
    window: &Window,
    config: &Config,
    visitor: &str,
    grant: lease::Grant,
    state: Rc<RefCell<State>>,
) -> Result<(), JsValue> {
    let session = Rc::new(RefCell::new(Session {
        config: config.clone(),
        visitor: String::from(visitor),
        grant,
        busy: false,
    }));

    let tick = {
        let (window, session) = (window.clone(), session.clone());
        Closure::<dyn FnMut()>::new(move || {
            if visible(&window) {
                let (window, session, state) = (window.clone(), session.clone(), state.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = beat(window, session, state).await;
                });
            }
        })
    };
    window.set_interval_with_callback_and_timeout_and_arguments_0(
        tick.as_ref().unchecked_ref(),
        HEARTBEAT_MS,
    )?;
    if let Some(document) = window.document() {
        // Coming back to the tab renews at once: the lease may have lapsed while hidden.
        document.add_event_listener_with_callback("visibilitychange", tick.as_ref().unchecked_ref())?;
    }
    tick.forget();

    let leave = {
        let (window, session) = (window.clone(), session.clone());
        Closure::<dyn FnMut()>::new(move || {
            let s = session.borrow();
            let Some(lease_id) = s.grant.lease_id.as_deref() else { return };
            if let Ok(body) = lease::lease_ref(&s.config.site, &s.visitor, lease_id) {
                let url = s.config.url("v1/lease/release");
                let _ = window.navigator().send_beacon_with_opt_str(&url, Some(&body));
            }
        })
    };
    window.add_event_listener_with_callback("pagehide", leave.as_ref().unchecked_ref())?;
    leave.forget();
    Ok(())
}
