//! Importing ad spend: a file chosen or text pasted, previewed as the edge will read it (in the
//! site's currency), then sent as written (`POST …/spend` as `text/csv` or
//! `application/json`); what the edge stored, or its refusal placed on the cell it names.

use crate::api::{self, ApiError, Session};
use crate::components::charts::plural;
use crate::components::spend_preview::{plain, preview, Place, Preview, PreviewTable, Problem};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{Currency, SpendChange, MAX_SPEND_BODY};
use wasm_bindgen_futures::JsFuture;

/// What the last import did.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Imported(SpendChange),
    Refused(Problem),
}

/// The content type a file's name says (`None`: told by its first character, as pasted text).
fn content_type_of(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    let (_, extension) = name.rsplit_once('.')?;
    match extension {
        "json" => Some("application/json"),
        "csv" | "txt" => Some("text/csv"),
        "tsv" => Some("text/tab-separated-values"),
        _ => None,
    }
}

/// The edge's today as it counts days (UTC): dates up to a year after it are taken.
fn today() -> i64 {
    (js_sys::Date::now() / 86_400_000.0).floor() as i64
}

/// `1.2 MB`, `3 KB`.
fn size_text(bytes: f64) -> String {
    if bytes >= 1_000_000.0 {
        format!("{:.1} MB", bytes / 1_000_000.0)
    } else {
        format!("{} KB", (bytes / 1000.0).ceil())
    }
}

