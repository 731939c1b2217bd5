//! The pager under a paged list (through the URL's `page`), and what a page past the end says.

use crate::components::charts::plural;
use crate::page_url::PageUrl;
use leptos::prelude::*;

/// How many pages `total` items fill, `per_page` a page.
fn pages(total: u64, per_page: u32) -> u64 {
    total.div_ceil(u64::from(per_page.max(1)))
}

/// `← Previous · Page 2 of 5 · 230 calls · Next →`; `noun` is what the list counts (`call`).
#[component]
pub fn Pager(at: PageUrl, page: u32, per_page: u32, total: u64, noun: &'static str) -> impl IntoView {
    let pages = pages(total, per_page);
    let prev = (page > 1).then(|| at.with("page", &(page - 1).to_string()));
    let next = (u64::from(page) < pages).then(|| at.with("page", &(page + 1).to_string()));
    view! {
        <nav class="pager" aria-label="Pages">
            {prev.map(|r| view! { <a href=r.href() rel="prev">"← Previous"</a> })}
            <span>{format!("Page {} of {} · {}", page, pages.max(1), plural(total, noun))}</span>
            {next.map(|r| view! { <a href=r.href() rel="next">"Next →"</a> })}
        </nav>
    }
}

/// A page past the end (a shared link to page 9 after items were filtered away), with a link
/// to the last page.
#[component]
pub fn PastTheEnd(at: PageUrl, page: u32, per_page: u32, total: u64, noun: &'static str) -> impl IntoView {
    let pages = pages(total, per_page);
    let last = at.with("page", &pages.to_string());
    view! {
        <p class="empty card" role="status">{format!("Page {page} is past the end: these filters select {}. ", plural(total, noun))}
            <a href=last.href()>{format!("Go to page {pages}")}</a></p>
    }
}
