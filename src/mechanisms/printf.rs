//! NMODL's `printf`: NEURON's mechanisms print warnings and state with C's
//! printf; generated code calls [`printf`] with the same format string and
//! its numbers (NMODL has no other argument types), on stdout as NEURON.
//! Only the conversions of numbers are supported: `%g %e %f %d %i` with
//! flags, width and precision, and `%%`.

use std::fmt::Write as _;
use std::io::Write as _;

/// Prints `format` with `args` as C's printf would (numbers only).
pub fn printf(format: &str, args: &[f64]) {
    let text = render(format, args);
    let mut out = std::io::stdout().lock();
    // A closed stdout is no reason to stop a simulation.
    let _ = out.write_all(text.as_bytes());
}

/// The text printf would print.
pub fn render(format: &str, args: &[f64]) -> String {
    let mut out = String::new();
    let mut args = args.iter().copied();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut spec = String::new();
        while let Some(&d) = chars.peek() {
            if "-+ #0123456789.l".contains(d) {
                spec.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let Some(conversion) = chars.next() else { break };
        let left = spec.contains('-');
        let plus = spec.contains('+');
        let digits: String = spec.chars().filter(|c| c.is_ascii_digit() || *c == '.').collect();
        let (width, precision): (usize, Option<usize>) = match digits.split_once('.') {
            Some((w, p)) => (w.trim_start_matches('0').parse().unwrap_or(0), Some(p.parse().unwrap_or(0))),
            None => (digits.trim_start_matches('0').parse().unwrap_or(0), None),
        };
        // Rust's formatter takes at most 65535; nobody prints more.
        let (width, precision) = (width.min(1000), precision.map(|p| p.min(1000)));
        let x = args.next().unwrap_or(0.0);
        let mut body = match conversion {
            'd' | 'i' => format!("{}", x as i64),
            'f' | 'F' => format!("{:.*}", precision.unwrap_or(6), x),
            'e' | 'E' => c_exponent(format!("{:.*e}", precision.unwrap_or(6), x)),
            'g' | 'G' => general(x, precision.unwrap_or(6)),
            other => {
                out.push('%');
                out.push_str(&spec);
                out.push(other);
                continue;
            }
        };
        if plus && x >= 0.0 {
            body.insert(0, '+');
        }
        let pad = width.saturating_sub(body.chars().count());
        if left {
            let _ = write!(out, "{body}{}", " ".repeat(pad));
        } else {
            let _ = write!(out, "{}{body}", " ".repeat(pad));
        }
    }
    out
}

/// Rust's `1.5e3` as C's `1.5e+03`.
fn c_exponent(text: String) -> String {
    match text.split_once('e') {
        Some((mantissa, exponent)) => {
            let (sign, digits) = match exponent.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exponent),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => text,
    }
}

/// C's `%g`: `precision` significant digits, scientific notation when the
/// exponent is below -4 or not below the precision, trailing zeros dropped.
fn general(x: f64, precision: usize) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let p = precision.max(1);
    if x == 0.0 {
        return "0".into();
    }
    let scientific = format!("{:.*e}", p - 1, x);
    let exponent: i32 = scientific.split_once('e').and_then(|(_, e)| e.parse().ok()).unwrap_or(0);
    let trim = |s: &str| -> String {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s.to_string() }
    };
    if exponent < -4 || exponent >= p as i32 {
        let (mantissa, _) = scientific.split_once('e').unwrap_or((&scientific, ""));
        c_exponent(format!("{}e{exponent}", trim(mantissa)))
    } else {
        let decimals = (p as i32 - 1 - exponent).max(0) as usize;
        trim(&format!("{x:.decimals$}"))
    }
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn numbers_render_as_c_printf() {
        assert_eq!(render("tau_1 (%g) > tau_rec (%g)!\n", &[3.0, 0.5]), "tau_1 (3) > tau_rec (0.5)!\n");
        assert_eq!(render("%g %g %g %g", &[1e-5, 123456.0, 1234567.0, 0.0001]), "1e-05 123456 1.23457e+06 0.0001");
        assert_eq!(render("%5.2f|%-4d|%e|%%", &[1.23456, 7.9, 1500.0]), " 1.23|7   |1.500000e+03|%");
    }
}
