//! Cross-component suites, one module per concept. Each test starts its own `wrangler dev`
//! with fresh local storage (and, for end-to-end runs, its own Chromium) and stops them.

mod abuse;
mod admin_api;
mod api_contract;
mod bad_input;
mod call_events;
mod call_flows;
mod calls_api;
mod consent;
mod crm_webhooks;
mod dashboard;
mod data_lifecycle;
mod end_to_end;
mod faults;
mod lease_api;
mod live;
mod masking;
mod money;
mod origins;
mod routing;
mod settings_api;
mod sites_api;
mod telephony;
mod tenancy;
mod widget_pages;
