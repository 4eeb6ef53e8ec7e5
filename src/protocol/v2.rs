//! RunningHub's API v2 (January 2026): upload and query, and when to fall back to v1.
//!
//! v2 takes the key in `Authorization: Bearer <key>` and answers query calls flat
//! (`{taskId, status, errorCode, errorMessage, failedReason, results, usage}`), not in v1's
//! `{code, msg, data}` envelope; refusals of the call itself (no or bad token) come back as an
//! envelope (`{"code": 412, "msg": "TOKEN_INVALID"}`). Both are mapped to the one
//! [`Polled`]/[`OutputsAnswer`] model the job lifecycle uses.
//!
//! Sources of the shapes: RunningHub's API pages "文件上传" (402615348) and "查询任务生成结果 V2"
//! (402637109) with the test calls saved beside them (GitHub `98624017/runinghubss`,
//! `skills/runninghub-api-dev/`, 2026-03-08), and the docs' query example with `usage`
//! (GitHub `Wayne-Xing/MorphShop`, `runninghub_api.md`).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::answers::{data_as, Envelope, UploadData};
use super::error::ApiError;
use super::loose::{self, object};
use super::types::*;

/// Paths of the v2 API, relative to the base URL.
pub mod paths {
    pub use rh_api::path::{QUERY, UPLOAD_V2 as UPLOAD};
}

/// v2's `errorCode` for a task it does not know (seen on a test call for a made-up id).
const TASK_NOT_FOUND: &str = "1004";

/// What to do when a v2 call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The failure is about the request (the file, the task, the network): v1 would not help.
    No,
    /// v2 is not there (404, a page that is not JSON): use v1 from now on.
    V1,
    /// v2 refused the token: v1 may take the same key in the body. Use v1 if it does.
    V1IfAccepted,
}

/// Codes by which v2 refuses the token itself (401 "ApiKey verification failed", 412
/// TOKEN_INVALID when the `Authorization` header is missing, say because a relay dropped it),
/// and the v1 codes of a refused key.
const AUTH_CODES: [i64; 5] = [401, 403, 412, 802, 806];

/// Decides whether a failed v2 call says that v2 is unavailable here. Never on a refusal about
/// the file or the task (type, size, busy…), never on a transient fault (5xx, network).
pub fn fallback(error: &ApiError) -> Fallback {
    match error {
        ApiError::Http(404 | 405) | ApiError::NotJson => Fallback::V1,
        // An older relay of ours, or another proxy, answers unknown paths with a 404 envelope.
        ApiError::Service { code: 404, .. } => Fallback::V1,
        error if is_auth_refusal(error) => Fallback::V1IfAccepted,
        _ => Fallback::No,
    }
}

/// True when an answer refuses the key (or the token) rather than the request.
pub fn is_auth_refusal(error: &ApiError) -> bool {
    matches!(error, ApiError::Service { code, .. } if AUTH_CODES.contains(code))
}

/// Parses the answer to `POST /openapi/v2/media/upload/binary`:
/// `{code, message, data: {type, download_url, fileName, size}}`.
pub fn parse_upload(body: &str) -> Result<Uploaded, ApiError> {
    let data: UploadData = data_as(
        Envelope::parse(body)?.success_data()?,
        "upload v2: data is not an object",
    )?;
    Ok(Uploaded {
        file_name: data
            .file_name
            .ok_or_else(|| ApiError::Shape("upload v2: no fileName".into()))?,
        file_type: data.kind,
        api: ApiVersion::V2,
    })
}

/// v2's flat query answer. Unknown fields are ignored; ids and `usage` values may be strings or
/// numbers (big ids keep every digit) or null.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Query<'a> {
    #[serde(borrow, default, deserialize_with = "loose::present")]
    status: Option<&'a RawValue>,
    /// Only whether it is there (see [`parse_query`]).
    #[serde(borrow, default, deserialize_with = "loose::present")]
    task_id: Option<&'a RawValue>,
    #[serde(default, deserialize_with = "loose::text")]
    error_code: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    error_message: Option<String>,
    #[serde(borrow, default)]
    failed_reason: Option<&'a RawValue>,
    #[serde(borrow, default)]
    results: Option<&'a RawValue>,
    /// A `usage` that is null or not an object is just unknown.
    #[serde(default, deserialize_with = "loose::lenient")]
    usage: Option<Usage>,
    /// Present when the answer is an envelope instead (see [`parse_query`]).
    #[serde(borrow, default, deserialize_with = "loose::present")]
    code: Option<&'a RawValue>,
}

