//! Entry point: the app mounts on `<body>`.

fn main() {
    // Debug builds send panics to the console with their message. Release builds leave the hook
    // out: it pulls in the formatting machinery (-1.0 KiB gzip measured), and a panic aborts
    // either way (`panic = "abort"`).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // The static skeleton in index.html shows until the app is ready; replace it.
    if let Some(shell) = leptos::prelude::document().get_element_by_id("shell") {
        shell.remove();
    }
    leptos::mount::mount_to_body(su_render::App);
}
