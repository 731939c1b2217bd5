//! Whole pages of the dashboard.

pub mod call;
pub mod calls;
pub mod install;
pub mod live;
pub mod login;
pub mod numbers;
pub mod orders;
pub mod overview;
pub mod report;
pub mod settings;
pub mod spend;
