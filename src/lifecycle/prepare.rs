//! Getting a picture ready for upload: what kind of file it is, whether RunningHub will take it,
//! and whether to shrink it first. Pure decisions; the browser does the decoding and encoding.

/// RunningHub's upload limit.
pub const MAX_UPLOAD_BYTES: u64 = 30 * 1024 * 1024;
/// Default cap on the longest side when shrinking.
pub const DEFAULT_MAX_SIDE: u32 = 2560;
/// Quality of re-encoded pictures.
pub const QUALITY: f64 = 0.92;
/// A PNG at most this big and within the size cap is uploaded as it is (its sharp lines survive).
pub const SMALL_PNG_BYTES: u64 = 4 * 1024 * 1024;

/// The picture formats RunningHub takes for image nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
}

impl ImageKind {
    pub fn mime(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Webp => "webp",
        }
    }

    /// Recognises a picture by its first bytes, not by its name: a text file renamed `.png` is
    /// not a PNG.
    pub fn sniff(head: &[u8]) -> Option<ImageKind> {
        if head.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
            Some(ImageKind::Png)
        } else if head.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(ImageKind::Jpeg)
        } else if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }
}

/// Why a file can't be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// Over RunningHub's 30 MB limit.
    TooLarge { bytes: u64 },
    /// Not a JPG, PNG or WEBP picture (by its content).
    NotAnImage,
    /// Looks like a picture but the browser can't decode it.
    Undecodable,
    /// An empty file.
    Empty,
}

/// The checks made before anything is uploaded or spent.
pub fn preflight(bytes: u64, head: &[u8]) -> Result<ImageKind, FileProblem> {
    if bytes == 0 {
        return Err(FileProblem::Empty);
    }
    if bytes > MAX_UPLOAD_BYTES {
        return Err(FileProblem::TooLarge { bytes });
    }
    ImageKind::sniff(head).ok_or(FileProblem::NotAnImage)
}

/// What to upload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShrinkPlan {
    /// The original file, as it is.
    Keep,
    /// Re-encode at this size (never larger than the original).
    Encode {
        width: u32,
        height: u32,
        kind: ImageKind,
        quality: f64,
    },
}

/// Decides whether to shrink a picture of this size before upload. Never upscales.
pub fn plan_shrink(
    kind: ImageKind,
    width: u32,
    height: u32,
    bytes: u64,
    enabled: bool,
    max_side: u32,
) -> ShrinkPlan {
    if !enabled || width == 0 || height == 0 {
        return ShrinkPlan::Keep;
    }
    let max_side = max_side.max(64);
    let longest = width.max(height);
    if longest <= max_side {
        // Within the cap: keep it unless it is a big PNG, which JPEG carries in far fewer bytes.
        return if kind == ImageKind::Png && bytes > SMALL_PNG_BYTES {
            ShrinkPlan::Encode {
                width,
                height,
                kind: ImageKind::Jpeg,
                quality: QUALITY,
            }
        } else {
            ShrinkPlan::Keep
        };
    }
    let scale = f64::from(max_side) / f64::from(longest);
    let fit = |side: u32| ((f64::from(side) * scale).round() as u32).clamp(1, max_side);
    // WebP keeps its format; everything else goes to JPEG, which every ComfyUI loader reads.
    let out = if kind == ImageKind::Webp {
        ImageKind::Webp
    } else {
        ImageKind::Jpeg
    };
    ShrinkPlan::Encode {
        width: fit(width),
        height: fit(height),
        kind: out,
        quality: QUALITY,
    }
}

/// The name of the uploaded file: the original stem with the new format's extension.
pub fn upload_name(original: &str, kind: ImageKind) -> String {
    let stem = original.rsplit_once('.').map_or(original, |(stem, _)| stem);
    let stem = if stem.trim().is_empty() {
        "screenshot"
    } else {
        stem
    };
    format!("{stem}.{}", kind.extension())
}

