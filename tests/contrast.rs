//! The palette in style/main.css meets WCAG AA (4.5:1 for text) in light and dark mode, for every
//! text colour on both surfaces it is used on. Native test: it reads the CSS as text.

#![cfg(not(target_arch = "wasm32"))]
const CSS: &str = include_str!("../style/main.css");

/// The `--name: #rrggbb;` custom properties of the first block that follows `marker`.
fn palette(marker: &str) -> Vec<(String, String)> {
    let start = CSS.find(marker).expect("palette block");
    let block = &CSS[start + marker.len()..];
    let block = &block[..block.find('}').expect("block end")];
    block
        .split(';')
        .filter_map(|decl| {
            let (name, value) = decl.split_once(':')?;
            let name = name.trim().strip_prefix("--")?;
            let value = value.trim();
            (value.starts_with('#') && value.len() == 7)
                .then(|| (name.to_owned(), value.to_owned()))
        })
        .collect()
}

fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

fn ratio(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn check(marker: &str) {
    let colours = palette(marker);
    let get = |name: &str| {
        colours
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("--{name} in {marker}"))
    };
    for text in ["ink", "muted", "accent", "ok", "bad", "warn"] {
        for surface in ["card", "bg"] {
            let r = ratio(get(text), get(surface));
            assert!(
                r >= 4.5,
                "{marker}: --{text} on --{surface} is {r:.2}:1, below AA"
            );
        }
    }
    let r = ratio(get("accent-ink"), get("accent"));
    assert!(r >= 4.5, "{marker}: button text on --accent is {r:.2}:1");
}

#[test]
fn light_palette_meets_aa() {
    check(":root {");
}

#[test]
fn dark_palette_meets_aa() {
    check("@media (prefers-color-scheme: dark) {\n  :root {");
}
