//! The Number masking section: the proxy numbers an order's two parties call each other
//! through, how long a session stays open, and what a caller gets once no session is open.

use super::form::{ClosedChoice, Form, NumberRow, CLOSED_CHOICES};
use crate::components::field_error::{invalid, FieldError, FieldErrors};
use crate::components::row_table::RowTable;
use crate::components::text_field::TextField;
use leptos::prelude::*;

#[component]
pub fn MaskingSection(form: Form, errors: FieldErrors) -> impl IntoView {
    let m = form.masking;
    let rows = m.numbers;
    let cells = move |row: NumberRow, field: Signal<String>| {
        view! {
            <td><input type="tel" aria-label="Masking number" bind:value=row.number
                aria-invalid=invalid(errors, move || field.get())/></td>
        }
    };
    let choices = CLOSED_CHOICES
        .iter()
        .map(|&(choice, label)| {
            view! {
                <label class="check"><input type="radio" name="masking_closed" value=choice.value()
                    prop:checked=move || m.closed.get() == choice
                    on:change=move |_| m.closed.set(choice)/>{format!(" {label}")}</label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="card" data-section="masking">
            <legend>"Number masking"</legend>
            <p class="hint">"An order's customer and courier call each other through these numbers, neither seeing the other's real number, while the order's session is open. Sessions are opened through the masking API and listed under Orders."</p>
            <p class="muted" hidden=move || rows.with(|r| !r.is_empty())>"No masking numbers."</p>
            <RowTable rows=rows errors=errors list="masking_numbers" headers=&["Number"] cells=cells
                hide_empty=true number_attr=true/>
            <FieldError errors=errors field="masking_numbers".to_string()/>
            <button type="button" class="secondary small" on:click=move |_| {
                rows.update(|r| r.push(NumberRow::blank()));
            }>"Add a masking number"</button>
            <div class="fields">
                <TextField errors=errors field="masking_ttl_minutes" label="A session stays open, minutes"
                    value=m.ttl_minutes kind="number"
                    hint="After it opens and after each call, unless the API names another time (1–43200; a day is 1440)."/>
            </div>
            <div class="field" role="radiogroup" aria-labelledby="f-masking_closed-label">
                <span class="label" id="f-masking_closed-label">"When a caller has no open session"</span>
                {choices}
                <FieldError errors=errors field="masking_closed".to_string()/>
            </div>
            <div class="fields">
                <div class="field wide" hidden=move || m.closed.get() == ClosedChoice::HangUp>
                    <TextField errors=errors field="masking_closed.say" label="What the caller hears" value=m.say
                        placeholder="This order is closed." hint="Up to 500 characters; empty: nothing is said."/>
                </div>
                <div class="field" hidden=move || m.closed.get() != ClosedChoice::SayThenForward>
                    <TextField errors=errors field="masking_closed.forward_to" label="Then forward the call to"
                        value=m.forward_to kind="tel" placeholder="+1 555 010 0400"
                        hint="A contact centre, say; not one of the masking numbers."/>
                </div>
            </div>
        </fieldset>
    }
}
