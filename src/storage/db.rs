//! A small typed layer over IndexedDB: the job journal (history) and kept result files. Records
//! are stored as JSON text under a versioned store, so a later release can read and migrate them.
//!
//! Version 2 indexes the journal, so that neither the start-up nor the history's first page
//! reads every record: rows carry `created` (the record's date) and, while the record is live,
//! `live: 1` (see [`super::record::RowKeys`]). Opening a version-1 database adds both to its
//! rows once, in the upgrade.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    IdbCursorDirection, IdbCursorWithValue, IdbDatabase, IdbKeyRange, IdbObjectStoreParameters,
    IdbRequest, IdbTransactionMode,
};

use super::record::RowKeys;

const NAME: &str = "su-render";
const VERSION: u32 = 2;
/// Job records: `{id, json, created, live?}` where `json` is a [`super::record::JobRecord`].
pub const JOBS: &str = "jobs";
/// Index of [`JOBS`] on `[created, id]`: the history's order (read backwards, newest first).
pub const JOBS_BY_DATE: &str = "by-date";
/// Index of [`JOBS`] on `live`: only rows that have the field are in it, so it holds the
/// records a reload has to look at and no others.
pub const LIVE_JOBS: &str = "live";
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

/// Creates what the database lacks at this version: the stores, the journal's indexes, and,
/// coming from version 1, the index fields of every journal row (`migrate` handles the cursor).
fn upgrade(request: &web_sys::IdbOpenDbRequest, old_version: f64, migrate: &js_sys::Function) {
    let (Some(db), Some(tx)) = (
        request
            .result()
            .ok()
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok()),
        request.transaction(),
    ) else {
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
    let Ok(jobs) = tx.object_store(JOBS) else {
        return;
    };
    let indexes = jobs.index_names();
    if !indexes.contains(JOBS_BY_DATE) {
        let path = js_sys::Array::of2(&"created".into(), &"id".into());
        let _ = jobs.create_index_with_str_sequence(JOBS_BY_DATE, &path);
    }
    if !indexes.contains(LIVE_JOBS) {
        let _ = jobs.create_index_with_str(LIVE_JOBS, "live");
    }
    if (1.0..2.0).contains(&old_version) {
        if let Ok(cursor) = jobs.open_cursor() {
            cursor.set_onsuccess(Some(migrate));
        }
    }
}

/// One step of the migration to version 2: gives the row under the cursor its index fields
/// (from its JSON text) and moves on.
fn migrate_row(event: web_sys::Event) {
    let Some(cursor) = event
        .target()
        .and_then(|t| t.dyn_into::<IdbRequest>().ok())
        .and_then(|r| r.result().ok())
        .and_then(|c| c.dyn_into::<IdbCursorWithValue>().ok())
    else {
        return; // The end of the store.
    };
    if let Ok(row) = cursor.value() {
        let json = js_sys::Reflect::get(&row, &"json".into())
            .ok()
            .and_then(|j| j.as_string())
            .unwrap_or_default();
        let keys = RowKeys::of_json(&json);
        let _ = js_sys::Reflect::set(&row, &"created".into(), &keys.created_ms.into());
        if keys.live {
            let _ = js_sys::Reflect::set(&row, &"live".into(), &1.0.into());
        } else {
            let _ = js_sys::Reflect::delete_property(
                row.unchecked_ref::<js_sys::Object>(),
                &"live".into(),
            );
        }
        let _ = cursor.update(&row);
    }
    let _ = cursor.continue_();
}

impl Db {
    /// Opens (and on first use creates, or upgrades) the database.
    pub async fn open() -> Result<Db, String> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or("no IndexedDB")?;
        let request = factory.open_with_u32(NAME, VERSION).map_err(err)?;
        // Both closures live until the open request has succeeded, which is after the upgrade's
        // transaction (and so the migration's cursor) has finished.
        let migrate = Closure::<dyn FnMut(web_sys::Event)>::new(migrate_row);
        let steps: js_sys::Function = migrate.as_ref().unchecked_ref::<js_sys::Function>().clone();
        let on_upgrade = Closure::<dyn FnMut(web_sys::IdbVersionChangeEvent)>::new(
            move |ev: web_sys::IdbVersionChangeEvent| {
                if let Some(request) = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::IdbOpenDbRequest>().ok())
                {
                    upgrade(&request, ev.old_version(), &steps);
                }
            },
        );
        request.set_onupgradeneeded(Some(on_upgrade.as_ref().unchecked_ref()));
        let result = done(&request).await;
        request.set_onupgradeneeded(None);
        drop(on_upgrade);
        drop(migrate);
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

    /// Writes a whole row (its key is in it).
    pub async fn put_row(&self, store: &str, row: &js_sys::Object) -> Result<(), String> {
        done(&self.store(store, true)?.put(row).map_err(err)?)
            .await
            .map(|_| ())
    }

    /// One field of every record in an index.
    pub async fn all_in(
        &self,
        store: &str,
        index: &str,
        field: &str,
    ) -> Result<Vec<JsValue>, String> {
        let index = self.store(store, false)?.index(index).map_err(err)?;
        let values = done(&index.get_all().map_err(err)?).await?;
        let array: js_sys::Array = values.dyn_into().map_err(err)?;
        Ok(array
            .iter()
            .filter_map(|v| js_sys::Reflect::get(&v, &field.into()).ok())
            .collect())
    }

    /// One field of up to `limit` records, from the highest key of `index` down (below `below`
    /// when given). A cursor: the rows after the last one returned are never read.
    pub async fn newest(
        &self,
        store: &str,
        index: &str,
        below: Option<&JsValue>,
        limit: usize,
        field: &str,
    ) -> Result<Vec<JsValue>, String> {
        let mut out = Vec::new();
        if limit == 0 {
            return Ok(out);
        }
        let index = self.store(store, false)?.index(index).map_err(err)?;
        let range = match below {
            Some(key) => IdbKeyRange::upper_bound_with_open(key, true)
                .map_err(err)?
                .into(),
            None => JsValue::NULL,
        };
        let request = index
            .open_cursor_with_range_and_direction(&range, IdbCursorDirection::Prev)
            .map_err(err)?;
        // Each step is awaited inside the success event's microtasks, while the transaction is
        // still active, so `continue` may be called.
        loop {
            let step = done(&request).await?;
            let Ok(cursor) = step.dyn_into::<IdbCursorWithValue>() else {
                break; // No more rows.
            };
            let row = cursor.value().map_err(err)?;
            out.push(js_sys::Reflect::get(&row, &field.into()).map_err(err)?);
            if out.len() >= limit {
                break;
            }
            cursor.continue_().map_err(err)?;
        }
        Ok(out)
    }

    /// How many records a store holds (counted by the database; none is read).
    pub async fn count(&self, store: &str) -> Result<usize, String> {
        let n = done(&self.store(store, false)?.count().map_err(err)?).await?;
        Ok(n.as_f64().unwrap_or(0.0) as usize)
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
