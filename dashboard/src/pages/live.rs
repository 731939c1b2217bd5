//! Live: the calls ringing or talking now — each with its running time, the caller (first
//! time, or again and how often), where they came from and the line they called — and the
//! last calls that ended, with their outcome, as the live stream reports them (`#/live`).

use crate::components::calls_table::{duration, local_time, or_dash, readable};
use crate::components::live_call::{line_text, running_time, source_medium, CallerKind};
use crate::components::live_status::{AlertToggles, LiveStatus};
use crate::components::masking::masked_tag;
use crate::live::board::{LiveBoard, LiveCall, RECENT_CALLS};
use crate::live::{use_live, Live};
use crate::page_url::{use_page_url, Page, PageUrl};
use leptos::prelude::*;

/// The call's line: the stream's, else where the call was forwarded.
fn line_of(c: &LiveCall) -> String {
    line_text(c.line.as_deref().or(c.call.forwarded_to.as_deref()))
}

/// The caller's cell: the number, first time or again, the customer.
fn caller_cell(c: &LiveCall) -> impl IntoView {
    let customer = c.call.customer_id.clone();
    view! {
        <td class="caller" title=c.call.from.clone()>{readable(&c.call.from)}
            <div class="muted small"><CallerKind repeat=c.repeat() history=c.caller.clone()/></div>
            {customer.map(|id| view! { <div class="muted small customer">{format!("customer {id}")}</div> })}
        </td>
    }
}

/// Source / medium with the channel under it, or a masked call's order.
fn source_cell(c: &LiveCall) -> impl IntoView {
    match &c.call.masking {
        Some(m) => {
            view! { <td class="source"><span class="tag masked">{masked_tag(m)}</span></td> }.into_any()
        }
        None => view! {
            <td class="source">{source_medium(&c.call)}
                <div class="muted small channel">{c.call.channel.clone().unwrap_or_default()}</div></td>
        }
        .into_any(),
    }
}

/// The calls in progress, newest first, their timers running.
fn in_progress(live: Live, board: &LiveBoard, page_url: &PageUrl) -> AnyView {
    if !board.loaded() {
        return view! { <p class="muted" role="status">"Loading the calls in progress…"</p> }.into_any();
    }
    if board.in_progress().is_empty() {
        return view! { <p class="empty">"No calls right now. A call shows here the moment it reaches a tracking number."</p> }
            .into_any();
    }
    let rows = board
        .in_progress()
        .iter()
        .map(|c| {
            let started = c.call.started_at.millis();
            let talking = c.answered();
            let href = page_url.on(Page::Call(c.call.call_sid.clone())).href();
            view! {
                <tr class="live-call" data-call-sid=c.call.call_sid.clone()
                    data-state=if talking { "talking" } else { "ringing" }>
                    <td class="timer num"><time>{move || running_time(live.now.get(), started)}</time></td>
                    <td class="status">{if talking { "talking" } else { "ringing" }}</td>
                    {caller_cell(c)}
                    {source_cell(c)}
                    <td class="campaign">{or_dash(&c.call.campaign)}</td>
                    <td class="line">{line_of(c)}</td>
                    <td><a href=href>"Details"</a></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="calls live-calls">
            <thead><tr>
                <th>"Time"</th><th>"Status"</th><th>"Caller"</th><th>"Source / medium"</th>
                <th>"Campaign"</th><th>"Line"</th><th><span class="sr-only">"Call"</span></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The last calls that ended, newest first, with their outcome.
fn recent(board: &LiveBoard, page_url: &PageUrl) -> AnyView {
    let rows = board
        .recent()
        .map(|c| {
            let outcome = c.outcome();
            let said = if c.call.voicemail { format!("{outcome} · voicemail") } else { outcome.to_string() };
            let ended = c.call.ended_at.unwrap_or(c.call.started_at);
            let href = page_url.on(Page::Call(c.call.call_sid.clone())).href();
            view! {
                <tr class="recent-call" data-call-sid=c.call.call_sid.clone() data-outcome=outcome>
                    <td>{local_time(ended.millis())}</td>
                    {caller_cell(c)}
                    {source_cell(c)}
                    <td class="campaign">{or_dash(&c.call.campaign)}</td>
                    <td class="line">{line_of(c)}</td>
                    <td class=format!("outcome {outcome}")>{said}</td>
                    <td class="num talk-time">{duration(c.call.talk_secs)}</td>
                    <td><a href=href>"Details"</a></td>
                </tr>
            }
        })
        .collect_view();
    if board.recent().next().is_none() {
        return view! { <p class="empty">"Calls that end while this page is open show here."</p> }.into_any();
    }
    view! {
        <table class="calls recent-calls">
            <thead><tr>
                <th>"Ended"</th><th>"Caller"</th><th>"Source / medium"</th><th>"Campaign"</th>
                <th>"Line"</th><th>"Outcome"</th><th>"Talk time"</th><th><span class="sr-only">"Call"</span></th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn LivePage() -> impl IntoView {
    let page_url = use_page_url();
    let Some(live) = use_live() else {
        return view! { <p class="error" role="alert">"The live stream is not open."</p> }.into_any();
    };
    let count = move || live.board.with(|b| b.in_progress().len());
    view! {
        <section class="page live">
            <div class="heading">
                <h1>"Live"</h1>
                <LiveStatus live=live/>
            </div>
            <AlertToggles live=live/>
            {move || live.problem.get().map(|p| view! { <p class="error" role="alert">{p}</p> })}
            <div class="card table-wrap">
                <h2>"In progress" {move || (count() > 0).then(|| format!(" ({})", count()))}</h2>
                {move || live.board.with(|b| in_progress(live, b, &page_url.get()))}
            </div>
            <div class="card table-wrap">
                <h2>{format!("Last {RECENT_CALLS} calls")}</h2>
                {move || live.board.with(|b| recent(b, &page_url.get()))}
            </div>
        </section>
    }
    .into_any()
}
