//! Decimal text to a float ([`parse`]) and fixed-point text of a float ([`fixed`], `12.35`),
//! for the few places that read or show one: money, budgets, sizes, zoom and slider positions,
//! coin estimates. `str::parse` and `format!("{:.2}", x)` would do the same, but they pull in
//! core's float parser and formatter (about 10 and 12 KB of wasm) for a handful of call sites,
//! and the first load is what every visitor pays for. (JSON numbers are serde_json's.)

/// Exact powers of ten as floats (10^22 is the last one a float holds exactly).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Decimal text as a float, correctly rounded: what `str::parse::<f64>` takes, except `inf`
/// and `nan` (`12`, `-0.35`, `+1.5`, `.5`, `5.`, `1e3`): money as RunningHub sends it, and what
/// a person types (a budget, a number field), which JSON's stricter syntax would refuse. These
/// have few digits, and those are read exactly with one multiplication or division (Clinger's
/// fast path); the rare others go to the platform's own parser (JavaScript's `parseFloat` in
/// the browser).
pub fn parse(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut at = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let negative = bytes.first() == Some(&b'-');
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    // A non-zero digit did not fit in the mantissa.
    let mut inexact = false;
    let mut digits = 0;
    let mut fraction = false;
    while let Some(&byte) = bytes.get(at) {
        match byte {
            b'0'..=b'9' => {
                digits += 1;
                let digit = u64::from(byte - b'0');
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa * 10 + digit;
                    exponent -= i64::from(fraction);
                } else {
                    inexact |= digit != 0;
                    exponent += i64::from(!fraction);
                }
            }
            b'.' if !fraction => fraction = true,
            _ => break,
        }
        at += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        at += 1;
        let sign = match bytes.get(at) {
            Some(b'-') => {
                at += 1;
                -1
            }
            Some(b'+') => {
                at += 1;
                1
            }
            _ => 1,
        };
        let start = at;
        let mut e: i64 = 0;
        while let Some(&byte @ b'0'..=b'9') = bytes.get(at) {
            e = (e * 10 + i64::from(byte - b'0')).min(1_000_000);
            at += 1;
        }
        if at == start {
            return None;
        }
        exponent += sign * e;
    }
    if at != bytes.len() {
        return None;
    }
    let signed = |v: f64| if negative { -v } else { v };
    if mantissa == 0 && !inexact {
        return Some(signed(0.0));
    }
    if !inexact && mantissa <= 1 << 53 && (-22..=22).contains(&exponent) {
        let m = mantissa as f64;
        let scale = POW10[exponent.unsigned_abs() as usize];
        return Some(signed(if exponent < 0 { m / scale } else { m * scale }));
    }
    platform::parse_float(text)
}

/// What the platform does better than a few lines here: the float cases off the fast paths.
#[cfg(target_arch = "wasm32")]
mod platform {
    /// The text was checked to be decimal syntax first, so `parseFloat` reads all of it.
    pub fn parse_float(text: &str) -> Option<f64> {
        Some(js_sys::Number::parse_float(text))
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    pub fn parse_float(text: &str) -> Option<f64> {
        text.parse().ok()
    }
}

/// `value` rounded half away from zero to `decimals` places (at most 9), with exactly that many
/// digits after the point; no point when `decimals` is 0. Not finite shows as `0`, since every
/// caller feeds it to a person or to CSS, where `NaN` helps nobody.
pub fn fixed(value: f64, decimals: u32) -> String {
    let decimals = decimals.min(9);
    if !value.is_finite() {
        return "0".into();
    }
    let scale = 10u64.pow(decimals);
    // 1.8e19 is just under u64::MAX; nothing shown here is near it.
    let scaled = (value.abs() * scale as f64).round().min(1.8e19) as u64;
    let sign = if value < 0.0 && scaled != 0 { "-" } else { "" };
    let whole = scaled / scale;
    if decimals == 0 {
        return format!("{sign}{whole}");
    }
    let fraction = scaled % scale;
    let width = decimals as usize;
    format!("{sign}{whole}.{fraction:0width$}")
}

#[cfg(test)]
mod tests {
    use super::{fixed, parse};

    #[test]
    fn floats_from_decimal_text() {
        for (text, want) in [
            ("0", 0.0),
            ("12", 12.0),
            ("0.35", 0.35),
            ("-4.256", -4.256),
            ("+1.5", 1.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("1e3", 1000.0),
            ("2.5E-3", 0.0025),
            ("1742822929000.0", 1742822929000.0),
            ("1742822929123.5", 1742822929123.5),
            ("0.350000000000000000000000000", 0.35),
            ("00012", 12.0),
        ] {
            assert_eq!(parse(text), Some(want), "{text}");
        }
        for bad in [
            "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "12a", " 1", "inf", "NaN", "1_000",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn floats_agree_with_core_off_the_fast_path_too() {
        let mut texts: Vec<String> = [
            "9007199254740993",
            "1.7976931348623157e308",
            "1e400",
            "4.9e-324",
            "123456789012345678901234567890",
            "0.1000000000000000055511151231257827",
            "3.14159265358979323846264338327950288",
            "1e23",
            "-8.5e-30",
        ]
        .map(String::from)
        .to_vec();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let digits = seed % 100_000_000;
            let places = (seed >> 40) % 9;
            let text = format!("{digits}");
            let split = text.len().saturating_sub(places as usize);
            texts.push(format!("{}.{}", &text[..split], &text[split..]));
        }
        for text in texts {
            assert_eq!(parse(&text), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn rounds_to_the_places_asked() {
        assert_eq!(fixed(12.345_6, 2), "12.35");
        assert_eq!(fixed(12.0, 2), "12.00");
        assert_eq!(fixed(0.05, 1), "0.1");
        assert_eq!(fixed(99.96, 1), "100.0");
        assert_eq!(fixed(2.5, 0), "3");
        assert_eq!(fixed(0.001, 3), "0.001");
        assert_eq!(fixed(1.25, 3), "1.250");
    }

    #[test]
    fn signs_and_odd_values() {
        assert_eq!(fixed(-4.256, 2), "-4.26");
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-0.0, 0), "0");
        assert_eq!(fixed(f64::NAN, 2), "0");
        assert_eq!(fixed(f64::INFINITY, 1), "0");
        assert_eq!(fixed(1.5, 20), "1.500000000");
    }

    #[test]
    fn agrees_with_core_away_from_ties() {
        for i in -2000..2000 {
            let x = f64::from(i) * 0.737 + 0.0001;
            assert_eq!(fixed(x, 2), format!("{x:.2}"), "{x}");
            assert_eq!(fixed(x, 0), format!("{x:.0}"), "{x}");
        }
    }
}
