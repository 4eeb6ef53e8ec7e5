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
