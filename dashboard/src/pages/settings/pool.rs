//! The Tracking numbers section: the pool's table, and how the pool hands numbers out (home
//! region, what happens when every number is in use, the overflow number).

use super::form::{chosen, exhaustion_value, Form, PoolRow, EXHAUSTION_POLICIES};
use super::replaces::ReplacesSelect;
use crate::components::field_error::{invalid, FieldError, FieldErrors};
use crate::components::row_table::RowTable;
use crate::components::text_field::TextField;
use leptos::prelude::*;

#[component]
pub fn PoolSection(form: Form, errors: FieldErrors) -> impl IntoView {
    let rows = form.pool;
    let cells = move |row: PoolRow, field: Signal<String>| {
        view! {
            <td><input type="tel" aria-label="Tracking number" bind:value=row.number
                aria-invalid=invalid(errors, move || format!("{}.number", field.get()))/></td>
            <td><input aria-label="Region" placeholder="any" size="6" bind:value=row.region
                aria-invalid=invalid(errors, move || format!("{}.region", field.get()))/></td>
            <td><ReplacesSelect form=form line=row.line/></td>
        }
    };
    view! {
        <fieldset class="card" data-section="pool">
            <legend>"Tracking numbers"</legend>
            <p class="hint">"The pool each visitor borrows a number from. A region (US-TX, GB) gives that number to visitors from there first."</p>
            <RowTable rows=rows errors=errors list="pool" headers=&["Number", "Region", "Replaces"] cells=cells number_attr=true/>
            <FieldError errors=errors field="pool".to_string()/>
            <button type="button" class="secondary small" on:click=move |_| {
                rows.update(|r| r.push(PoolRow::blank()));
            }>"Add a tracking number"</button>
            <PoolPolicy form=form errors=errors/>
        </fieldset>
    }
}

/// Which numbers a visitor gets first, and what they see when every number is in use.
#[component]
fn PoolPolicy(form: Form, errors: FieldErrors) -> impl IntoView {
    view! {
        <div class="fields">
            <TextField errors=errors field="home_region" label="Home region" value=form.home_region placeholder="none"
                hint="Visitors from regions without numbers of their own get this region's numbers first."/>
            <div class="field">
                <label for="f-exhaustion">"When every number is in use"</label>
                <select id="f-exhaustion" prop:value=move || exhaustion_value(form.exhaustion.get())
                    aria-invalid=invalid(errors, || "exhaustion".to_string()) aria-describedby="f-exhaustion-error"
                    on:change=move |ev| {
                        if let Some(p) = chosen(&EXHAUSTION_POLICIES, exhaustion_value, &event_target_value(&ev)) {
                            form.exhaustion.set(p);
                        }
                    }>
                    <option value="share">"Share a number (its calls list every candidate)"</option>
                    <option value="overflow">"Show the overflow number"</option>
                    <option value="extension">"Give an extension on an extension number"</option>
                </select>
                <FieldError errors=errors field="exhaustion".to_string()/>
            </div>
            <TextField errors=errors field="overflow_number" label="Overflow number" value=form.overflow_number kind="tel"
                placeholder="none"/>
        </div>
    }
}
