//! Compiles hnn-core 0.6.1's seven channel files (ar, ca, cad, cat, hh2, kca, km) with neurite's
//! NMODL compiler, and tells the tests where hnn-core's model files are
//! (`HNN_CORE_PARAM_DIR`: its param/default.json and neymotin2020_base.json).
//! The files are fetched from PyPI into the user's cache the first time
//! (they are never committed); `NEURITE_HNN_MOD` names another directory
//! that holds the .mod files.

use std::path::PathBuf;

const CHANNELS: &[&str] = &["ar", "ca", "cad", "cat", "hh2", "kca", "km"];

fn mod_dir() -> PathBuf {
    println!("cargo:rerun-if-env-changed=NEURITE_HNN_MOD");
    if let Ok(dir) = std::env::var("NEURITE_HNN_MOD") {
        return dir.into();
    }
    let cache = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache"))
        .join("neurite")
        .join("hnn-core-0.6.1");
    let dir = cache.join("hnn_core-0.6.1").join("hnn_core").join("mod");
    if !dir.is_dir() {
        std::fs::create_dir_all(&cache).expect("cache directory");
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let status = std::process::Command::new(&python)
            .args(["-m", "pip", "download", "--no-deps", "-q", "-d"])
            .arg(&cache)
            .arg("hnn-core==0.6.1")
            .status()
            .expect("python3 runs");
        assert!(status.success(), "could not download hnn-core 0.6.1 from PyPI");
        let status = std::process::Command::new("tar")
            .arg("xzf")
            .arg(cache.join("hnn_core-0.6.1.tar.gz"))
            .arg("-C")
            .arg(&cache)
            .arg("--wildcards")
            .arg("*/hnn_core/mod/*.mod")
            .arg("*/hnn_core/param/*.json")
            .status()
            .expect("tar runs");
        assert!(status.success(), "could not unpack hnn-core 0.6.1");
    }
    dir
}

fn main() {
    let dir = mod_dir();
    let param = dir.parent().expect("hnn_core/mod has a parent").join("param");
    if !param.join("default.json").is_file() {
        let sdist = param.parent().and_then(|p| p.parent()).and_then(|p| p.parent()).expect("cache layout");
        let status = std::process::Command::new("tar")
            .arg("xzf")
            .arg(sdist.join("hnn_core-0.6.1.tar.gz"))
            .arg("-C")
            .arg(sdist)
            .arg("--wildcards")
            .arg("*/hnn_core/param/*.json")
            .status()
            .expect("tar runs");
        assert!(status.success(), "could not unpack hnn-core 0.6.1's parameter files");
    }
    println!("cargo:rustc-env=HNN_CORE_PARAM_DIR={}", param.display());
    let mut builder = neurite_nmodl::Builder::new();
    for channel in CHANNELS {
        builder = builder.file(dir.join(format!("{channel}.mod")));
    }
    builder.compile().unwrap_or_else(|e| panic!("error {e}"));
}
