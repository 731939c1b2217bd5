//! The site's tracking numbers: each one's state now (free, leased, cooling) and who holds it,
//! its calls in the period, the pool's use hour by hour against its size, how often it ran
//! out, and the pool size it should have, with the reason in one sentence; then the extension
//! numbers, with the extensions lent on each.

use crate::api::{self, Session};
use crate::components::calls_table::{local_time, readable};
use crate::load::{fetch_on, Load};
use crate::page_url::use_page_url;
use crate::period::{Period, PeriodPicker};
use leptos::prelude::*;
use shared::wire::{ExtensionNumberState, PoolReport, ReportPage};

/// How many days of sessions the sizing looks at: as many as the period spans, ending now
/// (the API's window), at most 90.
fn days(period: &Period) -> u32 {
    period.days().clamp(1, 90)
}

/// The recommendation in one sentence.
fn advice(r: &PoolReport) -> String {
    let s = &r.sizing;
    let rate = s.exhaustion_rate * 100.0;
    if s.sessions == 0 {
        return "No visitor sessions in this period yet: the recommendation comes with traffic.".into();
    }
    if s.recommended_pool_size > s.pool_size {
        format!(
            "Add {} number(s) to reach {}: at the busiest moment {} visitors needed a number at once, and {:.1}% of sessions found every number taken (shared or overflow), which blurs their attribution.",
            s.recommended_pool_size - s.pool_size, s.recommended_pool_size, s.peak_concurrent, rate
        )
    } else if s.recommended_for_clean_attribution > s.pool_size {
        format!(
            "{} numbers cover the traffic ({:.1}% of sessions ran out), but {} would also keep numbers out of use while a late call could still come in, so every call stays unambiguous.",
            s.pool_size, rate, s.recommended_for_clean_attribution
        )
    } else {
        format!(
            "{} numbers are enough: at most {} were in use at once and {:.1}% of sessions ran out; {} would do.",
            s.pool_size, s.peak_concurrent, rate, s.recommended_pool_size
        )
    }
}

/// Peak numbers in use per hour against the pool's size.
#[component]
fn Utilization(report: PoolReport) -> impl IntoView {
    let hours = report.sizing.peak_by_hour.clone();
    let size = report.sizing.pool_size.max(1);
    let max = hours.iter().map(|h| h.peak_concurrent).max().unwrap_or(0).max(size);
    let (width, height) = (720.0_f64, 140.0_f64);
    let slot = width / hours.len().max(1) as f64;
    let y = |v: u32| height - height * f64::from(v) / f64::from(max);
    let bars = hours
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let over = h.peak_concurrent > report.sizing.pool_size;
            view! {
                <rect x=format!("{:.1}", i as f64 * slot) y=format!("{:.1}", y(h.peak_concurrent)) width=format!("{:.1}", (slot * 0.8).max(0.5))
                    height=format!("{:.1}", height - y(h.peak_concurrent)) fill=if over { "#b42318" } else { "#0b6bcb" }>
                    <title>{format!("{}:00 UTC — {} in use", h.hour, h.peak_concurrent)}</title>
                </rect>
            }
        })
        .collect_view();
    let first = hours.first().map(|h| h.hour.clone()).unwrap_or_default();
    let last = hours.last().map(|h| h.hour.clone()).unwrap_or_default();
    let summary = format!(
        "Peak numbers in use per hour; the pool has {}; the highest peak was {}.",
        report.sizing.pool_size, report.sizing.peak_concurrent
    );
    view! {
        <figure class="chart">
            <div class="ticks"><span>{format!("pool size {} (line)", report.sizing.pool_size)}</span></div>
            <svg viewBox=format!("0 0 {width} {height}") role="img" aria-label=summary preserveAspectRatio="none">
                {bars}
                <line x1="0" x2=width y1=y(report.sizing.pool_size) y2=y(report.sizing.pool_size) stroke="#f79009" stroke-width="2"/>
            </svg>
            <div class="ticks"><span>{first}</span><span>{last}</span></div>
        </figure>
    }
}

