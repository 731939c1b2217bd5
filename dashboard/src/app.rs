//! The app shell: sign-in until a site and token are known, then the page the URL names,
//! with the site's live stream open behind every page (its screen pops in a corner).

use crate::api::Session;
use crate::components::screen_pop::ScreenPops;
use crate::live::provide_live;
use crate::page_url::{provide_page_url, Page, PageUrl};
use crate::pages::{
    call::CallPage, calls::CallsPage, install::InstallPage, live::LivePage, login::LoginPage,
    numbers::NumbersPage, orders::OrdersPage, overview::OverviewPage, report::ReportPage,
    settings::SettingsPage, spend::SpendPage,
};
use leptos::prelude::*;

#[component]
fn Nav(page_url: RwSignal<PageUrl>) -> impl IntoView {
    let link = move |page: Page, label: &'static str| {
        let current = {
            let page = page.clone();
            move || {
                let now = page_url.get().page;
                now == page || (page == Page::Calls && matches!(now, Page::Call(_)))
            }
        };
        // The period follows the marketer from page to page.
        let href = move || page_url.get().period_on(page.clone()).href();
        view! {
            <a href=href aria-current=move || if current() { "page" } else { "false" }>{label}</a>
        }
    };
    view! {
        <nav class="tabs" aria-label="Pages">
            {link(Page::Overview, "Overview")}
            {link(Page::Live, "Live")}
            {link(Page::Calls, "Calls")}
            {link(Page::Report, "Report")}
            {link(Page::Spend, "Spend")}
            {link(Page::Numbers, "Numbers")}
            {link(Page::Orders, "Orders")}
            {link(Page::Settings, "Settings")}
            {link(Page::Install, "Install")}
        </nav>
    }
}

/// While signed in: the live stream (opened here, closed when this goes on sign-out), the
/// page the URL names, and the screen pops over it.
#[component]
fn SignedIn(session: Session, page: Memo<Page>, sign_out: Callback<()>) -> impl IntoView {
    provide_live(session.clone(), sign_out);
    let pages = move || {
        let s = session.clone();
        match page.get() {
            Page::Overview => view! { <OverviewPage session=s on_unauthorized=sign_out/> }.into_any(),
            Page::Live => view! { <LivePage/> }.into_any(),
            Page::Settings => view! { <SettingsPage session=s on_unauthorized=sign_out/> }.into_any(),
            Page::Report => view! { <ReportPage session=s on_unauthorized=sign_out/> }.into_any(),
            Page::Spend => view! { <SpendPage session=s on_unauthorized=sign_out/> }.into_any(),
            Page::Numbers => view! { <NumbersPage session=s on_unauthorized=sign_out/> }.into_any(),
            Page::Orders => view! { <OrdersPage session=s on_unauthorized=sign_out/> }.into_any(),
            Page::Calls => view! { <CallsPage session=s on_unauthorized=sign_out/> }.into_any(),
            Page::Call(id) => view! { <CallPage session=s call_sid=id on_unauthorized=sign_out/> }.into_any(),
            Page::Install => view! { <InstallPage session=s/> }.into_any(),
        }
    };
    view! {
        {pages}
        <ScreenPops/>
    }
}

#[component]
pub fn App() -> impl IntoView {
    let page_url = provide_page_url();
    // The page alone: a filter change re-renders inside the page, not the page itself.
    let page = Memo::new(move |_| page_url.get().page);
    let session = RwSignal::new(Session::restore());
    let sign_in = Callback::new(move |s: Session| {
        s.remember();
        session.set(Some(s));
    });
    let sign_out = Callback::new(move |()| {
        Session::forget();
        session.set(None);
    });
    view! {
        <header class="bar">
            <span class="brand">"ringtrace"</span>
            {move || session.get().map(|_| view! { <Nav page_url=page_url/> })}
            {move || session.get().map(|s| view! {
                <span class="site">"Site " <code>{s.site.clone()}</code></span>
                <button class="link" on:click=move |_| sign_out.run(())>"Sign out"</button>
            })}
        </header>
        <main>
            {move || match session.get() {
                None => view! { <LoginPage on_sign_in=sign_in/> }.into_any(),
                Some(s) => view! { <SignedIn session=s page=page sign_out=sign_out/> }.into_any(),
            }}
        </main>
    }
}
