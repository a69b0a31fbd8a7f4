//! Compiles the Hay et al. channel set (BBP's .mod files, as mearec 1.11.0
//! ships them for L5_TTPC1_cADpyr232_1) with neurite's NMODL compiler. The
//! files are fetched from PyPI into the user's cache by
//! `scripts/nmodl_corpus.py`'s fetch the first time (never committed); `NEURITE_L5_MOD` names another directory that holds them.

use std::path::PathBuf;

const CHANNELS: &[&str] = &[
    "CaDynamics_E2",
    "Ca_HVA",
    "Ca_LVAst",
    "Ih",
    "Im",
    "K_Pst",
    "K_Tst",
    "NaTa_t",
    "NaTs2_t",
    "Nap_Et2",
    "SK_E2",
    "SKv3_1",
];

fn mod_dir() -> PathBuf {
    println!("cargo:rerun-if-env-changed=NEURITE_L5_MOD");
    if let Ok(dir) = std::env::var("NEURITE_L5_MOD") {
        return dir.into();
    }
    let cache = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache"));
    let dir = cache.join("neurite/corpus/mearec/unpacked/MEArec/cell_models/bbp/L5_TTPC1_cADpyr232_1/mechanisms");
    if !dir.is_dir() {
        let scripts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../scripts");
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        // Only the corpus script's fetch (its other steps run cargo, which
        // must not be called from a build script).
        let fetch =
            format!("import sys; sys.path.insert(0, {:?}); import nmodl_corpus; nmodl_corpus.fetch('mearec')", scripts);
        let status = std::process::Command::new(&python).args(["-c", &fetch]).status().expect("python3 runs");
        assert!(dir.is_dir(), "could not fetch mearec 1.11.0 from PyPI ({status})");
    }
    dir
}

fn main() {
    let dir = mod_dir();
    let mut builder = neurite_nmodl::Builder::new();
    for channel in CHANNELS {
        builder = builder.file(dir.join(format!("{channel}.mod")));
    }
    builder.compile().unwrap_or_else(|e| panic!("error {e}"));
}
