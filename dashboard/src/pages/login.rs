//! Sign-in: a site id and its API token, checked against the edge before they are kept.

use crate::api::{self, Session};
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn LoginPage(on_sign_in: Callback<Session>) -> impl IntoView {
    let site = RwSignal::new("demo".to_string());
    let token = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let session = Session {
            site: site.get_untracked().trim().to_string(),
            token: token.get_untracked().trim().to_string(),
        };
        if session.site.is_empty() || session.token.is_empty() {
            error.set(Some("Enter the site id and its API token.".into()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::get::<shared::wire::CallsPage>(&session, "/calls?per_page=1").await {
                Ok(_) => on_sign_in.run(session),
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card login" on:submit=submit>
            <h1>"Sign in"</h1>
            <label>"Site id" <input name="site" bind:value=site autocomplete="username"/></label>
            <label>"API token" <input name="token" type="password" bind:value=token autocomplete="current-password"/></label>
            <button type="submit" disabled=move || busy.get()>{move || if busy.get() { "Checking…" } else { "Sign in" }}</button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <p class="hint">"Running locally? The demo site's token is printed by " <code>"make dev"</code> "."</p>
        </form>
    }
}
