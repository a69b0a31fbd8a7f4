//! `neurite-modc [--check] [-o DIR] FILE.mod...`: checks and translates
//! NMODL files as nocmodl and modcc do, printing one line per file, `ok
//! FILE` or `error FILE:LINE:COL: message`, and exits 0 only if every file
//! passes. Translation produces a Rust module implementing neurite's
//! `Mechanism` (written to `DIR/<name>.rs` with `-o`); `--check` stops after
//! the parser and checker.

use std::process::ExitCode;

const USAGE: &str = "usage: neurite-modc [--check] [-o DIR] FILE.mod...";

fn main() -> ExitCode {
    let mut check_only = false;
    let mut out_dir: Option<std::path::PathBuf> = None;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check_only = true,
            "-o" => match args.next() {
                Some(dir) => out_dir = Some(dir.into()),
                None => {
                    eprintln!("neurite-modc: -o needs a directory\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                println!(
                    "  prints `ok FILE` or `error FILE:LINE:COL: message` per file; exit status 0 only if all pass"
                );
                println!("  --check  parse and check only");
                println!("  -o DIR   write the generated Rust module of each file to DIR/<mechanism>.rs");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => {
                eprintln!("neurite-modc: unknown flag `{flag}`\n{USAGE}");
                return ExitCode::from(2);
            }
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    }
    let options = neurite_nmodl::codegen::Options::default();
    let mut all_ok = true;
    // Module names written so far (two mechanisms may map to one name).
    let mut written: Vec<String> = Vec::new();
    for file in &files {
        let path = std::path::Path::new(file);
        let result = if check_only {
            neurite_nmodl::check_file(path).map(|_| None)
        } else {
            neurite_nmodl::translate_file(path, &options).map(Some)
        };
        match result {
            Ok(None) => println!("ok {file}"),
            Ok(Some((mechanism, code))) => {
                if let Some(dir) = &out_dir {
                    let (name, code) = neurite_nmodl::codegen::unique_module(&mechanism.name, code, &written);
                    written.push(name.clone());
                    let target = dir.join(format!("{name}.rs"));
                    if let Err(err) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&target, code)) {
                        all_ok = false;
                        println!("error {file}: could not write {}: {err}", target.display());
                        continue;
                    }
                }
                println!("ok {file}");
            }
            Err(err) => {
                all_ok = false;
                println!("error {err}");
            }
        }
    }
    if all_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
