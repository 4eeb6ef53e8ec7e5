//! A minimal Leptos page that does the job in its barest form: key and uploaded file name in, one
//! `ai-app/run`, `outputs` polled every five seconds, the picture or the message shown. No
//! history, batches, shrinking, compare, share links or translations: it is the size floor the
//! app is compared with (`cargo xtask bench`), not a product.

use gloo_net::http::Request;
use leptos::prelude::*;
use serde_json::{json, Value};

use rh_api::{code, path, su_app};

/// Posts `body` to `path` on this origin and returns the answer's `data`, or its message.
async fn call(path: &str, body: Value) -> Result<Value, String> {
    let answer: Value = Request::post(path)
        .json(&body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    match answer["code"].as_i64() {
        Some(0) => Ok(answer["data"].clone()),
        // Queued or running: not an error, poll again.
        Some(n) if n == code::TASK_IS_RUNNING.number || n == code::TASK_IS_QUEUED.number => {
            Ok(Value::Null)
        }
        _ => Err(answer["msg"].as_str().unwrap_or("error").to_string()),
    }
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

async fn render(key: String, image: String) -> Result<String, String> {
    let nodes =
        json!([{ "nodeId": su_app::SCREENSHOT_NODE, "fieldName": "image", "fieldValue": image }]);
    let run = json!({ "apiKey": key, "webappId": su_app::WEBAPP_ID, "nodeInfoList": nodes });
    let task = call(path::RUN, run).await?["taskId"]
        .as_str()
        .ok_or("no task id")?
        .to_string();
    loop {
        sleep(5000).await;
        let outputs = call(path::OUTPUTS, json!({ "apiKey": key, "taskId": task })).await?;
        if let Some(url) = outputs[0]["fileUrl"].as_str() {
            return Ok(url.to_string());
        }
    }
}

#[component]
fn App() -> impl IntoView {
    let key = RwSignal::new(String::new());
    let image = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let picture = RwSignal::new(None::<String>);
    let start = move |_| {
        status.set("running…".into());
        leptos::task::spawn_local(async move {
            match render(key.get_untracked(), image.get_untracked()).await {
                Ok(url) => {
                    status.set(String::new());
                    picture.set(Some(url));
                }
                Err(message) => status.set(message),
            }
        });
    };
    view! {
        <input type="password" placeholder="API key" bind:value=key />
        <input placeholder="uploaded file name" bind:value=image />
        <button on:click=start>"Render"</button>
        <p>{move || status.get()}</p>
        {move || picture.get().map(|src| view! { <img src=src alt="rendering" /> })}
    }
}

fn main() {
    mount_to_body(App);
}
