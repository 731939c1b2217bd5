//! `make fuzz`: see `shared::fuzz_checks::traffic_source`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| shared::fuzz_checks::traffic_source(data));
