//! The spend stored for a period, by month and campaign (`GET …/spend?group_by=month,campaign`),
//! with its total; and deleting the spend of a range of dates (`DELETE …/spend?from&to`),
//! once confirmed.

use crate::api::{self, ApiError, Session};
use crate::components::charts::plural;
use crate::load::{fetch_again_on, Load};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::{SpendChange, SpendList};

/// The Spend table of `[from, to]` (dates, both included), loaded again when `again` changes.
#[component]
pub fn SpendTable(
    session: Session,
    /// The period's first and last dates, and how the page names it.
    range: Signal<(String, String, String)>,
    again: RwSignal<u32>,
    on_unauthorized: Callback<()>,
) -> impl IntoView {
    let data = fetch_again_on::<SpendList>(
        session.clone(),
        move || {
            let (from, to, _) = range.get();
            let pairs = [
                ("from".to_string(), from),
                ("to".to_string(), to),
                ("group_by".into(), "month,campaign".into()),
            ];
            format!("/spend?{}", api::query(&pairs))
        },
        again.into(),
        on_unauthorized,
    );
    view! {
        <div class="card spend-list">
            <h2>{move || format!("Spend in {}", range.get().2)}</h2>
            {move || match data.get() {
                Load::Loading => view! { <p class="muted" role="status">"Loading the spend…"</p> }.into_any(),
                Load::Failed(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                Load::Ready(list) if list.rows.is_empty() => view! {
                    <p class="empty" role="status">{format!(
                        "No spend imported for {} to {}. Import a file above: reports then show cost per call and ROI.",
                        list.from, list.to
                    )}</p>
                }.into_any(),
                Load::Ready(list) => {
                    let currency = list.currency.code();
                    let rows = list.rows.iter().map(|r| {
                        let month = r.key.first().cloned().unwrap_or_default();
                        let campaign = r.key.get(1).cloned().unwrap_or_default();
                        let (month_cell, campaign_cell) = (month.clone(), campaign.clone());
                        view! {
                            <tr data-month=month data-campaign=campaign>
                                <td class="month">{month_cell}</td>
                                <td class="campaign">{campaign_cell}</td>
                                <td class="num spend">{r.spend.clone()}</td>
                            </tr>
                        }
                    }).collect_view();
                    view! {
                        <div class="table-wrap">
                            <table class="calls spend-table">
                                <thead><tr><th>"Month"</th><th>"Campaign"</th><th class="num">{format!("Spend ({currency})")}</th></tr></thead>
                                <tbody>{rows}</tbody>
                                <tfoot><tr class="total"><th scope="row" colspan="2">"Total"</th>
                                    <td class="num spend">{list.total.clone()}</td></tr></tfoot>
                            </table>
                        </div>
                        <p class="hint">{format!("{} to {}, by the dates the spend is for.", list.from, list.to)}</p>
                    }.into_any()
                }
            }}
            <DeleteSpend session=session range=range again=again on_unauthorized=on_unauthorized/>
        </div>
    }
}

/// Two dates and a button that deletes the spend between them (both included), confirmed.
#[component]
fn DeleteSpend(
    session: Session,
    range: Signal<(String, String, String)>,
    again: RwSignal<u32>,
    on_unauthorized: Callback<()>,
) -> impl IntoView {
    // The page's period until the marketer picks other dates.
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    Effect::new(move |_| {
        let (f, t, _) = range.get();
        from.set(f);
        to.set(t);
    });
    let outcome = RwSignal::new(None::<Result<String, String>>);
    let deleting = RwSignal::new(false);
    let delete = move |_| {
        let (f, t) = (from.get_untracked(), to.get_untracked());
        if f.is_empty() || t.is_empty() {
            outcome.set(Some(Err("Pick the first and last dates to delete.".into())));
            return;
        }
        let question =
            format!("Delete all spend from {f} to {t}? Reports lose it until it is imported again.");
        let confirmed =
            web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false);
        if !confirmed || deleting.get_untracked() {
            return;
        }
        deleting.set(true);
        outcome.set(None);
        let session = session.clone();
        spawn_local(async move {
            let pairs = [("from".to_string(), f.clone()), ("to".to_string(), t.clone())];
            let result =
                api::delete::<SpendChange>(&session, &format!("/spend?{}", api::query(&pairs))).await;
            deleting.try_set(false);
            match result {
                Ok(change) => {
                    let days = plural(change.days, "day");
                    outcome.try_set(Some(Ok(format!("Deleted {days} of spend, {f} to {t}."))));
                    again.try_update(|n| *n += 1);
                }
                Err(ApiError::Unauthorized) => on_unauthorized.run(()),
                Err(e) => {
                    outcome.try_set(Some(Err(format!("Not deleted. {e}"))));
                }
            }
        });
    };
    view! {
        <details class="delete-spend">
            <summary>"Delete spend"</summary>
            <div class="row">
                <label>"From " <input type="date" name="delete_from" bind:value=from/></label>
                <label>"to " <input type="date" name="delete_to" bind:value=to/></label>
                <button type="button" class="secondary danger" on:click=delete disabled=move || deleting.get()>
                    {move || if deleting.get() { "Deleting…" } else { "Delete spend in these dates" }}
                </button>
            </div>
            {move || match outcome.get() {
                Some(Ok(m)) => Some(view! { <p class="saved" role="status">{m}</p> }.into_any()),
                Some(Err(m)) => Some(view! { <p class="error" role="alert">{m}</p> }.into_any()),
                None => None,
            }}
        </details>
    }
}
