//! The job journal: every render is written down before its run request leaves, and updated as
//! it goes, so that a reload resumes it and history shows how it ended. It lives in IndexedDB;
//! each call opens the database (cheap) so no handle has to live in app state. What a record
//! holds is [`super::record`]'s; the key is never stored.

use wasm_bindgen::{JsCast, JsValue};

use super::db::{Db, FILES, JOBS, JOBS_BY_DATE, LIVE_JOBS};
use super::record::RowKeys;
pub use super::record::{JobRecord, RECORD_VERSION};

/// Records of the journal as the history shows them, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recent {
    pub records: Vec<JobRecord>,
    /// Older rows follow the last of these.
    pub more: bool,
}

/// Adds a page of older records after those shown; a record already shown (the journal moved
/// on between the reads) is not shown twice.
pub fn append_page(shown: &mut Vec<JobRecord>, page: Vec<JobRecord>) {
    for record in page {
        if !shown.iter().any(|r| r.id == record.id) {
            shown.push(record);
        }
    }
}

/// Writes or replaces a record: `{id, json, created, live}`, where `created` and `live`
/// (present only while the record is live) feed the indexes (see [`crate::storage::db`]).
pub async fn save(record: &JobRecord) -> Result<(), String> {
    #[cfg(feature = "split")]
    let json = write_part(record.clone()).await;
    #[cfg(not(feature = "split"))]
    let json = write_part(record.clone());
    let json = json.map_err(|_| "the journal's part could not be fetched".to_owned())?;
    let row = js_sys::Object::new();
    let keys = RowKeys::of(record);
    let mut fields = vec![
        ("id", JsValue::from_str(&record.id)),
        ("json", JsValue::from_str(&json)),
        ("created", JsValue::from_f64(keys.created_ms)),
    ];
    if keys.live {
        fields.push(("live", JsValue::from_f64(1.0)));
    }
    for (field, value) in fields {
        js_sys::Reflect::set(&row, &field.into(), &value).map_err(|e| format!("{e:?}"))?;
    }
    Db::open().await?.put_row(JOBS, &row).await
}

/// Records read from their stored texts (damaged ones and a newer release's left out). In
/// the release build serde's reader and writer of records are a part of their own
/// (`su_records`), fetched the first time the journal has something to read or write: a
/// first visit's journal is empty, and they weigh about 7 KiB gzip of wasm (issue 21). Should
/// the part not come (the page's server went away), nothing is read: the journal is kept for
/// the next visit.
async fn read(texts: Vec<String>) -> Vec<JobRecord> {
    if texts.is_empty() {
        return Vec::new();
    }
    #[cfg(feature = "split")]
    let read = read_part(texts).await;
    #[cfg(not(feature = "split"))]
    let read = read_part(texts);
    read.unwrap_or_default()
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        su_records,
        wasm_split_path = ::leptos::wasm_split,
        fallible,
        preload(preload_records)
    )
)]
pub fn read_part(
    texts: Vec<String>,
) -> Result<Vec<JobRecord>, leptos::wasm_split::SplitLoaderError> {
    Ok(texts
        .iter()
        .filter_map(|t| JobRecord::from_json(t))
        .collect())
}

/// A record's stored text, from the same part as [`read_part`].
#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(
        su_records,
        wasm_split_path = ::leptos::wasm_split,
        fallible
    )
)]
fn write_part(record: JobRecord) -> Result<String, leptos::wasm_split::SplitLoaderError> {
    Ok(record.to_json())
}

/// One record.
pub async fn load(id: &str) -> Option<JobRecord> {
    let json = Db::open().await.ok()?.get(JOBS, id, "json").await.ok()??;
    read(vec![json.as_string()?]).await.pop()
}

