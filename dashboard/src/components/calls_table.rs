//! The table of calls with their attribution.

use leptos::prelude::*;
use shared::api::CallView;

/// The call's start in the marketer's own locale and time zone.
fn local_time(call: &CallView) -> String {
    let date = js_sys::Date::new(&(call.started_at.millis() as f64).into());
    let locale: String =
        web_sys::window().and_then(|w| w.navigator().language()).unwrap_or_else(|| "en-US".to_string());
    date.to_locale_string(&locale, &wasm_bindgen::JsValue::UNDEFINED).into()
}

/// A number as people read it; what is not a number (`anonymous`) as the provider sent it.
fn readable(number: &str) -> String {
    shared::PhoneNumber::parse(number).map(|n| n.formatted()).unwrap_or_else(|_| number.to_string())
}

fn or_dash(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "—".into())
}

#[component]
pub fn CallsTable(calls: Vec<CallView>) -> impl IntoView {
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
            view! {
                <tr data-call-sid=c.call_sid.clone() class:unattributed=!c.attributed>
                    <td>{local_time(&c)}</td>
                    <td title=c.from.clone()>{readable(&c.from)}<div class="muted small">{caller_kind}</div></td>
                    <td title=c.to.clone()>{readable(&c.to)}</td>
                    <td class="channel">{channel}</td>
                    <td class="source">{source}<div class="muted small">{notes}</div></td>
                    <td>{or_dash(&c.campaign)}</td>
                    <td>{or_dash(&c.keyword)}</td>
                    <td class="landing">{or_dash(&c.landing_page)}</td>
                    <td>{or_dash(&c.region)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="calls">
            <thead>
                <tr>
                    <th>"Time"</th><th>"Caller"</th><th>"Tracking number"</th><th>"Channel"</th><th>"Source / medium"</th>
                    <th>"Campaign"</th><th>"Keyword"</th><th>"Landing page"</th><th>"Region"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
