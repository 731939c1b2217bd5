//! The overview: a period at a glance — headline counts against the period before, calls per
//! day by channel, and the sources and campaigns that brought the most calls.

use crate::api::{self, Session};
use crate::components::charts::{DailyChart, RankedBars};
use crate::load::{fetch_on, Load};
use crate::page_url::{use_page_url, Page, PageUrl};
use crate::period::{Period, PeriodPicker};
use leptos::prelude::*;
use shared::overview::{Overview, Totals};

/// `+12%`, `−5%`, `new`, or `±0%` against the period before.
fn change(now: u64, before: u64) -> String {
    if before == 0 {
        return if now == 0 { "±0%".into() } else { "new".into() };
    }
    let pct = (now as f64 - before as f64) * 100.0 / before as f64;
    match pct.round() as i64 {
        0 => "±0%".into(),
        p if p > 0 => format!("+{p}%"),
        p => format!("−{}%", -p),
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// The headline cards; each links to the calls it counts.
#[component]
fn Cards(totals: Totals, previous: Totals, period: Period, page_url: PageUrl) -> impl IntoView {
    let calls = page_url.period_on(Page::Calls);
    let card = |label: &'static str, value: u64, before: u64, link: PageUrl| {
        view! {
            <a class="stat" href=link.href() data-stat=label>
                <span class="label">{label}</span>
                <strong class="value">{value.to_string()}</strong>
                <span class="change" title=format!("{before} in {}", period.previous_label())>
                    {format!("{} vs {}", change(value, before), period.previous_label())}
                </span>
            </a>
        }
    };
    let (now_share, before_share) =
        (share(totals.unattributed, totals.calls), share(previous.unattributed, previous.calls));
    let points = (now_share - before_share).round() as i64;
    view! {
        <div class="stats">
            {card("Calls", totals.calls, previous.calls, calls.clone())}
            {card("Answered", totals.answered, previous.answered, calls.with("status", "answered"))}
            {card("Qualified", totals.qualified, previous.qualified, calls.with("qualified", "true"))}
            {card("First-time callers", totals.first_time, previous.first_time, calls.with("first_time", "true"))}
            <a class="stat" href=calls.with("channel", "unattributed").href() data-stat="Unattributed">
                <span class="label">"Unattributed"</span>
                <strong class="value">{format!("{now_share:.0}%")}</strong>
                <span class="change">{format!(
                    "{}{} pts vs {}",
                    if points > 0 { "+" } else if points < 0 { "−" } else { "±" },
                    points.abs(),
                    period.previous_label()
                )}</span>
            </a>
        </div>
    }
}

#[component]
pub fn OverviewPage(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let page_url = use_page_url();
    let period = Memo::new(move |_| Period::of(&page_url.get()));
    let data = fetch_on::<Overview>(
        session,
        move || format!("/overview?{}", api::query(&period.get().params())),
        on_unauthorized,
    );
    view! {
        <section class="page">
            <div class="heading">
                <h1>"Overview"</h1>
                <PeriodPicker page_url=page_url/>
            </div>
            {move || match data.get() {
                Load::Loading => view! { <p class="muted" role="status">"Loading the overview…"</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Load::Ready(o) => {
                    let period = period.get_untracked();
                    let page_url = page_url.get_untracked();
                    let empty = o.totals.calls == 0;
                    view! {
                        <Cards totals=o.totals.clone() previous=o.previous.clone() period=period.clone() page_url=page_url.clone()/>
                        {if empty {
                            view! {
                                <div class="card empty" role="status">
                                    <p>{format!("No calls in {}.", period.label())}</p>
                                    <p>"Calls to your tracking numbers appear here as they happen. Not tracking yet? "
                                        <a href=PageUrl::page(Page::Install).href()>"Paste the tag on your site"</a>
                                        " — then call the number it shows to see it work."</p>
                                </div>
                            }.into_any()
                        } else {
                            view! {
                                <div class="card">
                                    <h2>"Calls per day by channel"</h2>
                                    <DailyChart days=o.days.clone()/>
                                </div>
                                <div class="grid2">
                                    <div class="card">
                                        <RankedBars title="Top sources"
                                            items=o.top_sources.iter().map(|r| (r.name.clone(), r.calls)).collect()/>
                                    </div>
                                    <div class="card">
                                        <RankedBars title="Top campaigns"
                                            items=o.top_campaigns.iter().map(|r| (r.name.clone(), r.calls)).collect()/>
                                    </div>
                                </div>
                            }.into_any()
                        }}
                    }.into_any()
                }
            }}
        </section>
    }
}
