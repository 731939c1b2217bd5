//! Filters of a list bound to the URL's parameters: changing one goes back to the first page.

use crate::page_url::{navigate, PageUrl};
use leptos::prelude::*;

/// A `<select>` filter bound to one URL parameter.
#[component]
pub fn ChoiceFilter(
    page_url: RwSignal<PageUrl>,
    name: &'static str,
    label: &'static str,
    options: Vec<(&'static str, &'static str)>,
) -> impl IntoView {
    view! {
        <label>{label}
            <select name=name
                prop:value=move || page_url.get().get(name).unwrap_or_default()
                on:change=move |ev| navigate(&page_url.get_untracked().with(name, &event_target_value(&ev)).with("page", ""))>
                {options.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
            </select>
        </label>
    }
}

/// A text filter bound to one URL parameter (applied on Enter or leaving the field).
#[component]
pub fn TextFilter(page_url: RwSignal<PageUrl>, name: &'static str, label: &'static str) -> impl IntoView {
    view! {
        <label>{label}
            <input type="search" name=name placeholder="any"
                prop:value=move || page_url.get().get(name).unwrap_or_default()
                on:change=move |ev| navigate(&page_url.get_untracked().with(name, event_target_value(&ev).trim()).with("page", ""))/>
        </label>
    }
}