/// One of `results`: `{url, outputType, nodeId?, text?}` (a v1-style `fileUrl`/`fileType` is
/// taken too). A result without a URL (plain text output) has no file to show.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryResult {
    #[serde(default, deserialize_with = "loose::text")]
    url: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    file_url: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    output_type: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    file_type: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    node_id: Option<String>,
}

/// Parses the answer to `POST /openapi/v2/query`: the flat answer itself, or the one inside a
/// `{code: 0, data}` envelope (a client has met that form); a non-zero envelope is the call
/// refused (`{"code": 412, "msg": "TOKEN_INVALID"}`).
pub fn parse_query(body: &str) -> Result<Polled, ApiError> {
    let flat: Query = object(body).ok_or(ApiError::NotJson)?;
    if flat.status.is_some() || flat.task_id.is_some() || flat.code.is_none() {
        return polled(flat);
    }
    polled(data_as(
        Envelope::parse(body)?.success_data()?,
        "query v2: data is not an object",
    )?)
}

/// The one poll model of a flat query answer.
fn polled(query: Query) -> Result<Polled, ApiError> {
    let status = query.status.and_then(loose::scalar).unwrap_or_default();
    let status = status.trim().to_ascii_uppercase();
    let error_code = query.error_code;
    let error_message = query.error_message;
    let answer = match status.as_str() {
        "QUEUED" | "CREATE" | "PENDING" => OutputsAnswer::Queued,
        "RUNNING" => OutputsAnswer::Running,
        "SUCCESS" => {
            let results: Vec<QueryResult> =
                query.results.and_then(loose::items).unwrap_or_default();
            let files: Vec<OutputFile> = results
                .into_iter()
                .filter_map(|r| {
                    Some(OutputFile {
                        file_url: r.url.or(r.file_url)?,
                        file_type: r.output_type.or(r.file_type).unwrap_or_default(),
                        node_id: r.node_id,
                        ..OutputFile::default()
                    })
                })
                .collect();
            if files.is_empty() {
                OutputsAnswer::Empty
            } else {
                OutputsAnswer::Done(files)
            }
        }
        _ if error_code.as_deref() == Some(TASK_NOT_FOUND) => OutputsAnswer::NotFound,
        "FAILED" | "CANCEL" | "CANCELED" | "CANCELLED" => {
            // Completed by `errorCode`/`errorMessage` where `failedReason` (`{}` when there is
            // none) says nothing.
            let reason = query
                .failed_reason
                .map(FailedReason::from_raw)
                .unwrap_or_default();
            OutputsAnswer::Failed(FailedReason {
                exception_type: reason.exception_type.or(error_code),
                exception_message: reason.exception_message.or(error_message),
                ..reason
            })
        }
        "" => {
            return Err(match error_code {
                // No state, only an error: a refusal of the call.
                Some(code) => ApiError::Service {
                    code: code.trim().parse().unwrap_or(0),
                    msg: error_message.unwrap_or_default(),
                },
                None => ApiError::Shape("query v2: no status".into()),
            });
        }
        other => return Err(ApiError::Shape(format!("query v2: status {other}"))),
    };
    Ok(Polled {
        answer,
        usage: query.usage.unwrap_or_default(),
        api: ApiVersion::V2,
        // v2 does not hand out the progress socket.
        socket: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The docs' query example (Wayne-Xing/MorphShop `runninghub_api.md`), verbatim.
    const DOCS_QUERY_SUCCESS: &str = r#"{
  "taskId": "2013508786110730241",
  "status": "SUCCESS",
  "errorCode": "",
  "errorMessage": "",
  "failedReason": {},
  "usage": {
    "consumeMoney": null,
    "consumeCoins": null,
    "taskCostTime": "0",
    "thirdPartyConsumeMoney": null
  },
  "results": [
    {
      "url": "https://rh-images-1252422369.cos.ap-beijing.myqcloud.com/b04e28cad0ee39193921a30a2eb4dc00/output/ComfyUI_00001_plhjr_1768892915.png",
      "outputType": "png",
      "text": null
    }
  ],
  "clientId": "",
  "promptTips": ""
}"#;

    /// The API page's three examples (402637109): success without `usage`, running, failed.
    const PAGE_QUERY_SUCCESS: &str = r#"{"taskId":"2009191190196789249","status":"SUCCESS","errorCode":"","errorMessage":"","results":[{"url":"https://rh-images-1252422369.cos.ap-beijing.myqcloud.com/a0e145063da1775d30b736714532eb7a/output/78421bd6-91de-442b-90b9-c6bb530752d8.jpg","outputType":"jpg"}],"clientId":"","promptTips":""}"#;
    const PAGE_QUERY_RUNNING: &str = r#"{"taskId":"2009194900306137089","status":"RUNNING","errorCode":"","errorMessage":"","results":null,"clientId":"","promptTips":""}"#;
    const PAGE_QUERY_FAILED: &str = r#"{"taskId":"2009194900306137089","status":"FAILED","errorCode":"1000","errorMessage":"unknown error","results":null,"clientId":"","promptTips":""}"#;

    /// The upload page's examples (402615348), verbatim but for the signed URL's length.
    const PAGE_UPLOAD_OK: &str = r#"{"code":0,"message":"success","data":{"type":"image","download_url":"https://rh-images-switch-1252422369.cos.ap-guangzhou.myqcloud.com/input/openapi/61432ac1b3f3f5b19edcccff137d49d24a907b32ef3a737d1958e33aa91f1f44.png?q-sign-algorithm=sha1","fileName":"openapi/61432ac1b3f3f5b19edcccff137d49d24a907b32ef3a737d1958e33aa91f1f44.png","size":"3490"}}"#;
    const PAGE_UPLOAD_BAD_KEY: &str =
        r#"{"code":401,"message":"ApiKey verification failed: API Key不存在","data":null}"#;
    /// A test call without `Authorization` (runinghubss, 12-verified-findings.md).
    const NO_TOKEN: &str = r#"{"code":412,"msg":"TOKEN_INVALID"}"#;

    #[test]
    fn docs_success_with_usage() {
        let polled = parse_query(DOCS_QUERY_SUCCESS).expect("parses");
        assert_eq!(polled.api, ApiVersion::V2);
        let OutputsAnswer::Done(files) = polled.answer else {
            panic!("expected Done");
        };
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].file_type, "png");
        assert!(files[0].is_image());
        assert_eq!(polled.usage.task_cost_time.as_deref(), Some("0"));
        assert_eq!(polled.usage.consume_coins, None);
        assert_eq!(polled.socket, None);
    }

    #[test]
    fn page_examples() {
        let ok = parse_query(PAGE_QUERY_SUCCESS).expect("parses");
        assert!(matches!(ok.answer, OutputsAnswer::Done(ref f) if f[0].file_type == "jpg"));
        assert!(ok.usage.is_empty());
        assert_eq!(
            parse_query(PAGE_QUERY_RUNNING).expect("parses").answer,
            OutputsAnswer::Running
        );
        let OutputsAnswer::Failed(reason) = parse_query(PAGE_QUERY_FAILED).expect("parses").answer
        else {
            panic!("expected Failed");
        };
        assert_eq!(reason.exception_type.as_deref(), Some("1000"));
        assert_eq!(reason.exception_message.as_deref(), Some("unknown error"));
    }

    #[test]
    fn usage_values_as_strings_numbers_or_null_and_big_ids() {
        let body = r#"{"taskId":2013508786110730241123,"status":"SUCCESS","results":[{"url":"https://x/a.png","outputType":"png","nodeId":160}],
            "usage":{"consumeCoins":12,"consumeMoney":"0.35","thirdPartyConsumeMoney":null,"taskCostTime":33.5},"future":{"x":1}}"#;
        let polled = parse_query(body).expect("parses");
        assert_eq!(
            polled.usage,
            Usage {
                consume_coins: Some("12".into()),
                consume_money: Some("0.35".into()),
                third_party_consume_money: None,
                task_cost_time: Some("33.5".into()),
            }
        );
        let OutputsAnswer::Done(files) = polled.answer else {
            panic!("expected Done");
        };
        assert_eq!(files[0].node_id.as_deref(), Some("160"));
        // A usage that is null or not an object is just unknown.
        let null_usage = r#"{"taskId":"1","status":"QUEUED","usage":null}"#;
        let polled = parse_query(null_usage).expect("parses");
        assert_eq!(polled.answer, OutputsAnswer::Queued);
        assert!(polled.usage.is_empty());
    }

    #[test]
    fn failed_reason_as_object_or_json_string() {
        let object = r#"{"taskId":"1","status":"FAILED","errorCode":"","errorMessage":"",
            "failedReason":{"node_name":"KSampler","exception_type":"torch.OutOfMemoryError","exception_message":"CUDA out of memory","traceback":"[\"a\", \"b\"]"}}"#;
        let OutputsAnswer::Failed(reason) = parse_query(object).expect("parses").answer else {
            panic!("expected Failed");
        };
        assert_eq!(reason.node_name.as_deref(), Some("KSampler"));
        assert_eq!(reason.traceback.len(), 2);
        let string = r#"{"taskId":"1","status":"FAILED","failedReason":"{\"node_name\":\"LoadImage\",\"exception_message\":\"bad file\"}"}"#;
        let OutputsAnswer::Failed(reason) = parse_query(string).expect("parses").answer else {
            panic!("expected Failed");
        };
        assert_eq!(reason.node_name.as_deref(), Some("LoadImage"));
        assert_eq!(reason.exception_message.as_deref(), Some("bad file"));
    }

    #[test]
    fn unknown_task_and_refusals() {
        let missing = r#"{"taskId":"1","status":"FAILED","errorCode":"1004","errorMessage":"任务不存在 task not found","results":null}"#;
        assert_eq!(
            parse_query(missing).expect("parses").answer,
            OutputsAnswer::NotFound
        );
        assert_eq!(
            parse_query(NO_TOKEN),
            Err(ApiError::Service {
                code: 412,
                msg: "TOKEN_INVALID".into()
            })
        );
        let only_error = r#"{"errorCode":"1003","errorMessage":"rate limit"}"#;
        assert_eq!(
            parse_query(only_error),
            Err(ApiError::Service {
                code: 1003,
                msg: "rate limit".into()
            })
        );
        // The flat answer inside an envelope, as one client has met it.
        let wrapped = r#"{"code":0,"msg":"success","data":{"taskId":"1","status":"RUNNING"}}"#;
        assert_eq!(
            parse_query(wrapped).expect("parses").answer,
            OutputsAnswer::Running
        );
        for garbage in [
            "<html>404</html>",
            "",
            "[1]",
            "{\"taskId\":\"1\",\"status\"",
        ] {
            assert_eq!(parse_query(garbage), Err(ApiError::NotJson), "{garbage}");
        }
        assert!(matches!(
            parse_query(r#"{"taskId":"1","status":"EXPLODED"}"#),
            Err(ApiError::Shape(_))
        ));
    }

    #[test]
    fn upload_answers() {
        let uploaded = parse_upload(PAGE_UPLOAD_OK).expect("parses");
        assert_eq!(
            uploaded.file_name,
            "openapi/61432ac1b3f3f5b19edcccff137d49d24a907b32ef3a737d1958e33aa91f1f44.png"
        );
        assert_eq!(uploaded.file_type.as_deref(), Some("image"));
        assert_eq!(uploaded.api, ApiVersion::V2);
        let refused = parse_upload(PAGE_UPLOAD_BAD_KEY).expect_err("401");
        assert_eq!(
            refused,
            ApiError::Service {
                code: 401,
                msg: "ApiKey verification failed: API Key不存在".into()
            }
        );
        assert_eq!(
            parse_upload(NO_TOKEN).expect_err("412").code(),
            Some(super::super::Code::TokenInvalid)
        );
    }

    #[test]
    fn when_to_fall_back_to_v1() {
        let service = |code| ApiError::Service {
            code,
            msg: String::new(),
        };
        // Not there.
        assert_eq!(fallback(&ApiError::Http(404)), Fallback::V1);
        assert_eq!(fallback(&ApiError::NotJson), Fallback::V1);
        assert_eq!(fallback(&service(404)), Fallback::V1);
        // The token refused: v1 decides.
        for code in [401, 412, 802] {
            assert_eq!(fallback(&service(code)), Fallback::V1IfAccepted, "{code}");
        }
        // About the file, the task or the moment: never.
        for code in [301, 808, 809, 1008, 421, 500] {
            assert_eq!(fallback(&service(code)), Fallback::No, "{code}");
        }
        for error in [
            ApiError::Http(502),
            ApiError::Http(413),
            ApiError::Network("x".into()),
            ApiError::Aborted,
            ApiError::Blocked,
            ApiError::RelayUnreachable,
            ApiError::Shape("x".into()),
        ] {
            assert_eq!(fallback(&error), Fallback::No, "{error:?}");
        }
    }

    #[test]
    fn text_is_used_for_ids() {
        let id = RawValue::from_string("1983070826507472898".into()).expect("JSON");
        assert_eq!(loose::scalar(&id).as_deref(), Some("1983070826507472898"));
    }
}
