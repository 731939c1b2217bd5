//! The attribution report: calls, qualified calls, first-time callers, sessions, conversion
//! and talk time grouped by one or two dimensions (source, then campaign…), with what each
//! group cost and returned (spend, cost per call and per qualified call, revenue, ROAS, ROI),
//! sortable, with a CSV export of the table.

use crate::api::{self, Session};
use crate::components::money::{roas_text, roi_text, sort_value, Figure, FigureCell};
use crate::load::{fetch_on, Load};
use crate::page_url::{navigate, use_page_url, Page};
use crate::period::{Period, PeriodPicker};
use leptos::prelude::*;
use shared::report::ReportRow;
use shared::wire::ReportPage;

/// What the report can group by (the edge's dimensions), as marketers name them.
const DIMENSIONS: &[(&str, &str)] = &[
    ("channel", "Channel"),
    ("source", "Source"),
    ("medium", "Medium"),
    ("campaign", "Campaign"),
    ("keyword", "Keyword"),
    ("content", "Ad content"),
    ("landing_page", "Landing page"),
    ("region", "Region"),
    ("tracking_number", "Tracking number"),
    ("day", "Day"),
    ("week", "Week"),
];

fn label(key: &str) -> &'static str {
    DIMENSIONS.iter().find(|(k, _)| *k == key).map_or("Group", |(_, l)| l)
}

/// The columns, by URL sort key.
const COLUMNS: &[(&str, &str)] = &[
    ("calls", "Calls"),
    ("qualified", "Qualified"),
    ("first_time", "First-time"),
    ("sessions", "Sessions"),
    ("conversion", "Conversion"),
    ("talk", "Avg talk time"),
    ("spend", "Spend"),
    ("cost_per_call", "Cost / call"),
    ("cost_per_qualified", "Cost / qualified call"),
    ("revenue", "Revenue"),
    ("roas", "ROAS"),
    ("roi", "ROI"),
];

/// The columns in the site's currency: their headers name it.
const IN_CURRENCY: &[&str] = &["spend", "cost_per_call", "cost_per_qualified", "revenue"];

