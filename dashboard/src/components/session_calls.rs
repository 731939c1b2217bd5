//! One masking session opened: its facts (id, opened, last call, how long it stays open) and
//! its calls, newest first — when, who called whom, how it went, and their recordings.

use crate::api::Session;
use crate::components::calls_table::{duration, local_time, outcome};
use crate::components::masking::{roles_text, span};
use crate::load::{fetch_on, Load};
use crate::page_url::{Page, PageUrl};
use leptos::prelude::*;
use shared::wire::{CallView, SessionDetail};

/// A call of the session as a table row; its time links to the call.
fn call_row(c: CallView) -> impl IntoView {
    let href = PageUrl::page(Page::Call(c.call_sid.clone())).href();
    let masking = c.masking.clone().unwrap_or_default();
    let roles = roles_text(&masking).unwrap_or_else(|| "—".into());
    let recordings = c
        .recordings
        .iter()
        .map(|r| {
            let what = if r.voicemail { "Voicemail" } else { "Recording" };
            view! {
                <div class="recording">
                    <audio controls preload="none" src=r.url.clone() aria-label=what></audio>
                    <a href=r.url.clone() target="_blank" rel="noopener" class="small">{format!("Open the {}", what.to_lowercase())}</a>
                </div>
            }
        })
        .collect_view();
    view! {
        <tr data-call-sid=c.call_sid.clone()>
            <td><a href=href>{local_time(c.started_at.millis())}</a></td>
            <td class="roles">{roles}
                {(!masking.connected).then(|| view! { <div class="muted small">"not connected"</div> })}</td>
            <td class="status">{outcome(&c)}</td>
            <td class="num">{duration(c.talk_secs)}</td>
            <td class="recordings">{if c.recordings.is_empty() { Some("—") } else { None }}{recordings}</td>
        </tr>
    }
}

/// The session `session_id`, loaded when shown.
#[component]
pub fn SessionCalls(session: Session, session_id: String, on_unauthorized: Callback<()>) -> impl IntoView {
    let path = format!("/masking/sessions/{}", js_sys::encode_uri_component(&session_id));
    let data = fetch_on::<SessionDetail>(session, move || path.clone(), on_unauthorized);
    move || match data.get() {
        Load::Loading => {
            view! { <p class="muted" role="status">"Loading the session's calls…"</p> }.into_any()
        }
        Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
        Load::Ready(d) => {
            let s = &d.session;
            let facts = [
                ("Session", s.session_id.clone()),
                ("Opened", local_time(s.created_at.millis())),
                ("Last call", s.last_call_at.map_or_else(|| "none yet".into(), |t| local_time(t.millis()))),
                (
                    "Stays open",
                    format!("{} after it opens and after each call", span(i64::from(s.ttl_minutes))),
                ),
            ];
            let calls = if d.calls.is_empty() {
                view! { <p class="muted">"No calls through this session yet."</p> }.into_any()
            } else {
                view! {
                    <table class="calls session-calls">
                        <thead><tr><th>"Time"</th><th>"Call"</th><th>"Status"</th><th>"Talk time"</th><th>"Recording"</th></tr></thead>
                        <tbody>{d.calls.clone().into_iter().map(call_row).collect_view()}</tbody>
                    </table>
                }
                .into_any()
            };
            view! {
                <div class="session-calls-detail">
                    <dl class="facts">
                        {facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                    </dl>
                    {calls}
                </div>
            }
            .into_any()
        }
    }
}
