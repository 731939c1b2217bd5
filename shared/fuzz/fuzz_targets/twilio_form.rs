//! `make fuzz`: see `shared::fuzz_checks::twilio_form`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shared::fuzz_checks::twilio_form(data));
