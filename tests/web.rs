//! Component tests in a real browser (wasm-bindgen-test-runner drives headless Chromium).
//! Run with `cargo test -p su-render --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use su_render::components::{KeyField, RenderForm};
use su_render::i18n::Lang;
use su_render::protocol::FieldValue;
use su_render::state::{Connection, RenderRequest, Ui};
use su_render::storage::Settings;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh container in the document for one test.
fn container() -> web_sys::HtmlElement {
    let document = document();
    let div = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&div)
        .expect("append");
    div.unchecked_into()
}

fn provide(lang: Lang) -> Connection {
    provide_context(Ui {
        lang: RwSignal::new(lang),
    });
    let conn = Connection::new(&Settings::default());
    provide_context(conn);
    conn
}

fn input(root: &web_sys::HtmlElement, selector: &str) -> web_sys::HtmlInputElement {
    root.query_selector(selector)
        .expect("query")
        .expect(selector)
        .unchecked_into()
}

fn type_into(field: &web_sys::HtmlInputElement, text: &str) {
    field.set_value(text);
    let event = web_sys::Event::new("input").expect("event");
    field.dispatch_event(&event).expect("dispatch");
}

#[wasm_bindgen_test]
async fn key_field_checks_the_format_and_toggles_visibility() {
    let root = container();
    let conn = std::rc::Rc::new(std::cell::Cell::new(None));
    let conn_out = conn.clone();
    let _mount = leptos::mount::mount_to(root.clone(), move || {
        conn_out.set(Some(provide(Lang::En)));
        view! { <KeyField /> }
    });
    leptos::task::tick().await;
    let key = input(&root, "#api-key");
    assert_eq!(key.type_(), "password");
    assert!(root.query_selector("#key-error").expect("query").is_none());

    type_into(&key, "not-a-key");
    leptos::task::tick().await;
    let error = root
        .query_selector("#key-error")
        .expect("query")
        .expect("an error for a bad key");
    assert!(error
        .text_content()
        .unwrap_or_default()
        .contains("32 hexadecimal"));

    type_into(&key, "71ee8ebbd0dc4daab7bbd3af4a945edd");
    leptos::task::tick().await;
    assert!(root.query_selector("#key-error").expect("query").is_none());
    assert_eq!(
        conn.get().expect("mounted").key.get_untracked(),
        "71ee8ebbd0dc4daab7bbd3af4a945edd"
    );

    input(&root, "#key-toggle").click();
    leptos::task::tick().await;
    assert_eq!(input(&root, "#api-key").type_(), "text");
}

#[wasm_bindgen_test]
async fn render_form_leaves_out_an_empty_reference_and_keeps_ids_as_strings() {
    let root = container();
    let sent = RwSignal::new(None::<RenderRequest>);
    let _mount = leptos::mount::mount_to(root.clone(), move || {
        let conn = provide(Lang::Zh);
        conn.key.set("71ee8ebbd0dc4daab7bbd3af4a945edd".into());
        view! { <RenderForm on_render=Callback::new(move |r| sent.set(Some(r))) busy=Signal::derive(|| false) /> }
    });
    leptos::task::tick().await;
    let render = input(&root, "#render");
    render.click();
    leptos::task::tick().await;
    assert!(
        sent.get_untracked().is_none(),
        "no screenshot yet, nothing sent"
    );
    let why = root
        .query_selector("#form-error")
        .expect("query")
        .expect("a reason is shown");
    assert!(why.text_content().unwrap_or_default().contains("截图"));

    type_into(&input(&root, "#node-112"), " api/shot.png ");
    leptos::task::tick().await;
    render.click();
    leptos::task::tick().await;
    let request = sent.get_untracked().expect("sent");
    assert_eq!(request.webapp_id, "1983061233110790146");
    assert_eq!(request.nodes.len(), 1, "reference left out when empty");
    assert_eq!(request.nodes[0].node_id, "112");
    assert_eq!(
        request.nodes[0].field_value,
        FieldValue::from("api/shot.png")
    );
    let body = serde_json::to_value(request.run_body()).expect("json");
    let text = |name: &str| body.get(name).and_then(serde_json::Value::as_str);
    assert_eq!(text("webappId"), Some("1983061233110790146"));
    assert_eq!(text("apiKey"), Some("71ee8ebbd0dc4daab7bbd3af4a945edd"));
}

#[wasm_bindgen_test]
fn the_key_goes_to_a_journaled_renders_server_only_once_allowed() {
    use su_render::protocol::sites::{AI_BASE, CN_BASE};
    use su_render::state::{Blocker, ConsentFor};
    let conn = Connection::new(&Settings::default());
    conn.key.set("71ee8ebbd0dc4daab7bbd3af4a945edd".to_owned());
    let origin = web_sys::window()
        .expect("window")
        .location()
        .origin()
        .expect("origin");
    let elsewhere = "http://elsewhere.example:9000";
    let base_of = |base: &str| conn.target_for(base).map(|t| t.api.base().to_owned());

    // RunningHub itself (either site), and this page's own server: no question.
    assert_eq!(base_of(CN_BASE), Ok(CN_BASE.to_owned()));
    assert_eq!(base_of(AI_BASE), Ok(AI_BASE.to_owned()));
    let here = format!("{origin}/ai");
    assert_eq!(base_of(&here), Ok(here.clone()));
    // Any other server waits for the user's word; a refusal changes nothing, an allowance does.
    assert_eq!(base_of(elsewhere), Err(Blocker::NeedConsent));
    assert_eq!(
        base_of("https://www.runninghub.cn.evil.example"),
        Err(Blocker::NeedConsent)
    );
    conn.answers.set(vec![(elsewhere.to_owned(), false)]);
    assert_eq!(base_of(elsewhere), Err(Blocker::NeedConsent));
    conn.answers.set(vec![(elsewhere.to_owned(), true)]);
    assert_eq!(base_of(elsewhere), Ok(elsewhere.to_owned()));
    assert_eq!(
        base_of("http://elsewhere.example:9000/cn"),
        Err(Blocker::NeedConsent)
    );
    // The relay the user chose (and allowed) carries both sites.
    conn.relay.set("https://relay.example".to_owned());
    assert_eq!(
        base_of("https://relay.example/ai"),
        Ok("https://relay.example/ai".to_owned())
    );

    // Who takes "Load app inputs" with the key in a body: our servers, never RunningHub.
    assert_eq!(conn.known_ours("https://relay.example/cn"), Some(true));
    assert_eq!(conn.known_ours(CN_BASE), Some(false));
    assert_eq!(conn.known_ours(elsewhere), None);
    // This page's server is ours only when it said so at `/__su/info`.
    assert_eq!(conn.known_ours(&here), None);
    conn.server.set(Some(Default::default()));
    assert_eq!(conn.known_ours(&here), Some(true));

    // A journaled render's question holds back its renders only; a link's holds back everything.
    conn.consent_for.set(ConsentFor::Resume);
    conn.consent_pending.set(Some(elsewhere.to_owned()));
    assert!(conn.target().is_ok());
    conn.consent_for.set(ConsentFor::Link);
    assert_eq!(conn.target().map(|_| ()), Err(Blocker::NeedConsent));
}
