//! Reusable pieces of the dashboard's pages.

pub mod call_steps;
pub mod call_value;
pub mod calls_table;
pub mod charts;
pub mod field_error;
pub mod google_ads_export;
pub mod live_call;
pub mod live_status;
pub mod masking;
pub mod money;
pub mod pager;
pub mod row_table;
pub mod screen_pop;
pub mod session_calls;
pub mod spend_import;
pub mod spend_preview;
pub mod spend_table;
pub mod text_field;
pub mod url_filters;
