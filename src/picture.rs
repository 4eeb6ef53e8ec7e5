//! Reading and shrinking pictures in the browser. Decoding (`createImageBitmap`, with its resize
//! options) and encoding (`OffscreenCanvas.convertToBlob`) run off the main thread in Chromium and
//! Firefox, so a large screenshot does not freeze the page.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, ImageBitmap, ImageBitmapOptions, ImageEncodeOptions, OffscreenCanvas};

use crate::lifecycle::prepare::{
    plan_shrink, preflight, upload_name, FileProblem, ImageKind, ShrinkPlan,
};

/// A picture ready to upload.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The original file's name.
    pub original_name: String,
    pub original_bytes: u64,
    pub width: u32,
    pub height: u32,
    /// What will be uploaded: the original, or a smaller re-encoding.
    pub blob: Blob,
    pub upload_name: String,
    pub upload_bytes: u64,
    pub upload_width: u32,
    pub upload_height: u32,
}

/// Checks a file and shrinks it when the plan says so. Nothing is uploaded here.
pub async fn prepare(file: &File, shrink: bool, max_side: u32) -> Result<Prepared, FileProblem> {
    let bytes = file.size() as u64;
    let head = read_head(file).await;
    let kind = preflight(bytes, &head)?;
    let bitmap = decode(file.as_ref(), None)
        .await
        .ok_or(FileProblem::Undecodable)?;
    let (width, height) = (bitmap.width(), bitmap.height());
    bitmap.close();
    let name = file.name();
    let original = Prepared {
        original_name: name.clone(),
        original_bytes: bytes,
        width,
        height,
        blob: file.clone().into(),
        upload_name: upload_name(&name, kind),
        upload_bytes: bytes,
        upload_width: width,
        upload_height: height,
    };
    let ShrinkPlan::Encode {
        width: w,
        height: h,
        kind: out,
        quality,
    } = plan_shrink(kind, width, height, bytes, shrink, max_side)
    else {
        return Ok(original);
    };
    match encode(file.as_ref(), w, h, out, quality).await {
        // A re-encoding that came out bigger helps nobody.
        Some(blob) if (blob.size() as u64) < bytes || width.max(height) > max_side => {
            Ok(Prepared {
                upload_bytes: blob.size() as u64,
                upload_name: upload_name(&name, out),
                upload_width: w,
                upload_height: h,
                blob,
                ..original
            })
        }
        // Encoding is unavailable or failed: the original is still within the limit.
        _ => Ok(original),
    }
}

async fn read_head(file: &File) -> Vec<u8> {
    let Ok(head) = file.slice_with_i32_and_i32(0, 16) else {
        return Vec::new();
    };
    match JsFuture::from(head.array_buffer()).await {
        Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
        Err(_) => Vec::new(),
    }
}

