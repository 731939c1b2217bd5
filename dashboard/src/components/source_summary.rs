//! Calls counted by source / medium: the first question a marketer asks.

use leptos::prelude::*;
use shared::api::CallView;
use std::collections::BTreeMap;

#[component]
pub fn SourceSummary(calls: Vec<CallView>) -> impl IntoView {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in &calls {
        let key = match (&c.source, &c.medium) {
            (Some(s), Some(m)) => format!("{s} / {m}"),
            _ => "unattributed".to_string(),
        };
        *counts.entry(key).or_default() += 1;
    }
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total = calls.len();
    view! {
        <ul class="summary">
            <li><strong>{total}</strong>" calls"</li>
            {counts.into_iter().map(|(k, n)| view! { <li><strong>{n}</strong>" "{k}</li> }).collect_view()}
        </ul>
    }
}
