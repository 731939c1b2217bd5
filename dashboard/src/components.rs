//! Reusable pieces of the dashboard's pages.

pub mod call_steps;
pub mod calls_table;
pub mod charts;
pub mod field_error;
pub mod row_table;
pub mod text_field;
