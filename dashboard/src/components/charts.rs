//! The dashboard's charts, drawn as SVG by a small component of our own rather than a
//! charting crate: three kinds of chart (bars per day stacked by channel, ranked horizontal
//! bars, cost per call by week) are ~170 lines here, need no JavaScript library on the page, and keep to the Leptos
//! version in use (the Leptos chart crates lag behind it or pull in their own runtime).
//! Each chart has an `aria-label` summary and a `<title>` per bar for its exact figure.

use leptos::prelude::*;
use shared::overview::{DayCalls, WeekCost};

/// Channels in the order they stack (bottom first), with their colours.
pub const CHANNELS: &[(&str, &str)] = &[
    ("paid search", "#0b6bcb"),
    ("organic search", "#12b76a"),
    ("paid social", "#7a5af8"),
    ("organic social", "#ee46bc"),
    ("email", "#f79009"),
    ("display", "#06aed4"),
    ("referral", "#667085"),
    ("other", "#98a2b3"),
    ("direct", "#344054"),
    ("unattributed", "#d0d5dd"),
];

/// `1 call`, `3 calls`.
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn colour(channel: &str) -> &'static str {
    CHANNELS.iter().find(|(c, _)| *c == channel).map_or("#98a2b3", |(_, colour)| colour)
}

/// Calls per day, stacked by channel, with a legend of the channels present.
#[component]
pub fn DailyChart(days: Vec<DayCalls>) -> impl IntoView {
    let (width, height, pad) = (720.0_f64, 160.0_f64, 4.0_f64);
    let max = days.iter().map(|d| d.by_channel.values().sum::<u64>()).max().unwrap_or(0).max(1);
    let slot = (width - pad) / days.len().max(1) as f64;
    let bar = (slot * 0.7).max(1.0);
    let total: u64 = days.iter().flat_map(|d| d.by_channel.values()).sum();
    let present: Vec<&str> = CHANNELS
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| days.iter().any(|d| d.by_channel.get(*c).is_some_and(|n| *n > 0)))
        .collect();
    let mut rects = Vec::new();
    for (i, day) in days.iter().enumerate() {
        let x = pad + i as f64 * slot + (slot - bar) / 2.0;
        let mut y = height - pad;
        for (channel, colour) in CHANNELS {
            let n = day.by_channel.get(*channel).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let h = (height - 2.0 * pad) * n as f64 / max as f64;
            y -= h;
            let tip = format!("{} · {channel}: {n}", day.day);
            rects.push(view! {
                <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{bar:.1}") height=format!("{h:.1}") fill=*colour>
                    <title>{tip}</title>
                </rect>
            });
        }
    }
    let label_at = |i: usize| days.get(i).map(|d| d.day.clone()).unwrap_or_default();
    let last = days.len().saturating_sub(1);
    let summary = format!("{} over {} days; the busiest day had {max}.", plural(total, "call"), days.len());
    // Labels are HTML around the drawing, so they stay readable at any width.
    view! {
        <figure class="chart">
            <div class="ticks"><span>{format!("busiest day: {}", plural(max, "call"))}</span></div>
            <svg viewBox=format!("0 0 {width} {height}") role="img" aria-label=summary preserveAspectRatio="none">
                <line x1="0" y1=height - pad x2=width y2=height - pad class="axis"/>
                {rects}
            </svg>
            <div class="ticks"><span>{label_at(0)}</span><span>{label_at(last)}</span></div>
            <figcaption class="legend">
                {present.into_iter().map(|c| view! {
                    <span><i style=format!("background:{}", colour(c))></i>{c}</span>
                }).collect_view()}
            </figcaption>
        </figure>
    }
}

/// Names ranked by calls, as horizontal bars.
#[component]
pub fn RankedBars(title: &'static str, items: Vec<(String, u64)>) -> impl IntoView {
    let max = items.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let row = 26.0_f64;
    let height = row * items.len().max(1) as f64;
    let summary = format!(
        "{title}: {}",
        items.iter().map(|(name, n)| format!("{name} {n}")).collect::<Vec<_>>().join(", ")
    );
    let bars = items
        .iter()
        .enumerate()
        .map(|(i, (name, n))| {
            let y = i as f64 * row;
            let w = 58.0 * *n as f64 / max as f64;
            view! {
                <g>
                    <text x="0" y=format!("{:.1}", y + 17.0) class="name">{name.clone()}</text>
                    <rect x="40%" y=format!("{:.1}", y + 5.0) width=format!("{w:.1}%") height="16" fill="#0b6bcb">
                        <title>{format!("{name}: {n} calls")}</title>
                    </rect>
                    <text x=format!("{:.1}%", 41.0 + w) y=format!("{:.1}", y + 17.0) class="tick">{n.to_string()}</text>
                </g>
            }
        })
        .collect_view();
    let empty = items.is_empty();
    view! {
        <figure class="chart ranked">
            <figcaption>{title}</figcaption>
            {if empty {
                view! { <p class="muted">"None in this period."</p> }.into_any()
            } else {
                view! { <svg width="100%" height=format!("{height}") role="img" aria-label=summary>{bars}</svg> }.into_any()
            }}
        </figure>
    }
}

