//! An editable list of a form (the pool, the static numbers): a table row per entry with its
//! Remove button, and the error about an entry in a row of its own under it.

use crate::components::field_error::{FieldErrorRow, FieldErrors};
use leptos::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// One entry of an editable list: an id that stays its key while others are added and
/// removed, and the number it is about (what its Remove button names).
pub trait EditableRow: Clone + Send + Sync + 'static {
    fn id(&self) -> u64;
    fn number(&self) -> RwSignal<String>;
}

/// An id for a new row, unique in the page.
pub fn next_row_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Where the row `id` is in `rows` now: its index in the list the form sends.
pub fn row_index<R: EditableRow>(rows: RwSignal<Vec<R>>, id: u64) -> usize {
    rows.with(|r| r.iter().position(|x| x.id() == id).unwrap_or(0))
}

/// The button that removes `row` from `rows`, labelled with its number.
pub fn remove_button<R: EditableRow>(rows: RwSignal<Vec<R>>, errors: FieldErrors, row: &R) -> impl IntoView {
    let (id, number) = (row.id(), row.number());
    let label = move || format!("Remove {}", number.get());
    let remove = move |_| {
        // Errors name rows by index, which a removal shifts: they would point at the wrong row.
        errors.set(Vec::new());
        rows.update(|r| r.retain(|x| x.id() != id));
    };
    view! { <button type="button" class="secondary small" aria-label=label on:click=remove>"Remove"</button> }
}

/// The table of `rows`: `headers` over the cells each row draws (`cells(row, field)`, `field`
/// being the row's path, `{list}[i]`, or `{list}.{name}` for a list the document keys by
/// name), a last column of Remove buttons, and under a row the error the last save named it
/// (or anything inside it) with.
#[component]
pub fn RowTable<R, C, V>(
    rows: RwSignal<Vec<R>>,
    errors: FieldErrors,
    /// The list's field in the document sent (`pool`).
    list: &'static str,
    /// The columns before the Remove column.
    headers: &'static [&'static str],
    cells: C,
    /// Hide the table while it has no rows (the section says so in words instead).
    #[prop(optional)]
    hide_empty: bool,
    /// Each `<tr>` carries its number as typed in `data-number`.
    #[prop(optional)]
    number_attr: bool,
    /// The list is a map in the document (`destinations`): a row's path is its name as typed
    /// (`destinations.gold`), which this gives, rather than its position.
    #[prop(optional)]
    keyed_by: Option<fn(&R) -> RwSignal<String>>,
) -> impl IntoView
where
    R: EditableRow,
    C: Fn(R, Signal<String>) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    view! {
        <div class="table-wrap" hidden=move || hide_empty && rows.with(Vec::is_empty)>
            <table class="calls form-table">
                <thead><tr>
                    {headers.iter().map(|h| view! { <th>{*h}</th> }).collect_view()}
                    <th><span class="sr-only">"Remove"</span></th>
                </tr></thead>
                <tbody>
                    <For each=move || rows.get() key=|r| r.id() let:row>
                        {
                            let id = row.id();
                            let name = keyed_by.map(|name_of| name_of(&row));
                            let field = Signal::derive(move || match name {
                                Some(name) => format!("{list}.{}", name.get().trim()),
                                None => format!("{list}[{}]", row_index(rows, id)),
                            });
                            let number = row.number();
                            let remove = remove_button(rows, errors, &row);
                            view! {
                                <tr data-number=move || number_attr.then(|| number.get())>
                                    {cells(row, field)}
                                    <td>{remove}</td>
                                </tr>
                                <FieldErrorRow errors=errors field=field/>
                            }
                        }
                    </For>
                </tbody>
            </table>
        </div>
    }
}
