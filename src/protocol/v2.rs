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

use super::json::{self, Object, Value};

use super::answers::{field, parse_failed_reason, Envelope};
use super::error::ApiError;
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
    let envelope = Envelope::parse(body)?;
    if envelope.code != 0 {
        return Err(ApiError::Service {
            code: envelope.code,
            msg: envelope.msg,
        });
    }
    let map = envelope
        .data
        .as_object()
        .ok_or_else(|| ApiError::Shape("upload v2: data is not an object".into()))?;
    Ok(Uploaded {
        file_name: field(map, "fileName")
            .ok_or_else(|| ApiError::Shape("upload v2: no fileName".into()))?,
        file_type: field(map, "type"),
        api: ApiVersion::V2,
    })
}

/// Parses the answer to `POST /openapi/v2/query`. Unknown fields are ignored; ids and `usage`
/// values may be strings or numbers (big ids keep every digit) or null.
pub fn parse_query(body: &str) -> Result<Polled, ApiError> {
    let Some(Value::Object(map)) = json::parse(body.trim()) else {
        return Err(ApiError::NotJson);
    };
    let map = unwrap_envelope(map)?;
    let usage = map.get("usage").map(parse_usage).unwrap_or_default();
    let status = field(&map, "status")
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    let error_code = field(&map, "errorCode");
    let error_message = field(&map, "errorMessage");
    let answer = match status.as_str() {
        "QUEUED" | "CREATE" | "PENDING" => OutputsAnswer::Queued,
        "RUNNING" => OutputsAnswer::Running,
        "SUCCESS" => {
            let files: Vec<OutputFile> = map
                .get("results")
                .and_then(Value::as_array)
                .map(|items| items.iter().filter_map(parse_result).collect())
                .unwrap_or_default();
            if files.is_empty() {
                OutputsAnswer::Empty
            } else {
                OutputsAnswer::Done(files)
            }
        }
        _ if error_code.as_deref() == Some(TASK_NOT_FOUND) => OutputsAnswer::NotFound,
        "FAILED" | "CANCEL" | "CANCELED" | "CANCELLED" => {
            OutputsAnswer::Failed(failure(&map, error_code, error_message))
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
        usage,
        api: ApiVersion::V2,
        // v2 does not hand out the progress socket.
        socket: None,
    })
}

/// The flat answer itself, or the one inside a `{code: 0, data}` envelope (a client has met
/// that form); a non-zero envelope is the call refused (`{"code": 412, "msg": "TOKEN_INVALID"}`).
fn unwrap_envelope(map: Object) -> Result<Object, ApiError> {
    if map.contains_key("status") || map.contains_key("taskId") || !map.contains_key("code") {
        return Ok(map);
    }
    let envelope = Envelope::from_object(map)?;
    match (envelope.code, envelope.data) {
        (0, Value::Object(inner)) => Ok(inner),
        (0, _) => Err(ApiError::Shape("query v2: data is not an object".into())),
        (code, _) => Err(ApiError::Service {
            code,
            msg: envelope.msg,
        }),
    }
}

/// `usage`: every field a string, a number or null.
pub fn parse_usage(value: &Value) -> Usage {
    let Some(map) = value.as_object() else {
        return Usage::default();
    };
    Usage {
        consume_coins: field(map, "consumeCoins"),
        consume_money: field(map, "consumeMoney"),
        third_party_consume_money: field(map, "thirdPartyConsumeMoney"),
        task_cost_time: field(map, "taskCostTime"),
    }
}

/// One of `results`: `{url, outputType, nodeId?, text?}` (a v1-style `fileUrl`/`fileType` is
/// taken too). A result without a URL (plain text output) has no file to show.
fn parse_result(item: &Value) -> Option<OutputFile> {
    let map = item.as_object()?;
    Some(OutputFile {
        file_url: field(map, "url").or_else(|| field(map, "fileUrl"))?,
        file_type: field(map, "outputType")
            .or_else(|| field(map, "fileType"))
            .unwrap_or_default(),
        node_id: field(map, "nodeId"),
        ..OutputFile::default()
    })
}

/// Why a task failed: `failedReason` (an object, or the same as a JSON string; `{}` when there
/// is none), completed by `errorCode`/`errorMessage`.
fn failure(
    map: &Object,
    error_code: Option<String>,
    error_message: Option<String>,
) -> FailedReason {
    let reason = match map.get("failedReason") {
        Some(Value::String(s)) => match json::parse(s) {
            Some(inner @ Value::Object(_)) => parse_failed_reason(&inner),
            _ => parse_failed_reason(&Value::String(s.clone())),
        },
        Some(value @ Value::Object(_)) => parse_failed_reason(value),
        Some(other) => parse_failed_reason(other),
        None => FailedReason::default(),
    };
    FailedReason {
        exception_type: reason.exception_type.or(error_code),
        exception_message: reason.exception_message.or(error_message),
        ..reason
    }
}

#[cfg(test)]
mod tests {
    use super::super::answers::text;
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
        assert_eq!(
            text(&Value::from(json::Number::from(1983070826507472898u64))).as_deref(),
            Some("1983070826507472898")
        );
    }
}