/// A week of the cost chart in words: its cost per call, or why it has none.
fn week_text(w: &WeekCost, currency: &str) -> String {
    match (&w.spend, &w.cost_per_call) {
        (Some(spend), Some(cost)) => {
            format!(
                "{}: {cost} {currency} per call ({spend} {currency}, {})",
                w.week,
                plural(w.calls, "call")
            )
        }
        (Some(spend), None) => format!("{}: no calls ({spend} {currency} spent)", w.week),
        (None, _) => format!("{}: no spend", w.week),
    }
}

/// Cost per call by week: a bar per week with spend and calls; a week without either is a gap
/// marked on the axis and named (`no spend`, `no calls`) in its title, never a bar of 0.
#[component]
pub fn WeeklyCostChart(weeks: Vec<WeekCost>, currency: &'static str) -> impl IntoView {
    let (width, height, pad) = (720.0_f64, 140.0_f64, 4.0_f64);
    let cost = |w: &WeekCost| w.cost_per_call.as_deref().and_then(|c| c.parse::<f64>().ok());
    let max = weeks.iter().filter_map(cost).fold(0.0_f64, f64::max);
    let slot = (width - pad) / weeks.len().max(1) as f64;
    let bar = (slot * 0.6).max(1.0);
    let marks = weeks
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let x = pad + i as f64 * slot + (slot - bar) / 2.0;
            let tip = week_text(w, currency);
            let base = height - pad;
            match cost(w) {
                Some(c) => {
                    // A cost of 0 (spend of 0) still shows as a sliver: it is a figure, not a gap.
                    let h = ((height - 2.0 * pad) * c / max.max(f64::MIN_POSITIVE)).max(1.0);
                    view! {
                        <rect class="cost" data-week=w.week.clone() x=format!("{x:.1}") y=format!("{:.1}", base - h)
                            width=format!("{bar:.1}") height=format!("{h:.1}") fill="#0b6bcb">
                            <title>{tip}</title>
                        </rect>
                    }
                    .into_any()
                }
                None => view! {
                    <rect class="gap" data-week=w.week.clone() x=format!("{x:.1}") y=format!("{:.1}", base - 6.0)
                        width=format!("{bar:.1}") height="6" fill="none" stroke="#98a2b3" stroke-dasharray="3 2">
                        <title>{tip}</title>
                    </rect>
                }
                .into_any(),
            }
        })
        .collect_view();
    let summary = format!(
        "Cost per call by week, in {currency}: {}",
        weeks.iter().map(|w| week_text(w, currency)).collect::<Vec<_>>().join("; ")
    );
    let label_at = |i: usize| weeks.get(i).map(|w| w.week.clone()).unwrap_or_default();
    let last = weeks.len().saturating_sub(1);
    let gaps = weeks.iter().filter(|w| w.cost_per_call.is_none()).count();
    // Under each bar its week and figure, while they fit (a quarter's weeks): a gap says why.
    let labels = (weeks.len() <= 13).then(|| {
        let cells = weeks
            .iter()
            .map(|w| {
                let figure = match (&w.spend, &w.cost_per_call) {
                    (_, Some(cost)) => cost.clone(),
                    (Some(_), None) => "no calls".into(),
                    (None, _) => "no spend".into(),
                };
                let gap = w.cost_per_call.is_none();
                view! { <li data-week=w.week.clone() class:gap=gap><span>{w.week.clone()}</span><strong>{figure}</strong></li> }
            })
            .collect_view();
        view! { <ol class="week-labels" style=format!("grid-template-columns: repeat({}, 1fr)", weeks.len())>{cells}</ol> }
    });
    view! {
        <figure class="chart weekly-cost">
            <div class="ticks"><span>{format!("highest: {max:.2} {currency} per call")}</span></div>
            <svg viewBox=format!("0 0 {width} {height}") role="img" aria-label=summary preserveAspectRatio="none">
                <line x1="0" y1=height - pad x2=width y2=height - pad class="axis"/>
                {marks}
            </svg>
            {match labels {
                Some(labels) => labels.into_any(),
                None => view! { <div class="ticks"><span>{label_at(0)}</span><span>{label_at(last)}</span></div> }.into_any(),
            }}
            {(gaps > 0).then(|| view! {
                <figcaption class="legend"><span><i class="gap"></i>
                    {format!("no spend or no calls ({gaps} of {} weeks): no cost per call", weeks.len())}</span></figcaption>
            })}
        </figure>
    }
}
