//! The Static numbers section: a fixed number for a whole traffic source, rule by rule.

use super::form::{Form, StaticRow};
use super::replaces::ReplacesSelect;
use crate::components::field_error::{invalid, FieldErrors};
use crate::components::row_table::RowTable;
use leptos::prelude::*;

#[component]
pub fn StaticSection(form: Form, errors: FieldErrors) -> impl IntoView {
    let rows = form.static_numbers;
    // The value sent is the channel's label (`paid social`), as the settings show it.
    let mut channels: Vec<(String, String)> = vec![(String::new(), "any channel".into())];
    channels.extend(shared::ALL_CHANNELS.iter().map(|c| (c.label().to_string(), c.label().to_string())));
    let cells = move |row: StaticRow, field: Signal<String>| {
        let channel = row.channel;
        let channels = channels.clone();
        view! {
            <td><input type="tel" aria-label="Static number" bind:value=row.number
                aria-invalid=invalid(errors, move || field.get())/></td>
            <td><select aria-label="Channel" prop:value=move || channel.get()
                on:change=move |ev| channel.set(event_target_value(&ev))>
                {channels.into_iter().map(|(v, t)| view! { <option value=v>{t}</option> }).collect_view()}
            </select></td>
            <td><input aria-label="utm_source" placeholder="any" size="10" bind:value=row.source/></td>
            <td><input aria-label="utm_medium" placeholder="any" size="8" bind:value=row.medium/></td>
            <td><input aria-label="utm_campaign" placeholder="any" size="10" bind:value=row.campaign/></td>
            <td><ReplacesSelect form=form line=row.line/></td>
        }
    };
    view! {
        <fieldset class="card" data-section="static">
            <legend>"Static numbers"</legend>
            <p class="hint">"A fixed number for a whole traffic source (every visitor from a Facebook campaign, a print ad's landing page). The first rule whose conditions all match wins over the pool."</p>
            <p class="muted" hidden=move || rows.with(|r| !r.is_empty())>"No static numbers: every visitor gets a number from the pool."</p>
            <RowTable rows=rows errors=errors list="static_numbers"
                headers=&["Number", "Channel", "utm_source", "utm_medium", "utm_campaign", "Replaces"]
                cells=cells hide_empty=true/>
            <button type="button" class="secondary small" on:click=move |_| {
                rows.update(|r| r.push(StaticRow::blank()));
            }>"Add a static number"</button>
        </fieldset>
    }
}
