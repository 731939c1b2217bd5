//! Keeping the lease while the visitor is on the page: a heartbeat renews it while the page
//! is visible, coming back to the page renews at once (or takes a new lease and shows its
//! number if the old one ended), and leaving the page releases it with `sendBeacon`.

use crate::{lease, swap};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{VisibilityState, Window};

/// Renewal interval: well inside the default 15-minute lease.
const HEARTBEAT_MS: i32 = 4 * 60 * 1000;

struct Session {
    edge_base: String,
    site: String,
    visitor: String,
    grant: lease::Grant,
    /// A renewal or re-lease is under way: do not start another.
    busy: bool,
}

async fn beat(window: Window, session: Rc<RefCell<Session>>) -> Result<(), JsValue> {
    let (edge, site, visitor, current) = {
        let mut s = session.borrow_mut();
        if s.busy {
            return Ok(());
        }
        s.busy = true;
        (s.edge_base.clone(), s.site.clone(), s.visitor.clone(), s.grant.clone())
    };
    let result = async {
        let body = lease::lease_ref(&site, &visitor, &current.lease_id)?;
        if let lease::Renewal::Ended = lease::renew(&window, &edge, &body).await? {
            let fresh = lease::request(&window, &edge, &site, &visitor).await?;
            if fresh.number != current.number {
                if let Some(document) = window.document() {
                    swap::swap_page(&document, &current.number, &fresh.number);
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
    edge_base: &str,
    site: &str,
    visitor: &str,
    grant: lease::Grant,
) -> Result<(), JsValue> {
    let session = Rc::new(RefCell::new(Session {
        edge_base: edge_base.to_string(),
        site: site.to_string(),
        visitor: visitor.to_string(),
        grant,
        busy: false,
    }));

    let tick = {
        let (window, session) = (window.clone(), session.clone());
        Closure::<dyn FnMut()>::new(move || {
            if visible(&window) {
                wasm_bindgen_futures::spawn_local({
                    let (window, session) = (window.clone(), session.clone());
                    async move {
                        let _ = beat(window, session).await;
                    }
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
            if let Ok(body) = lease::lease_ref(&s.site, &s.visitor, &s.grant.lease_id) {
                let url = format!("{}v1/lease/release", s.edge_base);
                let _ = window.navigator().send_beacon_with_opt_str(&url, Some(&body));
            }
        })
    };
    window.add_event_listener_with_callback("pagehide", leave.as_ref().unchecked_ref())?;
    leave.forget();
    Ok(())
}
