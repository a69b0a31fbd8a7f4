//! Compiles mod/*.mod into Rust mechanisms, as nrnivmodl does for NEURON.

fn main() {
    neurite_nmodl::Builder::new().dir("mod").compile().unwrap_or_else(|e| panic!("error {e}"));
}
