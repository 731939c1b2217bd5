//! The app shell: sign-in until a site and token are known, then the calls page.

use crate::api::Session;
use crate::pages::{calls::CallsPage, login::LoginPage};
use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    let session = RwSignal::new(Session::restore());
    let sign_in = Callback::new(move |s: Session| {
        s.remember();
        session.set(Some(s));
    });
    let sign_out = Callback::new(move |()| {
        Session::forget();
        session.set(None);
    });
    view! {
        <header class="bar">
            <span class="brand">"ringtrace"</span>
            {move || session.get().map(|s| view! {
                <span class="site">"Site " <code>{s.site.clone()}</code></span>
                <button class="link" on:click=move |_| sign_out.run(())>"Sign out"</button>
            })}
        </header>
        <main>
            {move || match session.get() {
                Some(s) => view! { <CallsPage session=s on_unauthorized=sign_out/> }.into_any(),
                None => view! { <LoginPage on_sign_in=sign_in/> }.into_any(),
            }}
        </main>
    }
}
