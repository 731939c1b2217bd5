//! Screen pops: a card in the corner of every page for each incoming call — the caller, the ad
//! that brought them, their history, the customer or the masked order — that follows the call
//! and leaves some seconds after it ended, unless the pointer or focus is on it.

use crate::components::calls_table::{or_dash, readable};
use crate::components::live_call::{line_text, source_medium, CallerKind};
use crate::components::masking::roles_text;
use crate::live::pops::Pop;
use crate::live::{use_live, Live};
use crate::page_url::{Page, PageUrl};
use leptos::prelude::*;

/// The stack of cards (`section.screen-pops`), newest at the bottom.
#[component]
pub fn ScreenPops() -> impl IntoView {
    use_live().map(|live| {
        view! {
            <section class="screen-pops" aria-label="Incoming calls" aria-live="polite">
                <For each=move || live.pops.with(|p| p.sids()) key=|sid| sid.clone() let:sid>
                    <PopCard live=live sid=sid/>
                </For>
            </section>
        }
    })
}

/// What a card says of its call (not whether the pointer is on it).
fn card_body(pop: &Pop) -> AnyView {
    let c = &pop.call;
    let attribution = match &c.masking {
        Some(m) => view! {
            <dl class="facts masked">
                <dt>"Order"</dt><dd class="order-id">{or_dash(&m.order_id)}</dd>
                <dt>"Roles"</dt><dd class="roles">{roles_text(m).unwrap_or_else(|| "—".into())}</dd>
            </dl>
        }
        .into_any(),
        None => view! {
            <dl class="facts attribution">
                <dt>"Channel"</dt><dd class="channel">{c.channel.clone().unwrap_or_else(|| "unattributed".into())}</dd>
                <dt>"Source"</dt><dd class="source">{source_medium(c)}</dd>
                <dt>"Campaign"</dt><dd class="campaign">{or_dash(&c.campaign)}</dd>
                <dt>"Keyword"</dt><dd class="keyword">{or_dash(&c.keyword)}</dd>
                <dt>"Landing page"</dt><dd class="landing-page">{or_dash(&c.landing_page)}</dd>
            </dl>
        }
        .into_any(),
    };
    let line = match &c.masking {
        Some(_) => "masked call".to_string(),
        None => format!("to {}", line_text(pop.line.as_deref())),
    };
    view! {
        <div class="caller" title=c.from.clone()>{readable(&c.from)}</div>
        <div class="caller-kind small"><CallerKind repeat=pop.repeat() history=Some(pop.caller.clone())/></div>
        {c.customer_id.clone().map(|id| view! { <div class="customer small">"Customer " <strong>{id}</strong></div> })}
        <div class="line muted small">{line}</div>
        {attribution}
    }
    .into_any()
}

#[component]
fn PopCard(live: Live, sid: String) -> impl IntoView {
    // The card's call and state: what it says changes with them, not with the pointer.
    let shown = {
        let sid = sid.clone();
        Memo::new(move |_| live.pops.with(|p| p.get(&sid).map(|p| (p.call.clone(), p.state))))
    };
    let fading = {
        let sid = sid.clone();
        move || live.pops.with(|p| p.get(&sid).is_some_and(|p| p.fading(live.now.get())))
    };
    let hover = {
        let sid = sid.clone();
        move |on: bool| live.pops.update(|p| p.hover(&sid, on, js_sys::Date::now() as i64))
    };
    let (enter, leave, focus, blur) = (hover.clone(), hover.clone(), hover.clone(), hover);
    let dismiss = {
        let sid = sid.clone();
        move |_| live.pops.update(|p| p.dismiss(&sid))
    };
    let state = move || shown.get().map_or("ended", |(_, s)| s.as_str());
    let label = move || shown.get().map_or("", |(_, s)| s.label());
    let body = {
        let sid = sid.clone();
        move || shown.get().map(|_| live.pops.with_untracked(|p| p.get(&sid).map(card_body)))
    };
    let href = PageUrl::page(Page::Call(sid.clone())).href();
    let from = live.pops.with_untracked(|p| p.get(&sid).map(|p| readable(&p.call.from))).unwrap_or_default();
    view! {
        <article class="screen-pop" data-call-sid=sid data-state=state class:fading=fading
            aria-label=format!("Call from {from}")
            on:mouseenter=move |_| enter(true) on:mouseleave=move |_| leave(false)
            on:focusin=move |_| focus(true) on:focusout=move |_| blur(false)>
            <header>
                <strong class="pop-state">{label}</strong>
                <button type="button" class="dismiss" aria-label=format!("Dismiss the call from {from}")
                    title="Dismiss" on:click=dismiss>"×"</button>
            </header>
            {body}
            <a class="open-call" href=href>"Open the call"</a>
        </article>
    }
}
