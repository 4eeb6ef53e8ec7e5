//! Fixed-point text of a float (`12.35`), for the few places that show or style one: sizes, zoom
//! and slider positions, coin estimates. `format!("{:.2}", x)` would do the same, but it pulls in
//! core's float formatter (Grisu and Dragon4, about 12 KB of wasm) for six call sites, and the
//! first load is what every visitor pays for.

/// Decimal text as a float without core's float parser (another 10 KB), for the same reason:
/// see [`crate::protocol::json::parse_f64`].
pub use crate::protocol::json::parse_f64 as parse;

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
    use super::fixed;

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
