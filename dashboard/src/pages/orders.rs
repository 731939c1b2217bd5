//! The masked orders: each order's session — open and for how long, or closed and why —, its
//! two parties with their real numbers partly hidden and the proxy number each calls, and its
//! call count; filtered by state and order id and paged by the edge, the filters in the URL
//! (`#/orders?state=open&order_id=A123&page=2`). A row opens to the session's calls
//! (`session=MS…`), and an open session can be closed.

use crate::api::{self, ApiError, Session};
use crate::components::calls_table::{local_time, readable};
use crate::components::masking::{closed_reason_text, time_left, RevealNumber};
use crate::components::pager::{Pager, PastTheEnd};
use crate::components::session_calls::SessionCalls;
use crate::components::url_filters::{ChoiceFilter, TextFilter};
use crate::load::{fetch_again_on, Load};
use crate::page_url::{navigate, use_page_url, PageUrl};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::wire::{SessionView, SessionsPage};
use std::time::Duration;

/// The URL parameters the sessions API takes as they are.
const PASSED: &[&str] = &["state", "order_id", "page"];

/// The URL parameter naming the session whose row is open.
const OPENED: &str = "session";

/// How often the time left is counted again.
const TICK: Duration = Duration::from_secs(30);

/// The sessions API's query for what the URL names.
fn api_query(page_url: &PageUrl) -> Vec<(String, String)> {
    PASSED.iter().filter_map(|k| page_url.get(k).map(|v| (k.to_string(), v))).collect()
}

/// `GET /v1/sites/{site}/masking/sessions?…` for what the URL names.
fn api_path(page_url: &PageUrl) -> String {
    let pairs = api_query(page_url);
    if pairs.is_empty() {
        "/masking/sessions".into()
    } else {
        format!("/masking/sessions?{}", api::query(&pairs))
    }
}

/// The URL with the row of session `id` open, or closed when it is the one open.
fn toggled(page_url: &PageUrl, id: &str) -> PageUrl {
    let open = page_url.get(OPENED).as_deref() == Some(id);
    page_url.with(OPENED, if open { "" } else { id })
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// What closing a session needs from the page: the session to ask with, the list to load
/// again, where a refusal is said.
#[derive(Clone, Copy)]
struct Closer {
    session: StoredValue<Session>,
    again: RwSignal<u32>,
    error: RwSignal<Option<String>>,
    on_unauthorized: Callback<()>,
}

/// Closes an open session once the marketer confirms; then the list is loaded again.
#[component]
fn CloseButton(closer: Closer, session_id: String, order_id: String) -> impl IntoView {
    let closing = RwSignal::new(false);
    let label = format!("Close order {order_id}");
    let close = move |_| {
        let question = format!(
            "Close the session of order {order_id}? Its two parties can no longer call each other through the proxy numbers."
        );
        let confirmed =
            web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false);
        if !confirmed || closing.get_untracked() {
            return;
        }
        closing.set(true);
        closer.error.set(None);
        let session = closer.session.get_value();
        let path = format!("/masking/sessions/{}/close", js_sys::encode_uri_component(&session_id));
        let order_id = order_id.clone();
        spawn_local(async move {
            match api::post::<SessionView>(&session, &path).await {
                // The list again: this row comes back closed (its button still busy till then).
                Ok(_) => {
                    closer.again.try_update(|n| *n = n.wrapping_add(1));
                }
                Err(ApiError::Unauthorized) => closer.on_unauthorized.run(()),
                Err(e) => {
                    closing.try_set(false);
                    closer.error.try_set(Some(format!("Order {order_id} was not closed. {e}")));
                }
            }
        });
    };
    view! {
        <button type="button" class="secondary small close-session" aria-label=label
            disabled=move || closing.get() on:click=close>
            {move || if closing.get() { "Closing…" } else { "Close" }}
        </button>
    }
}

/// A session's row, and under it, when open, its calls.
#[component]
fn SessionRow(
    row: SessionView,
    now: RwSignal<i64>,
    page_url: RwSignal<PageUrl>,
    closer: Closer,
) -> impl IntoView {
    let id = row.session_id.clone();
    let is_open = row.state == "open";
    let opened = {
        let id = id.clone();
        Memo::new(move |_| page_url.with(|u| u.get(OPENED).as_deref() == Some(id.as_str())))
    };
    let toggle = {
        let id = id.clone();
        move |_| navigate(&toggled(&page_url.get_untracked(), &id))
    };
    let detail_id = format!("session-{id}");
    let reason = row.closed_reason.as_deref().map(|r| {
        view! { <div class="muted small closed-reason">{closed_reason_text(r)}</div> }
    });
    let when = if is_open {
        let expires = row.expires_at.millis();
        view! {
            <span class="time-left" title=format!("Closes at {} unless a call comes first", local_time(expires))>
                {move || time_left(now.get(), expires)}</span>
        }
        .into_any()
    } else {
        let closed = row.closed_at.unwrap_or(row.expires_at);
        view! { <span class="closed-at">{format!("Closed at {}", local_time(closed.millis()))}</span> }
            .into_any()
    };
    let participants = row
        .participants
        .iter()
        .map(|p| {
            view! {
                <div class="participant" data-role=p.role.clone()>
                    <strong class="role">{p.role.clone()}</strong>
                    {p.name.clone().map(|n| view! { " " <span class="name">{n}</span> })}
                    " " <RevealNumber number=p.number.clone()/>
                    <div class="muted small">"calls through "
                        <span class="proxy-number">{readable(&p.proxy_number)}</span></div>
                </div>
            }
        })
        .collect_view();
    let close = is_open.then(|| {
        view! { <CloseButton closer=closer session_id=id.clone() order_id=row.order_id.clone()/> }
    });
    let session = closer.session;
    let on_unauthorized = closer.on_unauthorized;
    let detail = {
        let (id, detail_id) = (id.clone(), detail_id.clone());
        move || {
            opened.get().then(|| {
                view! {
                    <tr class="session-detail" id=detail_id.clone() data-session-id=id.clone()>
                        <td colspan="6">
                            <SessionCalls session=session.get_value() session_id=id.clone() on_unauthorized=on_unauthorized/>
                        </td>
                    </tr>
                }
            })
        }
    };
    view! {
        <tr class="session" class:opened=move || opened.get() data-session-id=id data-order-id=row.order_id.clone()
            data-state=row.state.clone()>
            <td class="order">
                <button type="button" class="link expand" aria-expanded=move || opened.get().to_string()
                    aria-controls=detail_id title="Show the session's calls" on:click=toggle>{row.order_id.clone()}</button>
            </td>
            <td class=format!("state {}", row.state)>{row.state.clone()}{reason}</td>
            <td class="participants">{participants}</td>
            <td class="when">{when}</td>
            <td class="num call-count">{row.call_count.to_string()}</td>
            <td class="actions">{close}</td>
        </tr>
        {detail}
    }
}

