//! A call's value card: what it was worth (in the site's currency), whether it converted, a
//! note and tags, saved through `PATCH …/calls/{id}` with only what was changed; the edge's
//! refusals beside their fields. A masked call (between an order's parties) has no value:
//! only its note and tags.

use crate::api::{self, ApiError, Session};
use crate::components::field_error::{dom_id, invalid, FieldError, FieldErrors};
use crate::components::text_field::TextField;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::wire::CallView;
use shared::{AmountText, CallPatch};

/// `converted` as its `<select>` has it.
fn converted_value(c: Option<bool>) -> &'static str {
    match c {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    }
}

/// What the card's fields hold, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueForm {
    pub value: String,
    pub converted: String,
    pub note: String,
    /// Comma-separated.
    pub tags: String,
}

impl ValueForm {
    pub fn of(c: &CallView) -> ValueForm {
        ValueForm {
            value: c.value.clone().unwrap_or_default(),
            converted: converted_value(c.converted).into(),
            note: c.note.clone().unwrap_or_default(),
            tags: c.tags.join(", "),
        }
    }

    /// The change from `shown` to what the fields hold: only the fields that differ (tags the
    /// transcript gave stay tags unless the marketer edits the list). Blank clears.
    pub fn patch(&self, shown: &CallView) -> CallPatch {
        let blank_none = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let value = blank_none(&self.value);
        let converted = match self.converted.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        let note = blank_none(&self.note);
        let tags: Vec<String> =
            self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect();
        let masked = shown.masking.is_some();
        CallPatch {
            value: (!masked && value != shown.value).then(|| value.map(AmountText)),
            converted: (!masked && converted != shown.converted).then_some(converted),
            note: (note != shown.note).then_some(note),
            tags: (tags != shown.tags).then_some(tags),
        }
    }
}

