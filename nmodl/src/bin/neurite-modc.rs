//! `neurite-modc FILE.mod...`: checks and translates NMODL files as nocmodl
//! and modcc do, printing one line per file, `ok FILE` or `error
//! FILE:LINE:COL: message`, and exits 0 only if every file translates.
//!
//! The code generator is not written yet: `--check` runs the stages that
//! exist (parse and check); without it every file that passes them is
//! reported as not translated.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut check_only = false;
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check_only = true,
            "-h" | "--help" => {
                println!("usage: neurite-modc [--check] FILE.mod...");
                println!(
                    "  prints `ok FILE` or `error FILE:LINE:COL: message` per file; exit status 0 only if all pass"
                );
                println!("  --check  parse and check only (code generation is not implemented yet)");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => {
                eprintln!("neurite-modc: unknown flag `{flag}`\nusage: neurite-modc [--check] FILE.mod...");
                return ExitCode::from(2);
            }
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        eprintln!("usage: neurite-modc [--check] FILE.mod...");
        return ExitCode::from(2);
    }
    let mut all_ok = true;
    for file in &files {
        match neurite_nmodl::check_file(std::path::Path::new(file)) {
            Ok(_) if check_only => println!("ok {file}"),
            Ok(_) => {
                all_ok = false;
                println!(
                    "error {file}:1:1: code generation to Rust is not implemented yet (the file parses and checks)"
                );
            }
            Err(err) => {
                all_ok = false;
                println!("error {err}");
            }
        }
    }
    if all_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
