//! The UI language: the page's, and the copies handed to parts of the page that come and go.

use leptos::prelude::*;

use crate::i18n::{Lang, Texts};

/// The UI language.
#[derive(Clone, Copy)]
pub struct Ui {
    pub lang: RwSignal<Lang>,
}

impl Ui {
    /// The strings of the current language (tracks the language).
    pub fn t(&self) -> &'static Texts {
        self.lang.get().texts()
    }
}

/// The language handle from context.
pub fn use_ui() -> Ui {
    expect_context::<Ui>()
}

/// The live copies of the UI language that [`scoped_ui`] hands out. One page-wide effect keeps
/// them in step with the page's language; copies whose part of the page has gone are dropped
/// from the list.
#[derive(Clone, Copy)]
pub struct LangCopies {
    page: Ui,
    copies: StoredValue<Vec<RwSignal<Lang>>>,
}

impl LangCopies {
    /// Called once by the page with its [`Ui`].
    pub fn provide(page: Ui) {
        let copies = StoredValue::new(Vec::<RwSignal<Lang>>::new());
        Effect::new(crate::state::effect(move |_| {
            let lang = page.lang.get();
            let live: Vec<RwSignal<Lang>> = copies
                .get_value()
                .into_iter()
                .filter(|copy| match copy.try_get_untracked() {
                    None => false,
                    Some(current) if current == lang => true,
                    Some(_) => copy.try_set(lang).is_none(),
                })
                .collect();
            copies.set_value(live);
        }));
        provide_context(LangCopies { page, copies });
    }
}

/// A copy of the UI language for a part of the page that comes and goes (one render's job
/// view, one history item), put in context for everything inside it: `txt`, `use_ui` and
/// [`Ui::t`] there read the copy.
///
/// Why: reactive_graph 0.2 takes an effect off its sources' subscriber lists only when the
/// effect runs again, never when it is dropped. Every translated text of a view that has gone
/// stayed on the page language's list for good, about eighty entries per render (some 4 KB of
/// wasm memory that was never freed). A copy's list goes with the copy.
///
/// The copy is provided on the current owner. A view rebuilt by a reactive closure gets that
/// closure's owner again, whose context still holds the last copy, disposed by then: so the
/// page's language comes from [`LangCopies`], never from the nearest [`Ui`].
pub fn scoped_ui() -> Ui {
    let Some(LangCopies { page, copies }) = use_context::<LangCopies>() else {
        return use_ui();
    };
    let lang = RwSignal::new(page.lang.get_untracked());
    copies.update_value(|list| {
        list.retain(|copy| !copy.is_disposed());
        list.push(lang);
    });
    let ui = Ui { lang };
    provide_context(ui);
    ui
}
