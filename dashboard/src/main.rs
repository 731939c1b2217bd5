//! ringtrace's dashboard: mounts the app. Pages and the API client live in their modules.

mod api;
mod app;
mod components;
mod live;
mod load;
mod page_url;
mod pages;
mod period;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
