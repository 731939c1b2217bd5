//! Reusable pieces of the dashboard's pages.

pub mod calls_table;
pub mod charts;
