//! Errors the edge named by field, shown beside their fields: a message and `aria-invalid`.

use leptos::prelude::*;

/// Errors by the field path the edge names (`lease_minutes`, `pool[2].region`).
pub type FieldErrors = RwSignal<Vec<(String, String)>>;

/// The message for `field`: exactly that field, or (`within`) also anything inside it.
pub fn message_for(errors: &[(String, String)], field: &str, within: bool) -> Option<String> {
    errors
        .iter()
        .find(|(f, _)| {
            f == field
                || (within && (f.starts_with(&format!("{field}.")) || f.starts_with(&format!("{field}["))))
        })
        .map(|(_, m)| m.clone())
}

/// An id an element can carry for a field (`pool[2].region` → `f-pool-2--region`).
pub fn dom_id(field: &str) -> String {
    let tail: String =
        field.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' }).collect();
    format!("f-{tail}")
}

/// The message beside a field, if the last save named it.
#[component]
pub fn FieldError(
    errors: FieldErrors,
    #[prop(into)] field: Signal<String>,
    #[prop(optional)] within: bool,
) -> impl IntoView {
    move || {
        let field = field.get();
        errors.with(|e| message_for(e, &field, within)).map(|m| {
            view! { <p class="field-error" id=format!("{}-error", dom_id(&field))>{m}</p> }
        })
    }
}

/// A field's error as a table row under the row it is about (a `<p>` cannot sit in a `<tbody>`).
#[component]
pub fn FieldErrorRow(errors: FieldErrors, field: Signal<String>) -> impl IntoView {
    move || {
        let field = field.get();
        errors.with(|e| message_for(e, &field, true)).map(|m| {
            view! { <tr class="error-row"><td colspan="9"><p class="field-error">{m}</p></td></tr> }
        })
    }
}

/// `aria-invalid` for an input whose field (or anything inside it) has an error.
pub fn invalid(
    errors: FieldErrors,
    field: impl Fn() -> String + Send + Sync + 'static,
) -> impl Fn() -> &'static str {
    move || if errors.with(|e| message_for(e, &field(), true).is_some()) { "true" } else { "false" }
}