fn value(row: &ReportRow, column: &str) -> f64 {
    match column {
        "qualified" => row.qualified as f64,
        "first_time" => row.first_time as f64,
        "sessions" => row.sessions as f64,
        "conversion" => row.conversion_rate.unwrap_or(-1.0),
        "talk" => row.avg_talk_secs.unwrap_or(-1.0),
        "spend" => sort_value(row.spend.as_deref()),
        "cost_per_call" => sort_value(row.cost_per_call.as_deref()),
        "cost_per_qualified" => sort_value(row.cost_per_qualified_call.as_deref()),
        "revenue" => sort_value(row.revenue.as_deref()),
        "roas" => row.roas.unwrap_or(f64::MIN),
        "roi" => row.roi.unwrap_or(f64::MIN),
        _ => row.calls as f64,
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn talk(secs: Option<f64>) -> String {
    secs.map_or_else(|| "—".into(), |s| format!("{}:{:02}", (s as u64) / 60, (s as u64) % 60))
}

/// Why a money figure of `r` is undefined. `unkept`: the dimension of the grouping spend is not
/// kept by (keyword, region…), if any.
fn undefined(r: &ReportRow, column: &str, unkept: Option<&str>) -> Figure {
    let (word, why) = match (unkept, &r.spend, column) {
        (Some(by), _, _) => (
            "—",
            format!(
                "Spend is kept by channel, source, medium, campaign and date, not by {}.",
                by.to_lowercase()
            ),
        ),
        (None, None, _) => ("no spend", "No ad spend imported for this group in the period.".to_string()),
        (None, Some(_), "cost_per_call") => ("no calls", "No calls: there is no cost per call.".to_string()),
        (None, Some(_), "cost_per_qualified") => {
            ("no qualified calls", "No qualified calls: there is no cost per qualified call.".to_string())
        }
        (None, Some(_), _) => ("no spend", "The spend is 0: there is no return on it.".to_string()),
    };
    Figure::Undefined { word, why }
}

/// The money columns of `r`, each shown or said to be undefined, with their cell classes.
fn money_figures(r: &ReportRow, unkept: Option<&str>) -> [(Figure, &'static str); 6] {
    let shown = |v: &Option<String>, column: &str| match v {
        Some(t) => Figure::Shown(t.clone()),
        None => undefined(r, column, unkept),
    };
    let ratio = |v: Option<f64>, text: fn(f64) -> String, column: &str| match v {
        Some(x) => Figure::Shown(text(x)),
        None => undefined(r, column, unkept),
    };
    [
        (shown(&r.spend, "spend"), "spend"),
        (shown(&r.cost_per_call, "cost_per_call"), "cost-per-call"),
        (shown(&r.cost_per_qualified_call, "cost_per_qualified"), "cost-per-qualified"),
        (shown(&r.revenue, "revenue"), "revenue"),
        (ratio(r.roas, roas_text, "roas"), "roas"),
        (ratio(r.roi, roi_text, "roi"), "roi"),
    ]
}

/// The first dimension of `keys` spend is not kept by, as the report names it.
fn unkept_dimension(keys: &[String]) -> Option<&'static str> {
    keys.iter()
        .find(|k| !shared::report::parse_group_by(k).is_ok_and(|d| d.iter().all(|d| d.keeps_spend())))
        .map(|k| label(k))
}

fn csv(group_by: &[String], rows: &[ReportRow], currency: &str) -> String {
    let mut out = group_by.join(",");
    out.push_str(",calls,answered,qualified,first_time,sessions,conversion_rate,avg_talk_secs");
    out.push_str(",spend,cost_per_call,cost_per_qualified_call,revenue,roas,roi,currency\r\n");
    for r in rows {
        for (i, k) in r.key.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Keywords and landing pages come from visitors: defused as the calls CSV does.
            shared::csv_cell(&mut out, k);
        }
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let ratio = |v: Option<f64>| v.map(|x| format!("{x:.4}")).unwrap_or_default();
        // Undefined figures (no spend, no calls) are empty cells, never 0.
        out.push_str(&format!(
            ",{},{},{},{},{},{},{},{},{},{},{},{},{},{currency}\r\n",
            r.calls,
            r.answered,
            r.qualified,
            r.first_time,
            r.sessions,
            r.conversion_rate.map(|c| format!("{c:.4}")).unwrap_or_default(),
            r.avg_talk_secs.map(|t| format!("{t:.0}")).unwrap_or_default(),
            text(&r.spend),
            text(&r.cost_per_call),
            text(&r.cost_per_qualified_call),
            text(&r.revenue),
            ratio(r.roas),
            ratio(r.roi),
        ));
    }
    out
}

#[component]
pub fn ReportPage(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let page_url = use_page_url();
    let group_by = Memo::new(move |_| {
        let r = page_url.get();
        let first =
            r.get("by").filter(|b| DIMENSIONS.iter().any(|(k, _)| k == b)).unwrap_or_else(|| "source".into());
        let mut keys = vec![first.clone()];
        if let Some(then) = r.get("then").filter(|t| *t != first && DIMENSIONS.iter().any(|(k, _)| k == t)) {
            keys.push(then);
        }
        keys
    });
    let data = fetch_on::<ReportPage>(
        session,
        move || {
            // The period's time zone too: the spend joined is that of its dates there.
            let mut pairs: Vec<(String, String)> = Period::of(&page_url.get()).params();
            pairs.push(("group_by".into(), group_by.get().join(",")));
            format!("/report?{}", api::query(&pairs))
        },
        on_unauthorized,
    );
    let sort = move || {
        page_url
            .get()
            .get("rsort")
            .filter(|s| COLUMNS.iter().any(|(k, _)| k == s))
            .unwrap_or_else(|| "calls".into())
    };
    let choose = move |key: &'static str| {
        move |ev: leptos::ev::Event| navigate(&page_url.get_untracked().with(key, &event_target_value(&ev)))
    };
    let options = |with_none: bool| {
        let mut all: Vec<(&str, &str)> = if with_none { vec![("", "—")] } else { vec![] };
        all.extend_from_slice(DIMENSIONS);
        all.into_iter().map(|(k, l)| view! { <option value=k>{l}</option> }).collect_view()
    };
    view! {
        <section class="page">
            <div class="heading">
                <h1>"Attribution report"</h1>
                <PeriodPicker page_url=page_url/>
            </div>
            <form class="filters" on:submit=|ev| ev.prevent_default()>
                <label>"Group by"
                    <select name="by" prop:value=move || group_by.get()[0].clone() on:change=choose("by")>{options(false)}</select>
                </label>
                <label>"then by"
                    <select name="then" prop:value=move || group_by.get().get(1).cloned().unwrap_or_default() on:change=choose("then")>{options(true)}</select>
                </label>
                <button type="button" class="secondary" on:click=move |_| {
                    if let Load::Ready(page) = data.get_untracked() {
                        let keys: Vec<String> = group_by.get_untracked();
                        let _ = api::save_text(&csv(&keys, &page.rows, page.currency.code()), "ringtrace-report.csv");
                    }
                }>"Export CSV"</button>
            </form>
            {move || match data.get() {
                Load::Loading => view! { <p class="muted" role="status">"Loading the report…"</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Load::Ready(page) if page.rows.is_empty() => view! {
                    <p class="empty card" role="status">{format!("No calls or visits in {}.", Period::of(&page_url.get_untracked()).label())}</p>
                }.into_any(),
                Load::Ready(page) => {
                    let keys = group_by.get_untracked();
                    let unkept = unkept_dimension(&keys);
                    let currency = page.currency.code();
                    let column = sort();
                    let mut rows = page.rows.clone();
                    rows.sort_by(|a, b| value(b, &column).total_cmp(&value(a, &column)).then(a.key.cmp(&b.key)));
                    let heads = keys.iter().map(|k| view! { <th>{label(k)}</th> }).collect_view();
                    let sortable = COLUMNS.iter().map(|(k, l)| {
                        let active = *k == column;
                        let head = if IN_CURRENCY.contains(k) { format!("{l} ({currency})") } else { l.to_string() };
                        view! {
                            <th aria-sort=if active { "descending" } else { "none" } data-column=*k>
                                <button type="button" class="sort" on:click=move |_| navigate(&page_url.get_untracked().with("rsort", k))>
                                    {head}{if active { " ▼" } else { "" }}
                                </button>
                            </th>
                        }
                    }).collect_view();
                    let body = rows.into_iter().map(|r| {
                        let money = money_figures(&r, unkept)
                            .into_iter()
                            .map(|(figure, class)| view! { <FigureCell figure=figure class=class/> })
                            .collect_view();
                        view! {
                            <tr data-key=r.key.join(" / ")>
                                {r.key.iter().map(|k| view! { <td>{k.clone()}</td> }).collect_view()}
                                <td class="num">{r.calls.to_string()}</td>
                                <td class="num">{r.qualified.to_string()}</td>
                                <td class="num">{r.first_time.to_string()}</td>
                                <td class="num">{r.sessions.to_string()}</td>
                                <td class="num">{percent(r.conversion_rate)}</td>
                                <td class="num">{talk(r.avg_talk_secs)}</td>
                                {money}
                            </tr>
                        }
                    }).collect_view();
                    let spend_page = page_url.get_untracked().period_on(Page::Spend).href();
                    view! {
                        <div class="card table-wrap">
                            <table class="calls report"><thead><tr>{heads}{sortable}</tr></thead><tbody>{body}</tbody></table>
                        </div>
                        <p class="hint">"Conversion: calls per visitor session. Sessions come from the tracking tag; imported calls have none."</p>
                        <p class="hint">"Spend is what you imported on the "<a href=spend_page>"Spend page"</a>
                            ", joined to calls by date, channel, source, medium and campaign. Revenue: the calls' values, and the default call value (Settings) for qualified calls without one. ROAS: revenue ÷ spend; ROI: (revenue − spend) ÷ spend."</p>
                    }.into_any()
                }
            }}
        </section>
    }
}
