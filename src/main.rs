//! Entry point: the app mounts on `<body>`.

fn main() {
    // Debug builds send panics to the console with their message. Release builds leave the hook
    // out: it pulls in the formatting machinery (-1.0 KiB gzip measured), and a panic aborts
    // either way (`panic = "abort"`).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // Not Leptos' `spawn_local`: its executor starts with the mount.
    wasm_bindgen_futures::spawn_local(async {
        // English is a part of the split build: fetched before the page shows in it. Without a
        // connection the page starts in Chinese, and its switch tries again.
        let saved = su_render::storage::Settings::load();
        su_render::components::parts::load_language(su_render::initial_lang(&saved)).await;
        // The static skeleton in index.html shows until the app is ready; replace it.
        if let Some(shell) = leptos::prelude::document().get_element_by_id("shell") {
            shell.remove();
        }
        leptos::mount::mount_to_body(su_render::App);
    });
}