/// Sizes for people: `812 KB`, `31.0 MB`.
pub fn human_bytes(bytes: u64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{} KB", super::decimal::fixed(b / KB, 0))
    } else {
        format!("{} MB", super::decimal::fixed(b / KB / KB, 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];

    #[test]
    fn sniffing_by_content() {
        assert_eq!(ImageKind::sniff(PNG), Some(ImageKind::Png));
        assert_eq!(
            ImageKind::sniff(&[0xff, 0xd8, 0xff, 0xe0]),
            Some(ImageKind::Jpeg)
        );
        assert_eq!(
            ImageKind::sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 "),
            Some(ImageKind::Webp)
        );
        assert_eq!(ImageKind::sniff(b"hello, I am text pretending"), None);
        assert_eq!(ImageKind::sniff(b"GIF89a"), None);
        assert_eq!(ImageKind::sniff(&[]), None);
    }

    #[test]
    fn preflight_limits() {
        assert_eq!(preflight(1_000, PNG), Ok(ImageKind::Png));
        assert_eq!(preflight(MAX_UPLOAD_BYTES, PNG), Ok(ImageKind::Png));
        let over = 31 * 1024 * 1024;
        assert_eq!(
            preflight(over, PNG),
            Err(FileProblem::TooLarge { bytes: over })
        );
        assert_eq!(
            preflight(20, b"just some text here."),
            Err(FileProblem::NotAnImage)
        );
        assert_eq!(preflight(0, &[]), Err(FileProblem::Empty));
    }

    #[test]
    fn shrink_caps_the_longest_side_and_never_upscales() {
        assert_eq!(
            plan_shrink(ImageKind::Png, 7680, 4320, 40_000_000, true, 2560),
            ShrinkPlan::Encode {
                width: 2560,
                height: 1440,
                kind: ImageKind::Jpeg,
                quality: QUALITY
            }
        );
        assert_eq!(
            plan_shrink(ImageKind::Jpeg, 3000, 6000, 5_000_000, true, 2560),
            ShrinkPlan::Encode {
                width: 1280,
                height: 2560,
                kind: ImageKind::Jpeg,
                quality: QUALITY
            }
        );
        assert_eq!(
            plan_shrink(ImageKind::Webp, 5000, 100, 1_000_000, true, 2560),
            ShrinkPlan::Encode {
                width: 2560,
                height: 51,
                kind: ImageKind::Webp,
                quality: QUALITY
            }
        );
        assert_eq!(
            plan_shrink(ImageKind::Png, 1920, 1080, 900_000, true, 2560),
            ShrinkPlan::Keep
        );
        assert_eq!(
            plan_shrink(ImageKind::Jpeg, 1920, 1080, 9_000_000, true, 2560),
            ShrinkPlan::Keep
        );
        assert_eq!(
            plan_shrink(ImageKind::Png, 7680, 4320, 40_000_000, false, 2560),
            ShrinkPlan::Keep
        );
        assert_eq!(
            plan_shrink(ImageKind::Png, 2000, 1000, 6_000_000, true, 2560),
            ShrinkPlan::Encode {
                width: 2000,
                height: 1000,
                kind: ImageKind::Jpeg,
                quality: QUALITY
            }
        );
        for (w, h) in [(1, 9000), (9000, 1), (2561, 2561), (640, 480)] {
            if let ShrinkPlan::Encode { width, height, .. } =
                plan_shrink(ImageKind::Png, w, h, 50_000_000, true, 2560)
            {
                assert!(
                    width <= w
                        && height <= h
                        && width.max(height) <= 2560
                        && width >= 1
                        && height >= 1
                );
            }
        }
    }

    #[test]
    fn names_and_sizes() {
        assert_eq!(
            upload_name("living room.PNG", ImageKind::Jpeg),
            "living room.jpg"
        );
        assert_eq!(upload_name("noext", ImageKind::Png), "noext.png");
        assert_eq!(upload_name(".png", ImageKind::Png), "screenshot.png");
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(812 * 1024), "812 KB");
        assert_eq!(human_bytes(31 * 1024 * 1024), "31.0 MB");
    }
}

/// The name to save a rendering under: `<screenshot-name>-render-<date>[-n].<ext>`.
pub fn render_file_name(
    source: Option<&str>,
    date: &str,
    index: usize,
    url: &str,
    file_type: &str,
) -> String {
    let stem = source
        .map(|s| s.rsplit_once('.').map_or(s, |(stem, _)| stem))
        .map(|s| {
            s.trim()
                .replace(['/', '\\', ':', '*', '?', '"', '<', '>', '|'], "_")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "su-render".to_owned());
    let from_url = url
        .split(['?', '#'])
        .next()
        .and_then(|p| p.rsplit_once('.'))
        .map(|(_, e)| e)
        .filter(|e| e.len() <= 5 && !e.contains('/'));
    let ext = if file_type.is_empty() {
        from_url.unwrap_or("png")
    } else {
        file_type
    };
    let ext = ext.to_ascii_lowercase();
    if index == 0 {
        format!("{stem}-render-{date}.{ext}")
    } else {
        format!("{stem}-render-{date}-{}.{ext}", index + 1)
    }
}

#[cfg(test)]
mod naming_tests {
    use super::render_file_name;

    #[test]
    fn render_names() {
        assert_eq!(
            render_file_name(
                Some("living room.png"),
                "2026-11-29",
                0,
                "https://x/a.png",
                "png"
            ),
            "living room-render-2026-11-29.png"
        );
        assert_eq!(
            render_file_name(None, "2026-11-29", 1, "https://x/b.JPG?sig=1", ""),
            "su-render-render-2026-11-29-2.jpg"
        );
        assert_eq!(
            render_file_name(Some("a/b:c.webp"), "d", 0, "u", "png"),
            "a_b_c-render-d.png"
        );
    }
}
