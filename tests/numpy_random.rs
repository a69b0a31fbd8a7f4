//! NumPy's legacy RandomState reproduced number for number: the draws of
//! tests/data/numpy_legacy.csv (scripts/neuron_reference.py numpy-legacy,
//! NumPy in the reference venv) replayed with `NumpyRandomState`.

use neurite::numpy_random::NumpyRandomState;

#[test]
fn every_draw_is_numpys_bit_for_bit() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/numpy_legacy.csv")).unwrap();
    let mut rows: Vec<(u32, String, f64)> = Vec::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        rows.push((fields[0].parse().unwrap(), fields[2].to_string(), fields[3].parse().unwrap()));
    }
    let seeds: Vec<u32> = rows.iter().map(|r| r.0).fold(Vec::new(), |mut seen, s| {
        if !seen.contains(&s) {
            seen.push(s);
        }
        seen
    });
    assert_eq!(seeds.len(), 5);
    for seed in seeds {
        let expected: Vec<&(u32, String, f64)> = rows.iter().filter(|r| r.0 == seed).collect();
        let mut rng = NumpyRandomState::new(seed);
        let mut got = Vec::new();
        got.extend((0..3).map(|_| rng.random_sample()));
        got.extend(rng.normals(10.0, 2.5, 5));
        got.push(rng.random_sample());
        got.push(rng.normal(-3.0, 0.5));
        got.extend((0..4).map(|_| rng.exponential(0.05)));
        got.extend((0..3).map(|_| rng.uniform(-1.0, 3.0)));
        got.extend(rng.normals(0.0, 1.0, 1500).split_off(1497));
        got.push(rng.random_sample());
        assert_eq!(got.len(), expected.len(), "seed {seed}");
        for (k, (value, row)) in got.iter().zip(&expected).enumerate() {
            assert_eq!(
                value.to_bits(),
                row.2.to_bits(),
                "seed {seed}, draw {k} ({}): {value} vs NumPy's {}",
                row.1,
                row.2
            );
        }
    }
}
