//! Entry point: panics go to the console, then the app mounts on `<body>`.

fn main() {
    console_error_panic_hook::set_once();
    // The static skeleton in index.html shows until the app is ready; replace it.
    if let Some(shell) = leptos::prelude::document().get_element_by_id("shell") {
        shell.remove();
    }
    leptos::mount::mount_to_body(su_render::App);
}
