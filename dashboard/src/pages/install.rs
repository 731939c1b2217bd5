//! The one line a site owner pastes into their site, with a copy button.

use crate::api::Session;
use leptos::prelude::*;

#[component]
pub fn InstallPage(session: Session) -> impl IntoView {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    let tag = format!(r#"<script async src="{origin}/widget.js" data-site="{}"></script>"#, session.site);
    let copied = RwSignal::new(false);
    let copy = {
        let tag = tag.clone();
        move |_| {
            if let Some(w) = web_sys::window() {
                let _ = w.navigator().clipboard().write_text(&tag);
                copied.set(true);
            }
        }
    };
    view! {
        <section class="page">
            <h1>"Install the tracking tag"</h1>
            <div class="card">
                <p>"Paste this line into every page of your site, anywhere in the HTML (the end of "
                    <code>"<head>"</code>" is a good place). It shows each visitor a tracking number in place of your business number and leaves the page as it is if anything fails."</p>
                <pre class="tag"><code id="tag">{tag}</code></pre>
                <button type="button" on:click=copy>{move || if copied.get() { "Copied" } else { "Copy the tag" }}</button>
                <p class="hint">"Pages with a Content Security Policy must allow this origin in "
                    <code>"script-src"</code>" and "<code>"connect-src"</code>", and "<code>"'wasm-unsafe-eval'"</code>" in "<code>"script-src"</code>"."</p>
                <p class="hint">"Then list your site's address under "<a href="#/settings">"Settings → Widget"</a>", so no other website can show (or use up) your tracking numbers."</p>
                <p class="hint">"Check a page: add "<code>"?ringtrace_debug"</code>" to its address and open the browser console."</p>
            </div>
        </section>
    }
}
