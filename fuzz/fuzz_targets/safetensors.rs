//! `from_bytes_with_metadata` and `load_state_dict` into a small model on
//! arbitrary bytes: `Ok` or `Err`, never a panic. Whatever parses must
//! write back and parse again to the same bytes.
#![no_main]

use gradflow::io::{from_bytes, from_bytes_with_metadata, load_state_dict, to_bytes};
use gradflow::nn::{BatchNorm1d, Dense, Init, Relu, Sequential};
use gradflow::{Rng, SeedableRng};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((state, _metadata)) = from_bytes_with_metadata(data) else {
        return;
    };
    // Compared as bytes: NaN != NaN, but its bits round-trip.
    if let Ok(again) = to_bytes(&state) {
        assert_eq!(to_bytes(&from_bytes(&again).unwrap()).unwrap(), again);
    }
    let mut rng = Rng::seed_from_u64(5);
    let mut model = Sequential::<f32>::new()
        .push(Dense::new(3, 4, Init::he_normal(), &mut rng))
        .push(BatchNorm1d::new(4))
        .push(Relu)
        .push(Dense::new(4, 2, Init::xavier_uniform(), &mut rng));
    let _ = load_state_dict(&mut model, &state, false);
    let _ = load_state_dict(&mut model, &state, true);
});
