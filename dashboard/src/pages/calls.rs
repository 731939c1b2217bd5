//! The calls page: every call to the site's tracking numbers and what it is credited to.

use crate::api::{self, ApiError, Session};
use crate::components::{calls_table::CallsTable, source_summary::SourceSummary};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::CallView;

#[derive(Clone, PartialEq)]
enum Load {
    Loading,
    Loaded(Vec<CallView>),
    Failed(String),
}

#[component]
pub fn CallsPage(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let state = RwSignal::new(Load::Loading);
    let reload = move || {
        let session = session.clone();
        spawn_local(async move {
            match api::calls(&session).await {
                Ok(calls) => state.set(Load::Loaded(calls)),
                Err(ApiError::Unauthorized) => on_unauthorized.run(()),
                Err(e) => state.set(Load::Failed(e.to_string())),
            }
        });
    };
    reload();
    let refresh = reload.clone();
    view! {
        <section class="card">
            <div class="heading">
                <h1>"Calls"</h1>
                <button on:click=move |_| refresh()>"Refresh"</button>
            </div>
            {move || match state.get() {
                Load::Loading => view! { <p class="muted">"Loading calls…"</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Load::Loaded(calls) if calls.is_empty() => view! {
                    <p class="empty">"No calls yet. Calls to your tracking numbers appear here as they happen."</p>
                }.into_any(),
                Load::Loaded(calls) => view! {
                    <SourceSummary calls=calls.clone()/>
                    <CallsTable calls=calls/>
                }.into_any(),
            }}
        </section>
    }
}
