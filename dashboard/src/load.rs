//! Loading what a page shows from the edge, again whenever what it depends on (the URL's
//! filters, or a change the page made itself) changes. Answers that arrive after a newer
//! request was made are dropped, so a slow answer never overwrites a newer one.

use crate::api::{self, ApiError, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// `GET /v1/sites/{site}{path()}`, re-run when `path()` changes. A refused token signs out.
pub fn fetch_on<T>(
    session: Session,
    path: impl Fn() -> String + Send + Sync + 'static,
    on_unauthorized: Callback<()>,
) -> RwSignal<Load<T>>
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    fetch_again_on(session, path, Signal::stored(0), on_unauthorized)
}

/// As [`fetch_on`], and again whenever `again` changes: after the page changed what it shows
/// itself (closed a session). Then what is shown stays until the new answer replaces it.
pub fn fetch_again_on<T>(
    session: Session,
    path: impl Fn() -> String + Send + Sync + 'static,
    again: Signal<u32>,
    on_unauthorized: Callback<()>,
) -> RwSignal<Load<T>>
where
    T: DeserializeOwned + Clone + Send + Sync + 'static,
{
    let state = RwSignal::new(Load::Loading);
    let latest = StoredValue::new(0_u64);
    let shown = StoredValue::new(None::<String>);
    // Only a change of the request itself fetches again (not any change of the URL).
    let path = Memo::new(move |_| path());
    Effect::new(move |_| {
        let path = path.get();
        again.track();
        if shown.get_value().as_deref() != Some(path.as_str()) {
            state.set(Load::Loading);
            shown.set_value(Some(path.clone()));
        }
        let session = session.clone();
        let ticket = latest.get_value() + 1;
        latest.set_value(ticket);
        spawn_local(async move {
            let result = api::get::<T>(&session, &path).await;
            // The page may be gone by now (the marketer moved on): then nothing is left to set.
            if latest.try_get_value() != Some(ticket) {
                return;
            }
            match result {
                Ok(v) => {
                    state.try_set(Load::Ready(v));
                }
                Err(ApiError::Unauthorized) => on_unauthorized.run(()),
                Err(e) => {
                    state.try_set(Load::Failed(e.to_string()));
                }
            }
        });
    });
    state
}