async fn decode(blob: &Blob, size: Option<(u32, u32)>) -> Option<ImageBitmap> {
    let window = web_sys::window()?;
    let promise = match size {
        Some((w, h)) => {
            let options = ImageBitmapOptions::new();
            options.set_resize_width(w);
            options.set_resize_height(h);
            options.set_resize_quality(web_sys::ResizeQuality::High);
            window
                .create_image_bitmap_with_blob_and_image_bitmap_options(blob, &options)
                .ok()?
        }
        None => window.create_image_bitmap_with_blob(blob).ok()?,
    };
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

async fn encode(
    blob: &Blob,
    width: u32,
    height: u32,
    kind: ImageKind,
    quality: f64,
) -> Option<Blob> {
    let bitmap = decode(blob, Some((width, height))).await?;
    let canvas = OffscreenCanvas::new(width, height).ok()?;
    let context: web_sys::OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    if kind == ImageKind::Jpeg {
        // JPEG has no transparency: put see-through parts of a PNG on white, as SketchUp shows them.
        context.set_fill_style_str("#ffffff");
        context.fill_rect(0.0, 0.0, f64::from(width), f64::from(height));
    }
    context
        .draw_image_with_image_bitmap(&bitmap, 0.0, 0.0)
        .ok()?;
    bitmap.close();
    let options = ImageEncodeOptions::new();
    options.set_type(kind.mime());
    options.set_quality(quality);
    let promise = canvas.convert_to_blob_with_options(&options).ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// An object URL for a preview; revoke it with [`revoke`] when it is no longer shown.
pub fn object_url(blob: &Blob) -> Option<String> {
    web_sys::Url::create_object_url_with_blob(blob).ok()
}

pub fn revoke(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// The first picture file among a drop's or a paste's files.
pub fn first_file(list: Option<web_sys::FileList>) -> Option<File> {
    let list = list?;
    (0..list.length())
        .filter_map(|i| list.get(i))
        .find(|f| !f.type_().starts_with("text/"))
        .or_else(|| list.get(0))
}

/// Keeps `JsValue` in scope for callers that build `FormData`.
pub fn js_str(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// The built-in sample's file name (what the upload and the history show).
pub const SAMPLE_NAME: &str = "sketchup-sample.png";

/// The faces of the sample, back to front: a fill colour (`0xRRGGBB`) and the corners `x, y, x,
/// y, …` on a 640×400 canvas. A gabled house in two-point perspective, in SketchUp's default
/// style (flat faces, black edges, a pale sky over a grey-green ground).
const SAMPLE_FACES: &[(u32, &[i16])] = &[
    (0xd9e6ef, &[0, 0, 640, 0, 640, 232, 0, 232]),
    (0xc9c9b5, &[0, 232, 640, 232, 640, 400, 0, 400]),
    // The house's shadow on the ground.
    (0xb3b3a0, &[360, 322, 522, 296, 610, 306, 452, 338]),
    // Front wall, side wall and its gable.
    (0xf3f0e7, &[140, 292, 360, 322, 360, 182, 140, 176]),
    (0xd6d2c6, &[360, 322, 522, 296, 522, 180, 360, 182]),
    (0xd6d2c6, &[360, 182, 522, 180, 441, 112]),
    // Roof.
    (0x9b8f85, &[128, 178, 360, 184, 441, 112, 222, 104]),
    // Windows and the door.
    (0xa9c4d6, &[168, 214, 230, 220, 230, 262, 168, 257]),
    (0xa9c4d6, &[268, 224, 332, 231, 332, 274, 268, 268]),
    (0x8a6a4a, &[418, 308, 452, 303, 452, 241, 418, 244]),
    (0x95b1c4, &[470, 244, 506, 240, 506, 208, 470, 211]),
];

/// A small SketchUp-style screenshot drawn on the spot, for a first try without a picture of
/// one's own (the simulator only: a real site would bill the render). A PNG of about 10 KB.
pub async fn sample_screenshot() -> Option<File> {
    let canvas = OffscreenCanvas::new(640, 400).ok()?;
    let context: web_sys::OffscreenCanvasRenderingContext2d =
        canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context.set_stroke_style_str("#1a1a1a");
    context.set_line_width(1.5);
    context.set_line_join("round");
    for (i, (colour, corners)) in SAMPLE_FACES.iter().enumerate() {
        context.begin_path();
        for (n, point) in corners.chunks_exact(2).enumerate() {
            let (x, y) = (f64::from(point[0]), f64::from(point[1]));
            if n == 0 {
                context.move_to(x, y);
            } else {
                context.line_to(x, y);
            }
        }
        context.close_path();
        context.set_fill_style_str(&format!("#{colour:06x}"));
        context.fill();
        // Sky and ground have no edges; the horizon is where they meet.
        if i > 1 {
            context.stroke();
        }
    }
    let options = ImageEncodeOptions::new();
    options.set_type("image/png");
    let promise = canvas.convert_to_blob_with_options(&options).ok()?;
    let blob: Blob = JsFuture::from(promise).await.ok()?.dyn_into().ok()?;
    let bag = web_sys::FilePropertyBag::new();
    bag.set_type("image/png");
    File::new_with_blob_sequence_and_options(&js_sys::Array::of1(&blob), SAMPLE_NAME, &bag).ok()
}
