//! The Extension numbers section: the numbers, and their extensions' digits, prompt, label and retention.

use super::form::{ExtensionRow, Form};
use super::replaces::ReplacesSelect;
use crate::components::field_error::{invalid, FieldError, FieldErrors};
use crate::components::row_table::RowTable;
use crate::components::text_field::TextField;
use leptos::prelude::*;

#[component]
pub fn ExtensionsSection(form: Form, errors: FieldErrors) -> impl IntoView {
    let e = form.extensions;
    let rows = e.numbers;
    let cells = move |row: ExtensionRow, field: Signal<String>| {
        view! {
            <td><input type="tel" aria-label="Extension number" bind:value=row.number
                aria-invalid=invalid(errors, move || field.get())/></td>
            <td><ReplacesSelect form=form line=row.line/></td>
        }
    };
    let example = move || {
        let digits = e.digits.get().parse::<usize>().unwrap_or(3);
        let label = e.label.get();
        let label = if label.trim().is_empty() { "ext." } else { label.trim() };
        format!("Your pages show e.g. (555) 010-0909 {label} {:0>digits$}.", 42)
    };
    view! {
        <fieldset class="card" data-section="extensions">
            <legend>"Extension numbers"</legend>
            <p class="hint">"A visitor gets one of these numbers with an extension of their own when every tracking number is in use (choose \"Give an extension\" above), or when the business number it replaces has no tracking numbers. The caller keys the extension; the call is credited to that visit."</p>
            <p class="muted" hidden=move || rows.with(|r| !r.is_empty())>"No extension numbers."</p>
            <RowTable rows=rows errors=errors list="extension_numbers" headers=&["Number", "Replaces"] cells=cells
                hide_empty=true number_attr=true/>
            <FieldError errors=errors field="extension_numbers".to_string()/>
            <button type="button" class="secondary small" on:click=move |_| {
                rows.update(|r| r.push(ExtensionRow::blank()));
            }>"Add an extension number"</button>
            <div class="fields">
                <div class="field">
                    <label for="f-extension_digits">"Extension digits"</label>
                    <select id="f-extension_digits" name="extension_digits" prop:value=move || e.digits.get()
                        aria-invalid=invalid(errors, || "extension_digits".to_string())
                        aria-describedby="f-extension_digits-error"
                        on:change=move |ev| e.digits.set(event_target_value(&ev))>
                        <option value="3">"3 (up to 1,000 extensions a number)"</option>
                        <option value="4">"4 (up to 10,000)"</option>
                        <option value="5">"5 (up to 100,000)"</option>
                    </select>
                    <FieldError errors=errors field="extension_digits".to_string()/>
                </div>
                <TextField errors=errors field="extension_label" label="Label before the extension" value=e.label
                    placeholder="ext." hint="No digits: \"ext.\", \"x\", \"доб.\"."/>
                <TextField errors=errors field="extension_retention_hours" label="Kept for late callers, hours"
                    value=e.retention_hours kind="number"
                    hint="How long an extension still credits its visit after the visitor left (1–2160)."/>
                <TextField errors=errors field="extension_prompt" label="What the caller hears" value=e.prompt
                    placeholder="Please enter your extension."/>
            </div>
            <p class="hint">{example}</p>
        </fieldset>
    }
}
