//! `make fuzz`: see `shared::fuzz_checks::signatures`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shared::fuzz_checks::signatures(data));
