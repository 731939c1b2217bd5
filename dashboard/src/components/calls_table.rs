//! The table of calls with their attribution and outcome; headers sort (through the URL).

use crate::components::masking::masked_tag;
use crate::components::money::amount;
use crate::page_url::{navigate, Page, PageUrl};
use leptos::prelude::*;
use shared::wire::CallView;
use shared::MaskedCall;

/// The call's start in the marketer's own locale and time zone.
pub fn local_time(millis: i64) -> String {
    let date = js_sys::Date::new(&(millis as f64).into());
    let locale: String =
        web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_else(|| "en-US".to_string());
    date.to_locale_string(&locale, &wasm_bindgen::JsValue::UNDEFINED).into()
}

/// A number as people read it; what is not a number (`anonymous`) as the provider sent it.
pub fn readable(number: &str) -> String {
    shared::PhoneNumber::parse(number).map(|n| n.formatted()).unwrap_or_else(|_| number.to_string())
}

pub fn or_dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

/// `3:07`
pub fn duration(secs: Option<u32>) -> String {
    secs.map_or_else(|| "—".into(), |s| format!("{}:{:02}", s / 60, s % 60))
}

/// What happened to the call, in a word.
pub fn outcome(c: &CallView) -> &'static str {
    if matches!(c.status, Some(shared::CallStatus::Ringing | shared::CallStatus::InProgress)) {
        "in progress"
    } else if c.voicemail {
        "voicemail"
    } else if c.answered {
        "answered"
    } else {
        match c.status {
            Some(shared::CallStatus::Ringing | shared::CallStatus::InProgress) => "in progress",
            Some(shared::CallStatus::Busy) => "busy",
            Some(shared::CallStatus::Failed) => "failed",
            Some(_) => "missed",
            None => "—",
        }
    }
}

/// The orders page showing the session a masked call went through (its order's row opened).
pub fn session_href(m: &MaskedCall) -> Option<String> {
    let order = m.order_id.as_deref()?;
    let url = PageUrl::page(Page::Orders).with("order_id", order);
    Some(
        match &m.session_id {
            Some(id) => url.with("session", id),
            None => url,
        }
        .href(),
    )
}

/// A masked call's tag (`masked · order A123 · customer → courier`), linked to its order.
fn masked_cell(m: &MaskedCall) -> impl IntoView {
    let text = masked_tag(m);
    match session_href(m) {
        Some(href) => view! { <a class="tag masked" href=href>{text}</a> }.into_any(),
        None => view! { <span class="tag masked">{text}</span> }.into_any(),
    }
}

/// A header that sorts by `key` (the second click reverses).
#[component]
fn Sort(page_url: RwSignal<PageUrl>, key: &'static str, label: &'static str) -> impl IntoView {
    let state = move || {
        let r = page_url.get();
        let sorted = r.get("sort").unwrap_or_else(|| "started_at".into()) == key;
        let ascending = r.get("order").as_deref() == Some("asc");
        (sorted, ascending)
    };
    let click = move |_| {
        let (sorted, ascending) = state();
        let order = if sorted && !ascending { "asc" } else { "desc" };
        navigate(&page_url.get_untracked().with("sort", key).with("order", order).with("page", ""));
    };
    view! {
        <th aria-sort=move || match state() { (true, true) => "ascending", (true, false) => "descending", _ => "none" }>
            <button type="button" class="sort" on:click=click>
                {label}{move || match state() { (true, true) => " ▲", (true, false) => " ▼", _ => "" }}
            </button>
        </th>
    }
}

#[component]
pub fn CallsTable(calls: Vec<CallView>, page_url: RwSignal<PageUrl>) -> impl IntoView {
    let rows = calls
        .into_iter()
        .map(|c| {
            let channel = c.channel.clone().unwrap_or_else(|| "unattributed".to_string());
            // What a marketer should know before trusting the credit.
            let mut notes: Vec<&str> = Vec::new();
            if c.late {
                notes.push("after the visit");
            }
            if c.other_candidates > 0 {
                notes.push("shared number");
            }
            if c.overflow {
                notes.push("overflow number");
            }
            let notes = notes.join(", ");
            let caller_kind = if c.repeat { "repeat" } else { "first-time" };
            let source = if c.attributed {
                format!("{} / {}", or_dash(&c.source), or_dash(&c.medium))
            } else {
                "unattributed".to_string()
            };
            // A call between an order's parties is credited to no visit: its order instead.
            let masking = c.masking.clone();
            let masked = masking.is_some();
            let channel = if masked { "—".to_string() } else { channel };
            let source = match &masking {
                Some(m) => masked_cell(m).into_any(),
                None => view! { {source}<div class="muted small">{notes}</div> }.into_any(),
            };
            // The call keeps the list's period and filters, for the way back.
            let detail = page_url.get_untracked().on(Page::Call(c.call_sid.clone())).href();
            let recording = c.recordings.first().map(|r| r.url.clone());
            // Under the caller and the number, not columns of their own: the table stays
            // readable on a phone.
            let customer = c.customer_id.clone();
            let value = match (&c.value, &c.currency) {
                (Some(v), Some(code)) => amount(v, code),
                _ => "—".to_string(),
            };
            let extension = c.extension.clone();
            view! {
                <tr data-call-sid=c.call_sid.clone() data-kind=if masked { "masked" } else { "tracked" }
                    class:unattributed=!c.attributed && !masked class:masked=masked>
                    <td><a href=detail>{local_time(c.started_at.millis())}</a></td>
                    <td title=c.from.clone()>{readable(&c.from)}<div class="muted small">{caller_kind}</div>
                        {customer.map(|id| view! { <div class="muted small customer">{format!("customer {id}")}</div> })}</td>
                    <td title=c.to.clone()>{readable(&c.to)}
                        {extension.map(|e| view! { <div class="muted small">{format!("ext. {e}")}</div> })}</td>
                    <td class="channel">{channel}</td>
                    <td class="source">{source}</td>
                    <td>{or_dash(&c.campaign)}</td>
                    <td>{or_dash(&c.keyword)}</td>
                    <td class="landing">{or_dash(&c.landing_page)}</td>
                    <td>{or_dash(&c.region)}</td>
                    <td class="status">{outcome(&c)}</td>
                    <td class="num">{duration(c.talk_secs)}</td>
                    <td class="qualified">{if c.qualified { "yes" } else { "—" }}</td>
                    <td class="value">{value}</td>
                    <td class="tags">{c.tags.join(", ")}</td>
                    <td>{recording.map(|url| view! { <a href=url target="_blank" rel="noopener">"Listen"</a> })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="calls">
            <thead>
                <tr>
                    <Sort page_url=page_url key="started_at" label="Time"/>
                    <Sort page_url=page_url key="caller" label="Caller"/>
                    <th>"Tracking number"</th>
                    <Sort page_url=page_url key="channel" label="Channel"/>
                    <Sort page_url=page_url key="source" label="Source / medium"/>
                    <Sort page_url=page_url key="campaign" label="Campaign"/>
                    <th>"Keyword"</th><th>"Landing page"</th><th>"Region"</th><th>"Status"</th>
                    <Sort page_url=page_url key="talk_time" label="Talk time"/>
                    <th>"Qualified"</th><th>"Value"</th>
                    <th>"Tags"</th><th>"Recording"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
