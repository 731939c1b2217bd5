//! The Google Ads offline conversions file (`GET …/exports/google-ads.csv`): the calls that
//! came from a Google ad click, in Google's upload template, saved byte for byte for an upload
//! in Google Ads (Tools → Conversions → Uploads).

use crate::api::{self, Session};
use crate::period::Period;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Google keeps clicks this many days: a longer period exports the last of them.
const GOOGLE_DAYS: u32 = 90;

/// The export's query for `period`: its dates when Google takes them all, else none (the edge's
/// default, the last 90 days); what the file covers, in words.
fn export_query(period: &Period, name: &str, qualified: bool) -> (Vec<(String, String)>, String) {
    let mut pairs = vec![
        ("conversion_name".to_string(), name.trim().to_string()),
        ("qualified".to_string(), qualified.to_string()),
    ];
    let covers = if period.days() <= GOOGLE_DAYS {
        let (from, to) = period.dates();
        pairs.push(("from".into(), from));
        pairs.push(("to".into(), to));
        period.label()
    } else {
        "the last 90 days (Google Ads takes clicks of 90 days at most)".to_string()
    };
    (pairs, covers)
}

#[component]
pub fn GoogleAdsExport(session: Session, period: Memo<Period>) -> impl IntoView {
    let name = RwSignal::new("Phone call".to_string());
    let qualified = RwSignal::new(true);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let covers = move || export_query(&period.get(), "", true).1;
    let download = move |_| {
        let (pairs, _) =
            export_query(&period.get_untracked(), &name.get_untracked(), qualified.get_untracked());
        let session = session.clone();
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let path = format!("/exports/google-ads.csv?{}", api::query(&pairs));
            if let Err(e) = api::download_exact(&session, &path, "google-ads-conversions.csv").await {
                error.try_set(Some(e.to_string()));
            }
            busy.try_set(false);
        });
    };
    view! {
        <div class="card google-ads">
            <h2>"Conversions for Google Ads"</h2>
            <p class="hint">{move || format!(
                "Calls from Google ad clicks in {}, as Google's offline conversion file: upload it in Google Ads under Goals → Conversions → Uploads. Each click counts once, with the call's value.",
                covers()
            )}</p>
            <div class="row">
                <label>"Conversion action " <input name="conversion_name" bind:value=name/></label>
                <label class="check"><input type="checkbox" name="qualified" bind:checked=qualified/>
                    " Only calls that converted (qualified, or marked converted)"</label>
                <button type="button" class="secondary" on:click=download disabled=move || busy.get()>
                    {move || if busy.get() { "Preparing…" } else { "Download for Google Ads" }}
                </button>
            </div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </div>
    }
}
