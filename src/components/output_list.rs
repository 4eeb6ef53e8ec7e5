use leptos::prelude::*;

use leptos::task::spawn_local;

use super::Viewer;
use crate::browser;
use crate::i18n::fill;
use crate::lifecycle::prepare::render_file_name;
use crate::protocol::OutputFile;
use crate::state::{txt, use_ui};

/// Every file a task produced: images inline (each a link to the full file), anything else as a
/// link naming its type.
#[component]
pub fn OutputList(
    /// The files, in RunningHub's order.
    #[prop(into)]
    outputs: Signal<Vec<OutputFile>>,
    /// The screenshot's file name, for the names downloads are saved under.
    #[prop(optional)]
    source_name: Option<String>,
) -> impl IntoView {
    let ui = use_ui();
    let copied = RwSignal::new(None::<String>);
    // The last download that had to open in a tab instead, so the page says why.
    let opened = RwSignal::new(false);
    let save = move |url: String, name: String| {
        spawn_local(async move {
            let saved = browser::download(&url, &name).await;
            if !saved {
                // The image host does not allow a fetch: open the file so it can be saved by hand.
                browser::open(&url);
            }
            opened.try_set(!saved);
        });
    };
    let copy = move |url: String| {
        spawn_local(async move {
            if browser::copy_text(&url).await {
                copied.set(Some(url));
            }
        });
    };
    let indexed = move || outputs.get().into_iter().enumerate().collect::<Vec<_>>();
    let images = Signal::derive(move || {
        outputs.with(|o| {
            o.iter()
                .filter(|f| f.is_image())
                .map(|f| f.file_url.clone())
                .collect::<Vec<_>>()
        })
    });
    let viewing = RwSignal::new(None::<usize>);
    view! {
        <ul id="outputs" class="outputs" class:single=move || outputs.with(|o| o.len() == 1)>
            <For each=indexed key=|(_, file)| file.file_url.clone() let:item>
                <li class="output">
                    {let (index, file) = item;
                    let name = render_file_name(source_name.as_deref(), &browser::today(), index, &file.file_url, &file.file_type);
                    if file.is_image() {
                        let url = file.file_url.clone();
                        let (save_url, copy_url, copied_url) = (url.clone(), url.clone(), url.clone());
                        leptos::either::Either::Left(view! {
                            <button type="button" class="output-frame" title=txt(|t| t.open_viewer)
                                on:click=crate::state::handler({
                                    let url = url.clone();
                                    move |_| viewing.set(images.with_untracked(|i| i.iter().position(|u| *u == url)))
                                })>
                                <img class="output-image" src=url.clone() alt=txt(|t| t.results_title)
                                    decoding="async" referrerpolicy="no-referrer" />
                            </button>
                            <div class="output-actions">
                                <button type="button" class="secondary download" data-name=name.clone()
                                    on:click=crate::state::handler(move |_| save(save_url.clone(), name.clone()))>{txt(|t| t.download)}</button>
                                <button type="button" class="secondary copy-link" on:click=crate::state::handler(move |_| copy(copy_url.clone()))>
                                    {move || if copied.get().as_deref() == Some(copied_url.as_str()) { ui.t().link_copied } else { ui.t().copy_link }}
                                </button>
                                <a class="output-open" href=url target="_blank" rel="noopener noreferrer">
                                    {txt(|t| t.open_full)}
                                </a>
                            </div>
                        })
                    } else {
                        let kind = if file.file_type.is_empty() { "?".to_owned() } else { file.file_type.to_uppercase() };
                        leptos::either::Either::Right(view! {
                            <a class="output-link" href=file.file_url.clone() target="_blank" rel="noopener noreferrer"
                                data-type=file.file_type.clone()>
                                {move || fill(ui.t().file_link, &[&kind])}
                            </a>
                        })
                    }}
                </li>
            </For>
        </ul>
        <Show when=crate::state::show_if(move || opened.get())>
            <p class="hint download-opened" role="status">{txt(|t| t.download_opened)}</p>
        </Show>
        <Viewer urls=images index=viewing />
    }
}