/// The value card of `call`. `currency`: the site's; `saved` runs with the call as stored
/// after a save (the page loads the call again: its timeline has the change).
#[component]
pub fn CallValue(
    session: Session,
    call: CallView,
    currency: Signal<Option<String>>,
    saved: Callback<CallView>,
    /// Said after a save (kept by the page while it loads the call again).
    said: RwSignal<Option<String>>,
    on_unauthorized: Callback<()>,
) -> impl IntoView {
    let shown = ValueForm::of(&call);
    let (value, converted) = (RwSignal::new(shown.value), RwSignal::new(shown.converted));
    let (note, tags) = (RwSignal::new(shown.note), RwSignal::new(shown.tags));
    let errors: FieldErrors = RwSignal::new(Vec::new());
    let refused = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let masked = call.masking.is_some();
    let path = format!("/calls/{}", js_sys::encode_uri_component(&call.call_sid));
    let stored = StoredValue::new(call);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = ValueForm {
            value: value.get_untracked(),
            converted: converted.get_untracked(),
            note: note.get_untracked(),
            tags: tags.get_untracked(),
        };
        let patch = form.patch(&stored.get_value());
        said.set(None);
        refused.set(None);
        errors.set(Vec::new());
        if patch == CallPatch::default() {
            said.set(Some("Nothing changed.".into()));
            return;
        }
        saving.set(true);
        let (session, path) = (session.clone(), path.clone());
        spawn_local(async move {
            let result = api::patch::<CallView>(&session, &path, &patch).await;
            saving.try_set(false);
            match result {
                Ok(call) => {
                    said.try_set(Some("Saved.".into()));
                    saved.run(call);
                }
                Err(ApiError::Unauthorized) => on_unauthorized.run(()),
                Err(ApiError::Field { field, message }) => {
                    let message = message.trim_start_matches("invalid request: ").to_string();
                    errors.try_set(vec![(field, message.clone())]);
                    refused.try_set(Some(format!("Not saved. {message}")));
                }
                Err(e) => {
                    refused.try_set(Some(format!("Not saved. {e}")));
                }
            }
        });
    };
    let value_label = move || match currency.get() {
        Some(code) => format!("Value ({code})"),
        None => "Value".to_string(),
    };
    view! {
        <form class="card call-value" data-section="value" novalidate on:submit=save>
            <h2>"Value"</h2>
            <div class="fields">
                {(!masked).then(|| view! {
                    <div class="field">
                        <label for=dom_id("value")>{value_label}</label>
                        <input id=dom_id("value") name="value" inputmode="decimal" placeholder="120.00" autocomplete="off"
                            bind:value=value aria-invalid=invalid(errors, || "value".to_string())
                            aria-describedby="f-value-error"/>
                        <span class="hint">"What the call was worth; blank: none (a qualified call then counts the default call value of the settings)."</span>
                        <FieldError errors=errors field="value".to_string()/>
                    </div>
                    <div class="field">
                        <label for=dom_id("converted")>"Converted"</label>
                        <select id=dom_id("converted") name="converted" prop:value=move || converted.get()
                            on:change=move |ev| converted.set(event_target_value(&ev))
                            aria-invalid=invalid(errors, || "converted".to_string())>
                            <option value="">"Unknown"</option>
                            <option value="yes">"Yes: became a customer"</option>
                            <option value="no">"No"</option>
                        </select>
                        <FieldError errors=errors field="converted".to_string()/>
                    </div>
                })}
                <TextField errors=errors field="tags" label="Tags" value=tags hint="Separated by commas."/>
                <div class="field wide">
                    <label for=dom_id("note")>"Note"</label>
                    <textarea id=dom_id("note") name="note" rows="2" bind:value=note
                        aria-invalid=invalid(errors, || "note".to_string())></textarea>
                    <FieldError errors=errors field="note".to_string()/>
                </div>
            </div>
            {masked.then(|| view! {
                <p class="hint">"A masked call is between an order's parties, not a marketing call: it has no value."</p>
            })}
            <div class="row">
                <button type="submit" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save" }}
                </button>
                {move || refused.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
                {move || said.get().map(|m| view! { <p class="saved" role="status">{m}</p> })}
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(doc: serde_json::Value) -> CallView {
        let mut base = json!({
            "call_sid": "CA1", "from": "+15557654321", "to": "+15550100201",
            "started_at": "2026-11-20T10:00:00Z", "attributed": true, "channel": "paid search", "late": false,
            "other_candidates": 0, "overflow": false, "repeat": false, "first_call_sid": null,
            "static_number": false, "source": "google", "medium": "cpc", "campaign": "spring", "keyword": null,
            "landing_page": null, "referrer": null, "region": null, "country": null, "visitor": "v1", "tags": ["price"],
            "value": "120.00", "currency": "USD", "converted": null, "note": null,
        });
        if let (Some(b), Some(d)) = (base.as_object_mut(), doc.as_object()) {
            b.extend(d.clone());
        }
        serde_json::from_value(base).expect("a call view")
    }

    #[test]
    fn a_save_sends_only_what_changed() {
        let shown = call(json!({}));
        let form = ValueForm::of(&shown);
        assert_eq!(form.patch(&shown), CallPatch::default(), "untouched: nothing to send");
        let edited = ValueForm {
            value: " 180 ".into(),
            converted: "yes".into(),
            note: "Sold a heater".into(),
            ..form.clone()
        };
        assert_eq!(
            serde_json::to_value(edited.patch(&shown)).unwrap(),
            json!({"value": "180", "converted": true, "note": "Sold a heater"})
        );
        let cleared = ValueForm { value: "".into(), tags: "price, vip ,".into(), ..form };
        assert_eq!(
            serde_json::to_value(cleared.patch(&shown)).unwrap(),
            json!({"value": null, "tags": ["price", "vip"]})
        );
    }

    #[test]
    fn a_masked_calls_value_is_never_sent() {
        let shown = call(
            json!({"value": null, "currency": null, "masking": {"session_id": null, "order_id": "A1", "from_role": null, "to_role": null, "connected": true}}),
        );
        let form = ValueForm {
            value: "50".into(),
            converted: "yes".into(),
            note: "late".into(),
            tags: "price".into(),
        };
        assert_eq!(serde_json::to_value(form.patch(&shown)).unwrap(), json!({"note": "late"}));
    }
}
