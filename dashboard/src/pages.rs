//! Whole pages of the dashboard.

pub mod calls;
pub mod login;