/// The upload form and its preview. `imported` runs after the edge stored an upload.
#[component]
pub fn SpendImport(
    session: Session,
    currency: Signal<Option<Currency>>,
    imported: Callback<()>,
    on_unauthorized: Callback<()>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let content_type = RwSignal::new(None::<&'static str>);
    let file_note = RwSignal::new(None::<String>);
    let outcome = RwSignal::new(None::<Outcome>);
    let sending = RwSignal::new(false);
    let replace = RwSignal::new(false);
    let file_input = NodeRef::<html::Input>::new();
    let checked = Memo::new(move |_| {
        let text = text.get();
        if text.trim().is_empty() {
            return None;
        }
        currency.get().map(|c| preview(&text, content_type.get(), c, today()))
    });
    // The preview, with the edge's refusal (if the last import was refused) on its cell.
    let shown = move || -> Option<Preview> {
        let p = checked.get()?;
        Some(match outcome.get() {
            Some(Outcome::Refused(problem)) => p.with_problem(problem),
            _ => p,
        })
    };
    let choose = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        let name = file.name();
        outcome.set(None);
        if file.size() > MAX_SPEND_BODY as f64 {
            text.set(String::new());
            file_note.set(Some(format!(
                "{name} is {}; an upload is at most 2 MB. Split it by month.",
                size_text(file.size())
            )));
            return;
        }
        content_type.set(content_type_of(&name));
        spawn_local(async move {
            match JsFuture::from(file.text()).await {
                Ok(read) => {
                    text.try_set(read.as_string().unwrap_or_default());
                    file_note.try_set(Some(format!("{name} ({})", size_text(file.size()))));
                }
                Err(_) => {
                    file_note.try_set(Some(format!("{name} could not be read.")));
                }
            }
        });
    };
    let paste = move |ev: leptos::ev::Event| {
        outcome.set(None);
        content_type.set(None);
        file_note.set(None);
        text.set(event_target_value(&ev));
    };
    let send = move |_| {
        let Some(p) = checked.get_untracked() else { return };
        if p.blocked() || sending.get_untracked() {
            return;
        }
        let kind = if p.csv { "text/csv" } else { "application/json" };
        let body = text.get_untracked();
        let path = if replace.get_untracked() { "/spend?replace=true" } else { "/spend" };
        let session = session.clone();
        sending.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = api::post_text::<SpendChange>(&session, path, kind, body).await;
            sending.try_set(false);
            let refused = |place: Place, message: String| Some(Outcome::Refused(Problem { place, message }));
            match result {
                Ok(change) => {
                    // Done with this upload: the table below shows it now.
                    text.try_set(String::new());
                    file_note.try_set(None);
                    if let Some(input) = file_input.get_untracked() {
                        input.set_value("");
                    }
                    outcome.try_set(Some(Outcome::Imported(change)));
                    imported.run(());
                }
                Err(ApiError::Unauthorized) => on_unauthorized.run(()),
                Err(ApiError::Field { field, message }) => {
                    outcome.try_set(refused(Place::of_field(&field), plain(&message)));
                }
                Err(e) => {
                    outcome.try_set(refused(Place::Upload, e.to_string()));
                }
            }
        });
    };
    let code = move || currency.get().map(Currency::code).unwrap_or("");
    let blocked = move || sending.get() || checked.get().is_none_or(|p| p.blocked());
    view! {
        <div class="card spend-import">
            <h2>"Import spend"</h2>
            <p class="hint">
                "A CSV (comma, semicolon or tab) or JSON with a header row: "
                <code>"date, date_to, channel, source, medium, campaign, spend, currency"</code>
                "; date, source and spend are required. One row per day and campaign, or a row from "
                <code>"date"</code>" to "<code>"date_to"</code>" spread evenly over its days. "
                {move || format!("Amounts in {} with a dot for decimals (1234.50). ", code())}
                "An import replaces what was stored for the same day, source, medium and campaign."
            </p>
            <div class="fields">
                <div class="field">
                    <label for="spend-file">"A file"</label>
                    <input id="spend-file" name="spend_file" type="file" accept=".csv,.tsv,.txt,.json,text/csv,application/json"
                        node_ref=file_input on:change=choose/>
                    {move || file_note.get().map(|n| view! { <span class="hint file-note">{n}</span> })}
                </div>
                <div class="field wide">
                    <label for="spend-text">"Or paste it here"</label>
                    <textarea id="spend-text" name="spend_text" rows="6" spellcheck="false"
                        placeholder="date,source,medium,campaign,spend\n2026-11-01,google,cpc,spring,120.00"
                        prop:value=move || text.get() on:input=paste></textarea>
                </div>
            </div>
            {move || match (currency.get(), shown()) {
                (None, Some(_)) => Some(view! { <p class="muted" role="status">"Loading the site's currency…"</p> }.into_any()),
                (Some(c), Some(p)) => Some(view! { <PreviewTable preview=p currency=c.code()/> }.into_any()),
                _ => None,
            }}
            <label class="check">
                <input type="checkbox" name="replace" prop:checked=move || replace.get()
                    on:change=move |ev| replace.set(event_target_checked(&ev))/>
                " Replace: this upload is all the spend of its sources over its dates (a corrected \
                  export; their other campaigns on those dates are removed)"
            </label>
            <div class="row">
                <button type="button" class="import" on:click=send disabled=blocked>
                    {move || if sending.get() { "Importing…" } else { "Import" }}
                </button>
                {move || match outcome.get() {
                    Some(Outcome::Imported(change)) => Some(view! {
                        <p class="saved import-result" role="status">{format!(
                            "Imported {} of spend: {} {}.",
                            plural(change.days, "day"),
                            change.total.unwrap_or_default(),
                            code()
                        )}</p>
                    }.into_any()),
                    Some(Outcome::Refused(problem)) => Some(view! {
                        <p class="error import-error" role="alert">{format!("Not imported. {}", problem.message)}</p>
                    }.into_any()),
                    None => None,
                }}
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_files_name_tells_its_type() {
        assert_eq!(content_type_of("Spend Nov.CSV"), Some("text/csv"));
        assert_eq!(content_type_of("spend.json"), Some("application/json"));
        assert_eq!(content_type_of("spend.tsv"), Some("text/tab-separated-values"));
        assert_eq!(content_type_of("spend"), None);
        assert_eq!(size_text(2_500_000.0), "2.5 MB");
        assert_eq!(size_text(1_200.0), "2 KB");
    }
}
