//! The Business section: the site's name, its main business number and its other ones.

use super::form::{Form, NumberRow};
use crate::components::field_error::{invalid, FieldError, FieldErrors};
use crate::components::row_table::{remove_button, row_index};
use crate::components::text_field::TextField;
use leptos::prelude::*;

#[component]
pub fn BusinessSection(form: Form, errors: FieldErrors) -> impl IntoView {
    let rows = form.business_numbers;
    view! {
        <fieldset class="card" data-section="business">
            <legend>"Business"</legend>
            <TextField errors=errors field="name" label="Site name" value=form.name/>
            <TextField errors=errors field="business_number" label="Main business number" value=form.business_number
                kind="tel" hint="The number printed on your pages; calls to tracking numbers forward here."/>
            <div class="field">
                <span class="label">"Other business numbers"</span>
                <span class="hint">"A sales and a service line: each can have tracking numbers of its own."</span>
                <For each=move || rows.get() key=|r| r.id let:row>
                    {
                        let id = row.id;
                        let field = move || format!("business_numbers[{}]", row_index(rows, id));
                        view! {
                            <div class="row">
                                <input type="tel" aria-label="Business number" bind:value=row.number
                                    aria-invalid=invalid(errors, field)/>
                                {remove_button(rows, errors, &row)}
                                <FieldError errors=errors field=Signal::derive(field) within=true/>
                            </div>
                        }
                    }
                </For>
                <FieldError errors=errors field="business_numbers".to_string()/>
                <button type="button" class="secondary small" on:click=move |_| {
                    rows.update(|r| r.push(NumberRow::blank()));
                }>"Add a business number"</button>
            </div>
        </fieldset>
    }
}
