//! `Checkpoint::from_bytes` on arbitrary bytes: `Ok` or `Err`, never a
//! panic; a checkpoint that parses round-trips.
#![no_main]

use gradflow::io::Checkpoint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Compared as bytes: NaN != NaN, but its bits round-trip.
    if let Ok(c) = Checkpoint::from_bytes(data) {
        let bytes = c.to_bytes().unwrap();
        let again = Checkpoint::from_bytes(&bytes).unwrap();
        assert_eq!(again.to_bytes().unwrap(), bytes);
        assert_eq!(again.step, c.step);
    }
});
