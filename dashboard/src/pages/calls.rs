//! The calls: every call in the period, filtered, sorted and paged by the edge (the filters
//! live in the URL), with a CSV export of exactly what is filtered.

use crate::api::{self, Session};
use crate::components::calls_table::CallsTable;
use crate::components::pager::{Pager, PastTheEnd};
use crate::components::url_filters::{ChoiceFilter, TextFilter};
use crate::load::{fetch_on, Load};
use crate::page_url::{use_page_url, PageUrl};
use crate::period::{Period, PeriodPicker};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::wire::CallsPage as Page;

/// The URL parameters the calls API takes as they are (the period is turned into times).
const PASSED: &[&str] =
    &["kind", "channel", "source", "campaign", "status", "qualified", "first_time", "sort", "order", "page"];

fn api_query(page_url: &PageUrl) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> =
        Period::of(page_url).params().into_iter().filter(|(k, _)| k != "tz").collect();
    for key in PASSED {
        if let Some(v) = page_url.get(key) {
            pairs.push((key.to_string(), v));
        }
    }
    pairs
}

#[component]
pub fn CallsPage(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let page_url = use_page_url();
    let query = Memo::new(move |_| api_query(&page_url.get()));
    let data = fetch_on::<Page>(
        session.clone(),
        move || format!("/calls?{}", api::query(&query.get())),
        on_unauthorized,
    );
    let export_error = RwSignal::new(None::<String>);
    let exporting = RwSignal::new(false);
    let export = move |_| {
        let session = session.clone();
        let mut pairs = query.get_untracked();
        pairs.retain(|(k, _)| k != "page");
        pairs.push(("format".into(), "csv".into()));
        exporting.set(true);
        export_error.set(None);
        spawn_local(async move {
            if let Err(e) =
                api::download(&session, &format!("/calls?{}", api::query(&pairs)), "ringtrace-calls.csv")
                    .await
            {
                export_error.set(Some(e.to_string()));
            }
            exporting.set(false);
        });
    };
    let mut channels: Vec<(&'static str, &'static str)> = vec![("", "All channels")];
    channels.extend(shared::ALL_CHANNELS.iter().map(|c| (c.label(), c.label())));
    channels.push(("unattributed", "unattributed"));
    view! {
        <section class="page">
            <div class="heading">
                <h1>"Calls"</h1>
                <PeriodPicker page_url=page_url/>
            </div>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <ChoiceFilter page_url=page_url name="kind" label="Kind" options=vec![
                    ("", "All calls"), ("tracked", "Tracked"), ("masked", "Masked")]/>
                <ChoiceFilter page_url=page_url name="channel" label="Channel" options=channels/>
                <TextFilter page_url=page_url name="source" label="Source"/>
                <TextFilter page_url=page_url name="campaign" label="Campaign"/>
                <ChoiceFilter page_url=page_url name="status" label="Status" options=vec![
                    ("", "Any status"), ("answered", "Answered"), ("missed", "Missed"),
                    ("voicemail", "Voicemail"), ("live", "In progress")]/>
                <ChoiceFilter page_url=page_url name="qualified" label="Qualified" options=vec![
                    ("", "Any"), ("true", "Qualified"), ("false", "Not qualified")]/>
                <ChoiceFilter page_url=page_url name="first_time" label="Caller" options=vec![
                    ("", "Any"), ("true", "First-time"), ("false", "Repeat")]/>
                <button type="button" class="secondary" on:click=export disabled=move || exporting.get()>
                    {move || if exporting.get() { "Exporting…" } else { "Export CSV" }}
                </button>
            </form>
            {move || export_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || match data.get() {
                // An export has a ceiling: say so before the marketer trusts a cut-off file.
                Load::Ready(page) if page.total > u64::from(shared::MAX_EXPORT_ROWS) => Some(view! {
                    <p class="hint" role="note">{format!(
                        "Export CSV holds the first {} of these {} calls, in this order; narrow the period or filters for the rest.",
                        shared::MAX_EXPORT_ROWS, page.total
                    )}</p>
                }),
                _ => None,
            }}
            {move || match data.get() {
                Load::Loading => view! { <p class="muted" role="status">"Loading calls…"</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Load::Ready(page) if page.total == 0 => {
                    let filtered = PASSED.iter().any(|k| *k != "page" && *k != "sort" && *k != "order" && page_url.get_untracked().get(k).is_some());
                    let period = Period::of(&page_url.get_untracked()).label();
                    view! {
                        <p class="empty card" role="status">{if filtered {
                            format!("No calls in {period} match these filters. Clear a filter to see more.")
                        } else {
                            format!("No calls in {period} yet. Calls to your tracking numbers appear here as they happen.")
                        }}</p>
                    }.into_any()
                }
                Load::Ready(page) if page.calls.is_empty() => view! {
                    <PastTheEnd at=page_url.get_untracked() page=page.page per_page=page.per_page total=page.total noun="call"/>
                }.into_any(),
                Load::Ready(page) => view! {
                    <div class="card table-wrap">
                        <CallsTable calls=page.calls.clone() page_url=page_url/>
                    </div>
                    <Pager at=page_url.get_untracked() page=page.page per_page=page.per_page total=page.total noun="call"/>
                }.into_any(),
            }}
        </section>
    }
}
