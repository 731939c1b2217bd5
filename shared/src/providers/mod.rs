//! Telephony providers: Twilio's webhooks read as provider-neutral call events, the TwiML we
//! answer with, and Twilio's request signature. (Other providers post the neutral format of
//! `wire::CallEventBody`.) Uses `support` and `calls`.

pub mod twilio;
mod twilio_signature;

pub use twilio_signature::{twilio_signature, twilio_url_candidates, verify_twilio};
