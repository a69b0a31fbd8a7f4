//! The built-in mechanisms' NMODL sources check, and `neurite-modc` reports
//! one line per file with the place of each error.

use std::path::PathBuf;
use std::process::Command;

fn mechanisms_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("mechanisms")
}

#[test]
fn the_built_in_mechanisms_parse_and_check() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(mechanisms_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "mod") {
            let m = neurite_nmodl::check_file(&path).unwrap_or_else(|e| panic!("{e}"));
            names.push((m.name, m.kind));
        }
    }
    names.sort_by(|a, b| a.0.cmp(&b.0));
    use neurite_nmodl::MechanismKind::*;
    assert_eq!(
        names,
        [
            ("Exp2Syn".to_string(), Point),
            ("ExpSyn".to_string(), Point),
            ("IClamp".to_string(), Point),
            ("NetStim".to_string(), Artificial),
            ("ar".to_string(), Density),
            ("ca".to_string(), Density),
            ("cad".to_string(), Density),
            ("cat".to_string(), Density),
            ("hh".to_string(), Density),
            ("hh2".to_string(), Density),
            ("kca".to_string(), Density),
            ("km".to_string(), Density),
            ("pas".to_string(), Density),
        ]
    );
}

#[test]
fn modc_prints_one_line_per_file_and_fails_if_any_fails() {
    let dir = std::env::temp_dir().join(format!("neurite-modc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.mod");
    std::fs::write(&good, "NEURON { SUFFIX good RANGE g }\nPARAMETER { g = 1 }\nBREAKPOINT { }\n").unwrap();
    let bad = dir.join("bad.mod");
    std::fs::write(&bad, "NEURON { SUFFIX bad }\nBREAKPOINT {\n    x = 1 +\n}\n").unwrap();
    let verbatim = dir.join("c.mod");
    std::fs::write(&verbatim, "NEURON { SUFFIX c }\nINITIAL {\n  VERBATIM\n  x = 1;\n  ENDVERBATIM\n}\n").unwrap();
    let modc = env!("CARGO_BIN_EXE_neurite-modc");

    let out = Command::new(modc).arg("--check").arg(&good).arg(&bad).arg(&verbatim).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], format!("ok {}", good.display()));
    assert!(lines[1].starts_with(&format!("error {}:4:1: ", bad.display())), "{}", lines[1]);
    assert!(lines[1].contains("expression"), "{}", lines[1]);
    assert!(lines[2].starts_with(&format!("error {}:3:3: VERBATIM", verbatim.display())), "{}", lines[2]);
    assert!(!out.status.success());

    let out = Command::new(modc).arg("--check").arg(&good).output().unwrap();
    assert!(out.status.success());
    // Translation writes a Rust module per mechanism.
    let generated = dir.join("out");
    let out = Command::new(modc).arg("-o").arg(&generated).arg(&good).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let code = std::fs::read_to_string(generated.join("good.rs")).unwrap();
    assert!(code.contains("impl Mechanism for Instances"), "{code}");
    // What the code generator cannot do yet is an error at its place, never
    // a silent "ok".
    let table = dir.join("table.mod");
    std::fs::write(
        &table,
        "NEURON { SUFFIX ft }\nASSIGNED { x }\nBREAKPOINT { x = tau() }\nFUNCTION_TABLE tau(v (mV)) (ms)\n",
    )
    .unwrap();
    let out = Command::new(modc).arg(&table).output().unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(&format!("error {}:3:", table.display())) && text.contains("FUNCTION_TABLE"), "{text}");
    let out = Command::new(modc).arg(dir.join("missing.mod")).output().unwrap();
    assert!(!out.status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}
