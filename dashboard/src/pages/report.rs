//! The attribution report: calls, qualified calls, first-time callers, sessions, conversion
//! and talk time grouped by one or two dimensions (source, then campaign…), sortable, with a
//! CSV export of the table.

use crate::api::{self, Session};
use crate::load::{fetch_on, Load};
use crate::page_url::{navigate, use_page_url};
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
];

fn value(row: &ReportRow, column: &str) -> f64 {
    match column {
        "qualified" => row.qualified as f64,
        "first_time" => row.first_time as f64,
        "sessions" => row.sessions as f64,
        "conversion" => row.conversion_rate.unwrap_or(-1.0),
        "talk" => row.avg_talk_secs.unwrap_or(-1.0),
        _ => row.calls as f64,
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn talk(secs: Option<f64>) -> String {
    secs.map_or_else(|| "—".into(), |s| format!("{}:{:02}", (s as u64) / 60, (s as u64) % 60))
}

fn csv(group_by: &[String], rows: &[ReportRow]) -> String {
    let mut out = group_by.join(",");
    out.push_str(",calls,answered,qualified,first_time,sessions,conversion_rate,avg_talk_secs\r\n");
    for r in rows {
        for (i, k) in r.key.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Keywords and landing pages come from visitors: defused as the calls CSV does.
            shared::csv_cell(&mut out, k);
        }
        out.push_str(&format!(
            ",{},{},{},{},{},{},{}\r\n",
            r.calls,
            r.answered,
            r.qualified,
            r.first_time,
            r.sessions,
            r.conversion_rate.map(|c| format!("{c:.4}")).unwrap_or_default(),
            r.avg_talk_secs.map(|t| format!("{t:.0}")).unwrap_or_default()
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
            let mut pairs: Vec<(String, String)> =
                Period::of(&page_url.get()).params().into_iter().filter(|(k, _)| k != "tz").collect();
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
                        let _ = api::save_text(&csv(&keys, &page.rows), "ringtrace-report.csv");
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
                    let column = sort();
                    let mut rows = page.rows.clone();
                    rows.sort_by(|a, b| value(b, &column).total_cmp(&value(a, &column)).then(a.key.cmp(&b.key)));
                    let heads = keys.iter().map(|k| view! { <th>{label(k)}</th> }).collect_view();
                    let sortable = COLUMNS.iter().map(|(k, l)| {
                        let active = *k == column;
                        view! {
                            <th aria-sort=if active { "descending" } else { "none" }>
                                <button type="button" class="sort" on:click=move |_| navigate(&page_url.get_untracked().with("rsort", k))>
                                    {*l}{if active { " ▼" } else { "" }}
                                </button>
                            </th>
                        }
                    }).collect_view();
                    let body = rows.into_iter().map(|r| view! {
                        <tr>
                            {r.key.iter().map(|k| view! { <td>{k.clone()}</td> }).collect_view()}
                            <td class="num">{r.calls.to_string()}</td>
                            <td class="num">{r.qualified.to_string()}</td>
                            <td class="num">{r.first_time.to_string()}</td>
                            <td class="num">{r.sessions.to_string()}</td>
                            <td class="num">{percent(r.conversion_rate)}</td>
                            <td class="num">{talk(r.avg_talk_secs)}</td>
                        </tr>
                    }).collect_view();
                    view! {
                        <div class="card table-wrap">
                            <table class="calls report"><thead><tr>{heads}{sortable}</tr></thead><tbody>{body}</tbody></table>
                        </div>
                        <p class="hint">"Conversion: calls per visitor session. Sessions come from the tracking tag; imported calls have none."</p>
                    }.into_any()
                }
            }}
        </section>
    }
}
