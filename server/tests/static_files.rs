//! The built app over plain HTTP with the `.br`/`.gz` siblings `cargo xtask build` writes: each
//! browser gets the encoding it accepts, with the original's type and cache headers, and the
//! bytes decode to the original file.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use common::*;
use su_render_server::{Mode, SimConfig};

const WASM: &str = "su-render-0123456789abcdef_bg.wasm";
const JS: &str = "su-render-0123456789abcdef.js";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli");
    out
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip body");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("a brotli body");
    out
}

/// What the build leaves: the page, the JS glue and a wasm-like binary, each with both
/// siblings, and the JS with only a `.gz` (as when brotli would not have been smaller).
struct Dist {
    dir: PathBuf,
    page: Vec<u8>,
    js: Vec<u8>,
    wasm: Vec<u8>,
}

fn write_with_siblings(dir: &Path, name: &str, bytes: &[u8], br: bool) {
    std::fs::write(dir.join(name), bytes).expect("original");
    std::fs::write(dir.join(format!("{name}.gz")), gzip(bytes)).expect(".gz");
    if br {
        std::fs::write(dir.join(format!("{name}.br")), brotli(bytes)).expect(".br");
    }
}

fn built_dist() -> Dist {
    let dir = dist();
    let page = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>SU Render test page</title>\
         <link rel=\"modulepreload\" href=\"./{JS}\"><link rel=\"preload\" href=\"./{WASM}\" \
         as=\"fetch\" type=\"application/wasm\" crossorigin=\"\"></head><body>{}</body></html>",
        "<p>compressible filler</p>".repeat(50)
    )
    .into_bytes();
    let js = (0..400)
        .map(|i| format!("export function __wbg_f{i}(a, b) {{ return a.f{i}(b); }}\n"))
        .collect::<String>()
        .into_bytes();
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    for i in 0..20_000u32 {
        wasm.extend_from_slice(&(i % 251).to_le_bytes());
    }
    write_with_siblings(&dir, "index.html", &page, true);
    write_with_siblings(&dir, JS, &js, false);
    write_with_siblings(&dir, WASM, &wasm, true);
    Dist {
        dir,
        page,
        js,
        wasm,
    }
}

/// A client that sends exactly the `Accept-Encoding` it is given, never decodes and never
/// follows a redirect.
async fn fetch(server: &Server, path: &str, accept_encoding: Option<&str>) -> Answer {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .no_zstd()
        .build()
        .expect("client");
    let mut request = client.get(server.url(path));
    if let Some(value) = accept_encoding {
        request = request.header(reqwest::header::ACCEPT_ENCODING, value);
    }
    answer(request.send().await.expect("GET")).await
}

fn header<'a>(answer: &'a Answer, name: &str) -> Option<&'a str> {
    answer.headers.get(name).and_then(|v| v.to_str().ok())
}

fn assert_varies(answer: &Answer) {
    let vary = header(answer, "vary").unwrap_or("").to_ascii_lowercase();
    assert!(
        vary.contains("accept-encoding"),
        "Vary: Accept-Encoding missing: {:?}",
        answer.headers
    );
}

#[tokio::test]
async fn precompressed_siblings_are_served_to_browsers_that_accept_them() {
    let built = built_dist();
    let server = start_in(built.dir.clone(), Mode::Simulator, SimConfig::default()).await;
    let wasm_path = format!("/{WASM}");

    // What Chromium sends: brotli is preferred.
    let br = fetch(&server, &wasm_path, Some("gzip, deflate, br, zstd")).await;
    assert_eq!(br.status, 200);
    assert_eq!(header(&br, "content-encoding"), Some("br"));
    assert_eq!(br.content_type, "application/wasm");
    assert_eq!(
        br.bytes,
        std::fs::read(built.dir.join(format!("{WASM}.br"))).expect(".br"),
        "the .br file as it is"
    );
    assert_eq!(unbrotli(&br.bytes), built.wasm);
    assert!(br.bytes.len() < built.wasm.len());
    assert_eq!(
        header(&br, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_varies(&br);

    // gzip only, and brotli refused by q=0.
    for accept in ["gzip", "br;q=0, gzip"] {
        let gz = fetch(&server, &wasm_path, Some(accept)).await;
        assert_eq!(gz.status, 200, "{accept}");
        assert_eq!(header(&gz, "content-encoding"), Some("gzip"), "{accept}");
        assert_eq!(gz.content_type, "application/wasm", "{accept}");
        assert_eq!(gunzip(&gz.bytes), built.wasm, "{accept}");
        assert_varies(&gz);
    }

    // No Accept-Encoding, or only encodings without a sibling: the original.
    for accept in [None, Some("identity"), Some("zstd")] {
        let plain = fetch(&server, &wasm_path, accept).await;
        assert_eq!(plain.status, 200, "{accept:?}");
        assert_eq!(header(&plain, "content-encoding"), None, "{accept:?}");
        assert_eq!(plain.content_type, "application/wasm", "{accept:?}");
        assert_eq!(plain.bytes, built.wasm, "{accept:?}");
        assert_varies(&plain);
    }
    let _ = std::fs::remove_dir_all(&built.dir);
}

#[tokio::test]
async fn the_page_and_a_file_with_only_a_gzip_sibling() {
    let built = built_dist();
    let server = start_in(built.dir.clone(), Mode::Simulator, SimConfig::default()).await;

    // `/` is `index.html`, and its sibling is found through the directory too.
    for path in ["/", "/index.html"] {
        let page = fetch(&server, path, Some("gzip, deflate, br")).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(header(&page, "content-encoding"), Some("br"), "{path}");
        assert!(page.content_type.starts_with("text/html"), "{path}");
        assert_eq!(unbrotli(&page.bytes), built.page, "{path}");
        assert_eq!(header(&page, "cache-control"), Some("no-cache"), "{path}");
        assert_varies(&page);
    }

    // The JS has no `.br` (the build skips one that would not be smaller): gzip instead.
    let js = fetch(&server, &format!("/{JS}"), Some("gzip, deflate, br")).await;
    assert_eq!(js.status, 200);
    assert_eq!(header(&js, "content-encoding"), Some("gzip"));
    assert!(
        js.content_type.contains("javascript"),
        "{}",
        js.content_type
    );
    assert_eq!(gunzip(&js.bytes), built.js);
    let only_br = fetch(&server, &format!("/{JS}"), Some("br")).await;
    assert_eq!(header(&only_br, "content-encoding"), None);
    assert_eq!(only_br.bytes, built.js);
    let _ = std::fs::remove_dir_all(&built.dir);
}

// The same rules for the app compiled into the binary (feature `embed`): a fixture folder is
// embedded with `include_dir!` here, exactly as `src/embedded.rs` embeds the release `dist/`,
// and served both ways; every answer must be the same, and right.

static FIXTURE: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/tests/fixtures/app");

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/app")
}

async fn fixture_server(app: su_render_server::StaticSource) -> Server {
    let mut settings = settings(Mode::runninghub());
    settings.app = app;
    start_with(settings).await
}

/// What a test compares: everything but the date.
fn essentials(answer: &Answer) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut headers: Vec<(String, String)> = answer
        .headers
        .iter()
        .filter(|(k, _)| *k != "date")
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_owned()))
        .collect();
    headers.sort();
    (answer.status, headers, answer.bytes.clone())
}

