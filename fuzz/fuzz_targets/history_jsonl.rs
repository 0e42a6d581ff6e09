//! `history_from_jsonl` on arbitrary text: `Ok` or `Err`, never a panic;
//! what parses writes back and parses again to as many records.
#![no_main]

use gradflow::monitor::{history_from_jsonl, history_to_jsonl};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(records) = history_from_jsonl(text) {
        let again = history_from_jsonl(&history_to_jsonl(&records)).unwrap();
        assert_eq!(again.len(), records.len());
    }
});