/// The live extensions of one extension number.
fn live_extensions(n: &ExtensionNumberState) -> impl IntoView {
    let title = format!("Extensions in use on {}", readable(&n.number));
    if n.live_extensions.is_empty() {
        return view! { <h3>{title}</h3><p class="muted">"None right now."</p> }.into_any();
    }
    let rows = n
        .live_extensions
        .iter()
        .map(|e| {
            view! {
                <tr><td>{e.extension.clone()}</td><td>{local_time(e.until.millis())}</td><td>{e.holder_source.clone()}</td></tr>
            }
        })
        .collect_view();
    view! {
        <h3>{title}</h3>
        <div class="table-wrap">
            <table class="calls live-extensions" data-number=n.number.clone()>
                <thead><tr><th>"Extension"</th><th>"Until"</th><th>"Held by"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The extension numbers: how many extensions each holds, how many are lent and how many kept
/// for late callers, and who holds the live ones.
#[component]
fn ExtensionNumbers(numbers: Vec<ExtensionNumberState>) -> impl IntoView {
    if numbers.is_empty() {
        return view! {
            <div class="card"><h2>"Extension numbers"</h2>
                <p class="muted">"No extension numbers. Add one in Settings to give each visitor an extension of their own when every tracking number is in use."</p>
            </div>
        }
        .into_any();
    }
    let rows = numbers
        .iter()
        .map(|n| {
            view! {
                <tr data-number=n.number.clone()>
                    <td>{readable(&n.number)}</td>
                    <td>{n.business_number.as_deref().map(readable).unwrap_or_else(|| "main".into())}</td>
                    <td class="num capacity">{n.capacity.to_string()}</td>
                    <td class="num live">{n.live.to_string()}</td>
                    <td class="num reserved">{n.reserved.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    let live = numbers.iter().map(live_extensions).collect_view();
    view! {
        <div class="card extension-numbers"><h2>"Extension numbers"</h2>
            <p class="hint">"Reserved extensions belong to visits that ended: they are kept for late callers, then lent again."</p>
            <div class="table-wrap">
                <table class="calls extensions">
                    <thead><tr><th>"Number"</th><th>"Replaces"</th><th>"Extensions"</th><th>"Live"</th><th>"Reserved"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {live}
        </div>
    }
    .into_any()
}

#[component]
pub fn NumbersPage(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let page_url = use_page_url();
    let period = Memo::new(move |_| Period::of(&page_url.get()));
    let pool = fetch_on::<PoolReport>(
        session.clone(),
        move || format!("/pool?days={}", days(&period.get())),
        on_unauthorized,
    );
    let calls = fetch_on::<ReportPage>(
        session,
        move || {
            let mut pairs: Vec<(String, String)> =
                period.get().params().into_iter().filter(|(k, _)| k != "tz").collect();
            pairs.push(("group_by".into(), "tracking_number".into()));
            format!("/report?{}", api::query(&pairs))
        },
        on_unauthorized,
    );
    view! {
        <section class="page">
            <div class="heading">
                <h1>"Tracking numbers"</h1>
                <PeriodPicker page_url=page_url/>
            </div>
            {move || match (pool.get(), calls.get()) {
                (Load::Failed(e), _) | (_, Load::Failed(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                (Load::Ready(p), Load::Ready(c)) => {
                    let count = |n: &str| c.rows.iter().find(|r| r.key.first().map(String::as_str) == Some(n)).map_or(0, |r| r.calls);
                    let rows = p.numbers.iter().map(|n| {
                        let state = match n.state.as_str() { "live" => "leased", "cooling" => "cooling", _ => "free" };
                        view! {
                            <tr data-number=n.number.clone()>
                                <td>{readable(&n.number)}</td>
                                <td>{n.business_number.as_deref().map(readable).unwrap_or_else(|| "main".into())}</td>
                                <td>{n.region.clone().unwrap_or_else(|| "any".into())}</td>
                                <td class=format!("state {state}")>{state}</td>
                                <td>{n.until.map(|u| local_time(u.millis())).unwrap_or_else(|| "—".into())}</td>
                                <td>{n.holder_source.clone().unwrap_or_else(|| "—".into())}</td>
                                <td class="num">{count(&n.number).to_string()}</td>
                            </tr>
                        }
                    }).collect_view();
                    let s = p.sizing.clone();
                    view! {
                        <div class="stats">
                            <div class="stat"><span class="label">"Pool size"</span><strong class="value">{s.pool_size.to_string()}</strong></div>
                            <div class="stat"><span class="label">"Recommended"</span><strong class="value">{s.recommended_pool_size.to_string()}</strong>
                                <span class="change">{format!("{} for clean attribution", s.recommended_for_clean_attribution)}</span></div>
                            <div class="stat"><span class="label">"Utilization"</span><strong class="value">{format!("{:.0}%", s.utilization * 100.0)}</strong></div>
                            <div class="stat"><span class="label">"Ran out"</span><strong class="value">{s.exhausted_sessions.to_string()}</strong>
                                <span class="change">{format!("{} times since the site began", p.exhaustion_events)}</span></div>
                        </div>
                        <p class="card advice" role="note">{advice(&p)}
                            <span class="hint">{format!(" (Sizing looks at the last {}.)", crate::components::charts::plural(u64::from(p.days), "day"))}</span></p>
                        <div class="card"><h2>"Numbers in use, hour by hour"</h2><Utilization report=p.clone()/></div>
                        <div class="card table-wrap">
                            <table class="calls numbers">
                                <thead><tr><th>"Number"</th><th>"Replaces"</th><th>"Region"</th><th>"State"</th><th>"Until"</th><th>"Held by"</th><th>"Calls"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                        <ExtensionNumbers numbers=p.extension_numbers.clone()/>
                    }.into_any()
                }
                _ => view! { <p class="muted" role="status">"Loading the numbers…"</p> }.into_any(),
            }}
        </section>
    }
}
