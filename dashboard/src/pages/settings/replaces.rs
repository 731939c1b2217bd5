//! The "Replaces" choice of a tracking or static number: which business number it stands in for.

use super::form::Form;
use crate::components::calls_table::readable;
use leptos::prelude::*;

/// The business numbers a tracking number can stand in for, as `<option>`s.
/// (Re-drawn when the business numbers change; each option says whether it is the chosen one,
/// so the choice shown stays the one saved.)
fn line_options(form: Form, chosen: RwSignal<String>) -> impl IntoView {
    move || {
        let main = form.business_number.get();
        let others: Vec<String> = form
            .business_numbers
            .get()
            .iter()
            .map(|r| r.number.get())
            .filter(|n| !n.trim().is_empty())
            .collect();
        let current = chosen.get_untracked();
        let mut options = vec![view! {
            <option value="" selected=current.is_empty()>{format!("main: {}", readable(&main))}</option>
        }
        .into_any()];
        options.extend(others.into_iter().map(|n| {
            let selected = n == current;
            view! { <option value=n.clone() selected=selected>{readable(&n)}</option> }.into_any()
        }));
        options
    }
}

/// The `<select>` of the business number `line` replaces (empty: the main one).
#[component]
pub fn ReplacesSelect(form: Form, line: RwSignal<String>) -> impl IntoView {
    view! {
        <select aria-label="Replaces" prop:value=move || line.get()
            on:change=move |ev| line.set(event_target_value(&ev))>{line_options(form, line)}</select>
    }
}
