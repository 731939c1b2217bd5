//! Ad spend: imported from a file or pasted text (previewed and checked before it is sent),
//! the spend stored for the period by month and campaign, deleting a range of it, and the
//! Google Ads conversions file. Reports join the spend to calls for cost per call and ROI.

use crate::api::Session;
use crate::components::google_ads_export::GoogleAdsExport;
use crate::components::spend_import::SpendImport;
use crate::components::spend_table::SpendTable;
use crate::load::{fetch_on, Load};
use crate::page_url::use_page_url;
use crate::period::{Period, PeriodPicker};
use leptos::prelude::*;
use shared::{Currency, SiteSettings};

#[component]
pub fn SpendPage(session: Session, on_unauthorized: Callback<()>) -> impl IntoView {
    let page_url = use_page_url();
    let period = Memo::new(move |_| Period::or(&page_url.get(), "12m"));
    let range = Signal::derive(move || {
        let p = period.get();
        let (from, to) = p.dates();
        (from, to, p.label())
    });
    // Uploads are checked in the site's currency, as the edge checks them.
    let settings = fetch_on::<SiteSettings>(session.clone(), || "/settings".to_string(), on_unauthorized);
    let currency = Signal::derive(move || match settings.get() {
        Load::Ready(s) => Currency::parse(&s.currency, "currency").ok(),
        _ => None,
    });
    let again = RwSignal::new(0_u32);
    let imported = Callback::new(move |()| again.update(|n| *n += 1));
    view! {
        <section class="page spend">
            <div class="heading">
                <h1>"Ad spend"</h1>
                <PeriodPicker page_url=page_url year=true/>
            </div>
            {move || match settings.get() {
                Load::Failed(e) => Some(view! { <p class="error" role="alert">{e}</p> }),
                _ => None,
            }}
            <SpendImport session=session.clone() currency=currency imported=imported on_unauthorized=on_unauthorized/>
            <SpendTable session=session.clone() range=range again=again on_unauthorized=on_unauthorized/>
            <GoogleAdsExport session=session period=period/>
        </section>
    }
}