/// The records a reload has to look at ([`JobRecord::live`]), newest first: read through
/// the `live` index, so what this costs does not grow with the history.
pub async fn load_live() -> Vec<JobRecord> {
    let Ok(db) = Db::open().await else {
        return Vec::new();
    };
    let texts = db
        .all_in(JOBS, LIVE_JOBS, "json")
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_string())
        .collect();
    let mut records = read(texts).await;
    records.sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
    records
}

/// A page of the history: up to `limit` records, newest first, older than `after` (the last
/// record shown) when given. A cursor on the date index reads these rows and no others.
pub async fn page(after: Option<&JobRecord>, limit: usize) -> Recent {
    let Ok(db) = Db::open().await else {
        return Recent::default();
    };
    let below = after.map(|r| {
        js_sys::Array::of2(&JsValue::from_f64(r.created_ms), &JsValue::from_str(&r.id)).into()
    });
    // One row more than asked for tells whether older ones follow.
    let mut texts = db
        .newest(JOBS, JOBS_BY_DATE, below.as_ref(), limit + 1, "json")
        .await
        .unwrap_or_default();
    let more = texts.len() > limit;
    texts.truncate(limit);
    let texts = texts.into_iter().filter_map(|v| v.as_string()).collect();
    Recent {
        records: read(texts).await,
        more,
    }
}

/// The newest `limit` records (the first page of [`page`]).
pub async fn load_recent(limit: usize) -> Recent {
    page(None, limit).await
}

/// How many rows the journal holds. Nothing is read for it, but the database still counts
/// every row: the history asks once its page is shown, not before.
pub async fn count() -> usize {
    match Db::open().await {
        Ok(db) => db.count(JOBS).await.unwrap_or(0),
        Err(_) => 0,
    }
}

/// Deletes a record and the files kept for it.
pub async fn delete(record: &JobRecord) -> Result<(), String> {
    let db = Db::open().await?;
    for url in &record.kept {
        db.delete(FILES, url).await?;
    }
    if record.source_kept {
        db.delete(FILES, &record.source_key()).await?;
    }
    db.delete(JOBS, &record.id).await
}

/// Deletes all history and kept files.
pub async fn clear_all() -> Result<(), String> {
    let db = Db::open().await?;
    db.clear(FILES).await?;
    db.clear(JOBS).await
}

/// Keeps a file's bytes.
pub async fn keep_file(url: &str, blob: &web_sys::Blob) -> Result<(), String> {
    Db::open()
        .await?
        .put(FILES, "url", url, "blob", blob.as_ref())
        .await
}

/// Keeps the pictures of a record on this device (those the image host lets the page fetch)
/// and saves the record. False when some could not be fetched (no CORS on the host).
pub async fn keep_outputs(record: &mut JobRecord) -> bool {
    let mut all = true;
    let urls: Vec<String> = record
        .output_files()
        .into_iter()
        .filter(|o| o.is_image())
        .map(|o| o.file_url)
        .collect();
    for url in urls {
        match crate::browser::fetch_blob(&url).await {
            Some(blob) if keep_file(&url, &blob).await.is_ok() => {
                if !record.kept.contains(&url) {
                    record.kept.push(url);
                }
            }
            _ => all = false,
        }
    }
    let _ = save(record).await;
    all
}

/// A kept file's bytes.
pub async fn kept_file(url: &str) -> Option<web_sys::Blob> {
    Db::open()
        .await
        .ok()?
        .get(FILES, url, "blob")
        .await
        .ok()??
        .dyn_into()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_appends_without_repeats() {
        let with_id = |id: &str| {
            JobRecord::from_json(&format!(
                r#"{{"v":1,"id":"{id}","created_ms":1,"base":"https://www.runninghub.cn","webapp_id":"1","nodes":[],"phase":"succeeded"}}"#
            ))
            .expect("a record's text")
        };
        let mut shown = vec![with_id("c"), with_id("b")];
        append_page(&mut shown, vec![with_id("b"), with_id("a")]);
        let ids: Vec<&str> = shown.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["c", "b", "a"]);
    }
}