#[component]
pub fn OrdersPage(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let page_url = use_page_url();
    let again = RwSignal::new(0_u32);
    let data = fetch_again_on::<SessionsPage>(
        session.clone(),
        move || api_path(&page_url.get()),
        again.into(),
        on_unauthorized,
    );
    let now = RwSignal::new(now_ms());
    if let Ok(timer) = set_interval_with_handle(move || now.set(now_ms()), TICK) {
        on_cleanup(move || timer.clear());
    }
    let error = RwSignal::new(None::<String>);
    let closer = Closer { session: StoredValue::new(session), again, error, on_unauthorized };
    view! {
        <section class="page orders">
            <div class="heading"><h1>"Orders"</h1></div>
            <p class="hint">"Each order's two parties call each other through proxy numbers while its session is open; neither sees the other's real number."</p>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <ChoiceFilter page_url=page_url name="state" label="State" options=vec![
                    ("", "All sessions"), ("open", "Open"), ("closed", "Closed")]/>
                <TextFilter page_url=page_url name="order_id" label="Order"/>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || match data.get() {
                Load::Loading => view! { <p class="muted" role="status">"Loading orders…"</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Load::Ready(page) if page.total == 0 => {
                    let filtered = ["state", "order_id"].iter().any(|k| page_url.get_untracked().get(k).is_some());
                    view! {
                        <p class="empty card" role="status">{if filtered {
                            "No sessions match these filters. Clear a filter to see more."
                        } else {
                            "No masked orders yet. Sessions opened through the masking API appear here."
                        }}</p>
                    }.into_any()
                }
                Load::Ready(page) if page.sessions.is_empty() => view! {
                    <PastTheEnd at=page_url.get_untracked() page=page.page per_page=page.per_page total=page.total noun="session"/>
                }.into_any(),
                Load::Ready(page) => {
                    let rows = page.sessions.iter().cloned().map(|row| view! {
                        <SessionRow row=row now=now page_url=page_url closer=closer/>
                    }).collect_view();
                    view! {
                        <div class="card table-wrap">
                            <table class="calls sessions" id="orders">
                                <thead><tr>
                                    <th>"Order"</th><th>"State"</th><th>"Participants"</th><th>"Time left"</th>
                                    <th>"Calls"</th><th><span class="sr-only">"Close"</span></th>
                                </tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                        <Pager at=page_url.get_untracked() page=page.page per_page=page.per_page total=page.total noun="session"/>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page_url::Page;

    #[test]
    fn the_url_state_round_trips_through_the_hash() {
        let url = PageUrl::page(Page::Orders)
            .with("state", "open")
            .with("order_id", "A 12/3&x=ü")
            .with("page", "2")
            .with(OPENED, "MS0123456789abcdef0123456789abcdef");
        let href = url.href();
        assert_eq!(
            href,
            "#/orders?state=open&order_id=A%2012%2F3%26x%3D%C3%BC&page=2&session=MS0123456789abcdef0123456789abcdef"
        );
        assert_eq!(PageUrl::parse(&href), url);
        assert_eq!(PageUrl::parse("#/orders").page, Page::Orders);
    }

    #[test]
    fn the_api_is_asked_for_the_filters_only() {
        // The period (kept from other pages) and the open row are the page's own.
        let url = PageUrl::parse("#/orders?range=7d&session=MS01&order_id=A123&page=3&state=closed");
        assert_eq!(
            api_query(&url),
            [("state", "closed"), ("order_id", "A123"), ("page", "3")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        assert_eq!(api_query(&PageUrl::parse("#/orders?session=MS01")), []);
    }

    #[test]
    fn a_row_opens_and_closes_through_the_url() {
        let url = PageUrl::parse("#/orders?state=open&page=2");
        let opened = toggled(&url, "MS01");
        assert_eq!(opened.href(), "#/orders?state=open&page=2&session=MS01");
        assert_eq!(toggled(&opened, "MS02").get(OPENED).as_deref(), Some("MS02"));
        assert_eq!(toggled(&opened, "MS01"), url);
    }
}
