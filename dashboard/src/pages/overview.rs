//! The overview: a period at a glance — headline counts against the period before, what the
//! calls cost and earned (spend, cost per call, revenue; cost per call by week), calls per day
//! by channel, and the sources and campaigns that brought the most calls.

use crate::api::{self, Session};
use crate::components::charts::{DailyChart, RankedBars, WeeklyCostChart};
use crate::components::money::{amount, change_text};
use crate::load::{fetch_on, Load};
use crate::page_url::{use_page_url, Page, PageUrl};
use crate::period::{Period, PeriodPicker};
use leptos::prelude::*;
use shared::overview::{Overview, OverviewMoney, Totals};

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

/// Spend, cost per call and revenue of the period; without spend, a card that says so and
/// leads to the Spend page.
#[component]
fn MoneyCards(money: OverviewMoney, period: Period, page_url: PageUrl) -> impl IntoView {
    let code = money.currency.code();
    let spend_page = page_url.period_on(Page::Spend).href();
    let report = page_url.period_on(Page::Report).with("by", "campaign").href();
    let Some(spend) = money.spend.clone() else {
        return view! {
            <div class="card money-empty" data-stat="Spend" role="status">
                <p><strong>{format!("No spend imported for {}.", period.label())}</strong>
                    {format!(" Revenue from calls: {}. ", amount(&money.revenue, code))}
                    <a href=spend_page>"Import your ad spend"</a>
                    " to see what each call cost and the return on it."</p>
            </div>
        }
        .into_any();
    };
    let before = period.previous_label();
    let versus = match &money.previous_spend {
        Some(previous) => match change_text(&spend, previous) {
            Some(change) => format!("{change} vs {before}"),
            None => format!("none vs {before}"),
        },
        None => format!("no spend in {before}"),
    };
    let (cost, cost_note) = match &money.cost_per_call {
        Some(c) => (amount(c, code), "spend ÷ calls".to_string()),
        None => ("no calls".to_string(), "no calls in the period: no cost per call".to_string()),
    };
    view! {
        <div class="stats money">
            <a class="stat" href=spend_page data-stat="Spend">
                <span class="label">"Spend"</span>
                <strong class="value">{amount(&spend, code)}</strong>
                <span class="change">{versus}</span>
            </a>
            <a class="stat" href=report.clone() data-stat="Cost per call">
                <span class="label">"Cost per call"</span>
                <strong class="value" class:undefined=money.cost_per_call.is_none()>{cost}</strong>
                <span class="change">{cost_note}</span>
            </a>
            <a class="stat" href=report data-stat="Revenue">
                <span class="label">"Revenue"</span>
                <strong class="value">{amount(&money.revenue, code)}</strong>
                <span class="change">"call values and default values"</span>
            </a>
        </div>
    }
    .into_any()
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
                    let money = o.money.clone();
                    // The chart only when there is spend to divide: else the card says why not.
                    let weekly = money.clone().filter(|m| m.spend.is_some()).map(|m| view! {
                        <div class="card cost-per-week">
                            <h2>"Cost per call by week"</h2>
                            <WeeklyCostChart weeks=m.weeks.clone() currency=m.currency.code()/>
                        </div>
                    });
                    view! {
                        <Cards totals=o.totals.clone() previous=o.previous.clone() period=period.clone() page_url=page_url.clone()/>
                        {money.map(|m| view! { <MoneyCards money=m period=period.clone() page_url=page_url.clone()/> })}
                        {weekly}
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
