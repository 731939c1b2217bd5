//! A labelled text input bound to one field of a form, with its hint and its error beside it.

use crate::components::field_error::{dom_id, invalid, FieldError, FieldErrors};
use leptos::prelude::*;

/// A labelled input for `field` (its id is [`dom_id`]`(field)`, its error's id that plus
/// `-error`). `kind` is the input's `type` (default `text`).
#[component]
pub fn TextField(
    errors: FieldErrors,
    field: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] kind: &'static str,
    #[prop(optional)] placeholder: &'static str,
) -> impl IntoView {
    let id = dom_id(field);
    let described = format!("{id}-error");
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input id=id name=field type=if kind.is_empty() { "text" } else { kind } placeholder=placeholder
                bind:value=value aria-invalid=invalid(errors, move || field.to_string())
                aria-describedby=described inputmode=if kind == "number" { "numeric" } else { "text" }
                // A browser must not fill a secret with the dashboard's own saved token.
                autocomplete=if kind == "password" { "new-password" } else { "off" }/>
            {(!hint.is_empty()).then(|| view! { <span class="hint">{hint}</span> })}
            <FieldError errors=errors field=field.to_string() within=true/>
        </div>
    }
}
