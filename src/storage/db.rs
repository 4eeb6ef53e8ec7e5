//! A small typed layer over IndexedDB: the job journal (history) and kept result files. Records
//! are stored as JSON text under a versioned store, so a later release can read and migrate them.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStoreParameters, IdbRequest, IdbTransactionMode};

const NAME: &str = "su-render";
const VERSION: u32 = 1;
/// Job records: `{id, json}` where `json` is a [`super::journal::JobRecord`].
pub const JOBS: &str = "jobs";
/// Kept files: `{url, blob}`.
pub const FILES: &str = "files";

/// An open database: one connection, closed when this is dropped.
pub struct Db(IdbDatabase);

/// Every journal call opens its own connection (several per render, and one per history
/// reload). Left open, each stays alive until the garbage collector finds it, holding a
/// connection to the browser's IndexedDB backend meanwhile and blocking any later version
/// upgrade. `close` waits for the connection's transactions to finish, so closing at the end
/// of the call that opened it is safe.
impl Drop for Db {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Waits for an IndexedDB request and returns its result.
async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise)
        .await
        .map_err(|e| format!("{e:?}"))?;
    request.result().map_err(|e| format!("{e:?}"))
}

fn err(e: JsValue) -> String {
    format!("{e:?}")
}

impl Db {
    /// Opens (and on first use creates) the database.
    pub async fn open() -> Result<Db, String> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or("no IndexedDB")?;
        let request = factory.open_with_u32(NAME, VERSION).map_err(err)?;
        let upgrade =
            wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(
                move |ev: web_sys::IdbVersionChangeEvent| {
                    let Some(db) = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::IdbOpenDbRequest>().ok())
                        .and_then(|r| r.result().ok())
                        .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
                    else {
                        return;
                    };
                    let names = db.object_store_names();
                    for (store, key) in [(JOBS, "id"), (FILES, "url")] {
                        if !names.contains(store) {
                            let params = IdbObjectStoreParameters::new();
                            params.set_key_path(&JsValue::from_str(key));
                            let _ = db.create_object_store_with_optional_parameters(store, &params);
                        }
                    }
                },
            );
        request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let result = done(&request).await;
        request.set_onupgradeneeded(None);
        drop(upgrade);
        Ok(Db(result?.dyn_into::<IdbDatabase>().map_err(err)?))
    }

    fn store(&self, name: &str, write: bool) -> Result<web_sys::IdbObjectStore, String> {
        let mode = if write {
            IdbTransactionMode::Readwrite
        } else {
            IdbTransactionMode::Readonly
        };
        self.0
            .transaction_with_str_and_mode(name, mode)
            .and_then(|t| t.object_store(name))
            .map_err(err)
    }

    /// Writes a record `{<key field>: key, <field>: value}`.
    pub async fn put(
        &self,
        store: &str,
        key_field: &str,
        key: &str,
        field: &str,
        value: &JsValue,
    ) -> Result<(), String> {
        let object = js_sys::Object::new();
        js_sys::Reflect::set(&object, &key_field.into(), &key.into()).map_err(err)?;
        js_sys::Reflect::set(&object, &field.into(), value).map_err(err)?;
        done(&self.store(store, true)?.put(&object).map_err(err)?)
            .await
            .map(|_| ())
    }

    /// One field of the record with this key.
    pub async fn get(
        &self,
        store: &str,
        key: &str,
        field: &str,
    ) -> Result<Option<JsValue>, String> {
        let value = done(&self.store(store, false)?.get(&key.into()).map_err(err)?).await?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        Ok(js_sys::Reflect::get(&value, &field.into()).ok())
    }

    /// One field of every record.
    pub async fn all(&self, store: &str, field: &str) -> Result<Vec<JsValue>, String> {
        let values = done(&self.store(store, false)?.get_all().map_err(err)?).await?;
        let array: js_sys::Array = values.dyn_into().map_err(err)?;
        Ok(array
            .iter()
            .filter_map(|v| js_sys::Reflect::get(&v, &field.into()).ok())
            .collect())
    }

    pub async fn delete(&self, store: &str, key: &str) -> Result<(), String> {
        done(&self.store(store, true)?.delete(&key.into()).map_err(err)?)
            .await
            .map(|_| ())
    }

    pub async fn clear(&self, store: &str) -> Result<(), String> {
        done(&self.store(store, true)?.clear().map_err(err)?)
            .await
            .map(|_| ())
    }
}