#[tokio::test]
async fn the_embedded_app_is_served_like_the_folder() {
    let embedded = fixture_server(su_render_server::StaticSource::Embedded(&FIXTURE)).await;
    let folder = fixture_server(su_render_server::StaticSource::Dir(fixture_dir())).await;
    let cases: &[(&str, Option<&str>)] = &[
        ("/", Some("gzip, deflate, br, zstd")),
        ("/", None),
        ("/index.html", Some("gzip")),
        ("/app-0123456789abcdef.js", Some("gzip, deflate, br")),
        ("/app-0123456789abcdef.js", Some("br")),
        ("/app-0123456789abcdef_bg.wasm", Some("br")),
        ("/style.css", None),
        ("/sub/", None),
        ("/sub", None),
        ("/missing.js", None),
    ];
    for (path, accept) in cases {
        let a = fetch(&embedded, path, *accept).await;
        let b = fetch(&folder, path, *accept).await;
        assert_eq!(essentials(&a), essentials(&b), "{path} {accept:?}");
    }

    let page = fetch(&embedded, "/", Some("gzip, deflate, br, zstd")).await;
    assert_eq!(page.status, 200);
    assert_eq!(header(&page, "content-encoding"), Some("br"));
    assert_eq!(page.content_type, "text/html; charset=utf-8");
    assert_eq!(
        unbrotli(&page.bytes),
        std::fs::read(fixture_dir().join("index.html")).expect("page")
    );
    assert_eq!(header(&page, "cache-control"), Some("no-cache"));
    assert_varies(&page);

    let js = fetch(
        &embedded,
        "/app-0123456789abcdef.js",
        Some("gzip, deflate, br"),
    )
    .await;
    assert_eq!(header(&js, "content-encoding"), Some("gzip"));
    assert_eq!(js.content_type, "text/javascript; charset=utf-8");
    assert_eq!(
        header(&js, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        gunzip(&js.bytes),
        std::fs::read(fixture_dir().join("app-0123456789abcdef.js")).expect("js")
    );

    let wasm = fetch(&embedded, "/app-0123456789abcdef_bg.wasm", None).await;
    assert_eq!(wasm.content_type, "application/wasm");
    assert_eq!(wasm.bytes, b"\0asm\x01\0\0\0");

    let sub = fetch(&embedded, "/sub", None).await;
    assert_eq!(sub.status, 307);
    assert_eq!(header(&sub, "location"), Some("/sub/"));
    let sub = fetch(&embedded, "/sub/", None).await;
    assert!(sub.text().contains("sub page"));

    assert_eq!(fetch(&embedded, "/missing.js", None).await.status, 404);
    // Nothing outside the folder (server/Cargo.toml is three levels up), sent as written.
    for server in [&embedded, &folder] {
        for path in [
            "/../../../Cargo.toml",
            "/%2e%2e/%2e%2e/%2e%2e/Cargo.toml",
            "/sub/..%2f..%2f..%2f..%2fCargo.toml",
            "/..\\..\\..\\Cargo.toml",
        ] {
            let (status, body) =
                raw(&server.base, &format!("GET {path} HTTP/1.1"), Vec::new()).await;
            assert_eq!(status, 404, "{path}: {body}");
            assert!(!body.contains("[package]"), "{path}");
        }
    }

    // Revalidation: the page's ETag answers 304.
    let etag = header(&page, "etag").expect("etag").to_owned();
    let again = answer(
        reqwest::Client::builder()
            .no_brotli()
            .no_gzip()
            .build()
            .expect("client")
            .get(embedded.url("/"))
            .header("accept-encoding", "gzip, deflate, br, zstd")
            .header("if-none-match", &etag)
            .send()
            .await
            .expect("GET"),
    )
    .await;
    assert_eq!(again.status, 304);
    assert!(again.bytes.is_empty());
}
