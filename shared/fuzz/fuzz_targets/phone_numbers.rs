//! `make fuzz`: see `shared::fuzz_checks::phone_numbers`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shared::fuzz_checks::phone_numbers(data));
