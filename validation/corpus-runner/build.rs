//! Includes the Rust modules that `scripts/corpus_vs_neuron.py` translated
//! from the public .mod corpora (one directory per corpus under
//! `NEURITE_CORPUS_MODULES`, default `~/.cache/neurite/corpus/compare`), and
//! lists their catalogue entries. Without that directory the runner is built
//! with no mechanisms.

use std::fmt::Write as _;
use std::path::PathBuf;

fn modules_dir() -> PathBuf {
    println!("cargo:rerun-if-env-changed=NEURITE_CORPUS_MODULES");
    if let Ok(dir) = std::env::var("NEURITE_CORPUS_MODULES") {
        return dir.into();
    }
    std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache"))
        .join("neurite")
        .join("corpus")
        .join("compare")
}

fn main() {
    let dir = modules_dir();
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut code = String::new();
    let mut entries = Vec::new();
    let mut corpora: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    corpora.sort();
    for (c, corpus) in corpora.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", corpus.display());
        let corpus_name = corpus.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        let mut files: Vec<PathBuf> = std::fs::read_dir(corpus)
            .expect("readable corpus directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        files.sort();
        writeln!(code, "pub mod corpus{c} {{").ok();
        for (f, file) in files.iter().enumerate() {
            println!("cargo:rerun-if-changed={}", file.display());
            let text = std::fs::read_to_string(file).expect("readable module");
            let module = text
                .lines()
                .find_map(|l| l.strip_prefix("pub mod ").and_then(|r| r.strip_suffix(" {")))
                .expect("a generated module")
                .to_string();
            writeln!(code, "    pub mod file{f} {{ include!({:?}); }}", file.display().to_string()).ok();
            entries.push(format!("({corpus_name:?}, &corpus{c}::file{f}::{module}::INFO)"));
        }
        writeln!(code, "}}").ok();
    }
    writeln!(code, "/// (corpus, catalogue entry) of every translated mechanism.").ok();
    writeln!(code, "pub static ALL: &[(&str, &neurite::mechanisms::MechanismInfo)] = &[{}];", entries.join(", ")).ok();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("corpus_modules.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
