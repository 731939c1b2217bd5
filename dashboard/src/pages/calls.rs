//! The calls: every call in the period, filtered, sorted and paged by the edge (the filters
//! live in the URL), with a CSV export of exactly what is filtered.

use crate::api::{self, Session};
use crate::components::calls_table::CallsTable;
use crate::components::charts::plural;
use crate::load::{fetch_on, Load};
use crate::page_url::{navigate, use_page_url, PageUrl};
use crate::period::{Period, PeriodPicker};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::wire::CallsPage as Page;

/// The URL parameters the calls API takes as they are (the period is turned into times).
const PASSED: &[&str] =
    &["channel", "source", "campaign", "status", "qualified", "first_time", "sort", "order", "page"];

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

/// A `<select>` filter bound to one URL parameter.
#[component]
fn Choice(
    page_url: RwSignal<PageUrl>,
    name: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <label>{label}
            <select name=name
                prop:value=move || page_url.get().get(name).unwrap_or_default()
                on:change=move |ev| navigate(&page_url.get_untracked().with(name, &event_target_value(&ev)).with("page", ""))>
                {options.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
            </select>
        </label>
    }
}

/// A text filter bound to one URL parameter (applied on Enter or leaving the field).
#[component]
fn Text(page_url: RwSignal<PageUrl>, name: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <label>{label}
            <input type="search" name=name placeholder="any"
                prop:value=move || page_url.get().get(name).unwrap_or_default()
                on:change=move |ev| navigate(&page_url.get_untracked().with(name, event_target_value(&ev).trim()).with("page", ""))/>
        </label>
    }
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
                <Choice page_url=page_url name="channel" label="Channel" options=channels/>
                <Text page_url=page_url name="source" label="Source"/>
                <Text page_url=page_url name="campaign" label="Campaign"/>
                <Choice page_url=page_url name="status" label="Status" options=vec![
                    ("", "Any status"), ("answered", "Answered"), ("missed", "Missed"),
                    ("voicemail", "Voicemail"), ("live", "In progress")]/>
                <Choice page_url=page_url name="qualified" label="Qualified" options=vec![
                    ("", "Any"), ("true", "Qualified"), ("false", "Not qualified")]/>
                <Choice page_url=page_url name="first_time" label="Caller" options=vec![
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
                Load::Ready(page) if page.calls.is_empty() => {
                    // A page past the end (a shared link to page 9 after calls were filtered away).
                    let pages = page.total.div_ceil(u64::from(page.per_page.max(1)));
                    let last = page_url.get_untracked().with("page", &pages.to_string());
                    view! {
                        <p class="empty card" role="status">{format!("Page {} is past the end: these filters select {}. ", page.page, plural(page.total, "call"))}
                            <a href=last.href()>{format!("Go to page {pages}")}</a></p>
                    }.into_any()
                }
                Load::Ready(page) => {
                    let pages = page.total.div_ceil(u64::from(page.per_page.max(1)));
                    let at = page_url.get_untracked();
                    let prev = (page.page > 1).then(|| at.with("page", &(page.page - 1).to_string()));
                    let next = (u64::from(page.page) < pages).then(|| at.with("page", &(page.page + 1).to_string()));
                    view! {
                        <div class="card table-wrap">
                            <CallsTable calls=page.calls.clone() page_url=page_url/>
                        </div>
                        <nav class="pager" aria-label="Pages">
                            {prev.map(|r| view! { <a href=r.href() rel="prev">"← Previous"</a> })}
                            <span>{format!("Page {} of {} · {}", page.page, pages.max(1), plural(page.total, "call"))}</span>
                            {next.map(|r| view! { <a href=r.href() rel="next">"Next →"</a> })}
                        </nav>
                    }.into_any()
                }
            }}
        </section>
    }
}
