//! Tolerant parsing of RunningHub answers: the envelope first, then `data` as the code says.
//! Numbers and strings are accepted for each other wherever RunningHub has been seen to mix them
//! (see [`super::loose`]).

use serde::Deserialize;
use serde_json::value::RawValue;

use super::codes::Code;
use super::error::ApiError;
use super::loose::{self, object};
use super::types::*;

/// A parsed `{"code", "msg", "data"}` envelope; `data` is kept as its JSON text until the code
/// tells what it is.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub code: i64,
    pub msg: String,
    /// `None` for a missing or null `data`.
    pub data: Option<&'a RawValue>,
}

impl PartialEq for Envelope<'_> {
    fn eq(&self, other: &Self) -> bool {
        (self.code, &self.msg, self.data.map(RawValue::get))
            == (other.code, &other.msg, other.data.map(RawValue::get))
    }
}

/// The envelope as sent.
#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(deserialize_with = "code")]
    code: i64,
    #[serde(default, deserialize_with = "loose::text")]
    msg: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    message: Option<String>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// `code`: a whole number, or the same as a string.
fn code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let text = loose::text(d)?.unwrap_or_default();
    text.trim()
        .parse()
        .map_err(|_| serde::de::Error::custom("code is not a whole number"))
}

impl<'a> Envelope<'a> {
    /// Parses an answer body. Anything that is not a JSON object with a numeric `code` is
    /// [`ApiError::NotJson`]: proxies answer with HTML pages, and cut connections with half a body.
    pub fn parse(body: &'a str) -> Result<Envelope<'a>, ApiError> {
        let wire: Wire = object(body).ok_or(ApiError::NotJson)?;
        Ok(Envelope {
            code: wire.code,
            // v1 says `msg`; v2's upload says `message`.
            msg: wire.msg.or(wire.message).unwrap_or_default(),
            data: wire.data,
        })
    }

    fn into_service_error(self) -> ApiError {
        ApiError::Service {
            code: self.code,
            msg: self.msg,
        }
    }

    /// `data` of a code 0 answer, or the code as an error.
    pub(crate) fn success_data(self) -> Result<Option<&'a RawValue>, ApiError> {
        if self.code == 0 {
            Ok(self.data)
        } else {
            Err(self.into_service_error())
        }
    }
}

/// `data` read as a `T`, or [`ApiError::Shape`] with `problem` when it is not an object of that
/// shape.
pub(crate) fn data_as<'a, T: Deserialize<'a>>(
    data: Option<&'a RawValue>,
    problem: &str,
) -> Result<T, ApiError> {
    data.and_then(|d| object(d.get()))
        .ok_or_else(|| ApiError::Shape(problem.to_owned()))
}

/// Parses the answer to `/task/openapi/ai-app/run`.
pub fn parse_run(body: &str) -> Result<RunData, ApiError> {
    data_as(
        Envelope::parse(body)?.success_data()?,
        "run: data holds no taskId",
    )
}

/// `netWssUrl` of an answer's data, when it holds a usable one.
#[derive(Deserialize)]
struct Socket {
    #[serde(default, rename = "netWssUrl", deserialize_with = "SocketUrl::loose")]
    url: Option<SocketUrl>,
}

/// Parses the answer to `/task/openapi/outputs`, following the table in the field guide.
pub fn parse_outputs(body: &str) -> Result<OutputsAnswer, ApiError> {
    parse_poll_v1(body).map(|polled| polled.answer)
}

/// The answer to `/task/openapi/outputs` as a poll: the state, the cost the files report, and
/// the progress socket a running task's answer (804) carries.
pub fn parse_poll_v1(body: &str) -> Result<Polled, ApiError> {
    let envelope = Envelope::parse(body)?;
    let socket = envelope
        .data
        .and_then(|d| object::<Socket>(d.get()))
        .and_then(|s| s.url);
    let answer = outputs_answer(envelope)?;
    let usage = match &answer {
        OutputsAnswer::Done(files) => Usage::from_files(files),
        _ => Usage::default(),
    };
    Ok(Polled {
        answer,
        usage,
        api: ApiVersion::V1,
        socket,
    })
}

/// A failed task's `data`: `{failedReason}`, or (older answers) the reason itself.
#[derive(Deserialize)]
struct Failure<'a> {
    #[serde(borrow, default, rename = "failedReason")]
    reason: Option<&'a RawValue>,
}

fn outputs_answer(envelope: Envelope) -> Result<OutputsAnswer, ApiError> {
    match Code::from_i64(envelope.code) {
        Some(Code::Success) => {
            let Some(data) = envelope.data else {
                return Ok(OutputsAnswer::Running);
            };
            let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(data.get()) else {
                return Err(ApiError::Shape(
                    "outputs: data is neither a list nor null".into(),
                ));
            };
            if items.is_empty() {
                return Ok(OutputsAnswer::Empty);
            }
            let files: Vec<OutputFile> = items.iter().filter_map(|i| object(i.get())).collect();
            if files.is_empty() {
                Err(ApiError::Shape("outputs: no fileUrl in any item".into()))
            } else {
                Ok(OutputsAnswer::Done(files))
            }
        }
        Some(Code::TaskIsRunning) => Ok(OutputsAnswer::Running),
        Some(Code::TaskIsQueued) => Ok(OutputsAnswer::Queued),
        Some(Code::TaskStatusError) => Ok(OutputsAnswer::Failed(match envelope.data {
            None => FailedReason::default(),
            Some(data) => {
                let inner = object::<Failure>(data.get()).and_then(|f| f.reason);
                FailedReason::from_raw(inner.unwrap_or(data))
            }
        })),
        Some(Code::TaskNotFound | Code::TaskNotFounded) => Ok(OutputsAnswer::NotFound),
        _ => Err(envelope.into_service_error()),
    }
}

/// Parses the answer to `/uc/openapi/accountStatus`.
pub fn parse_account(body: &str) -> Result<AccountStatus, ApiError> {
    data_as(
        Envelope::parse(body)?.success_data()?,
        "accountStatus: data is not an object",
    )
}

/// What an upload answers (v1's `{fileName, fileType}`, v2's `{fileName, type, …}`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UploadData {
    #[serde(default, deserialize_with = "loose::text")]
    pub file_name: Option<String>,
    #[serde(default, deserialize_with = "loose::text")]
    pub file_type: Option<String>,
    #[serde(default, rename = "type", deserialize_with = "loose::text")]
    pub kind: Option<String>,
}

/// Parses the answer to `/task/openapi/upload`.
pub fn parse_upload(body: &str) -> Result<Uploaded, ApiError> {
    let data: UploadData = data_as(
        Envelope::parse(body)?.success_data()?,
        "upload: data is not an object",
    )?;
    Ok(Uploaded {
        file_name: data
            .file_name
            .ok_or_else(|| ApiError::Shape("upload: no fileName".into()))?,
        file_type: data.file_type,
        api: ApiVersion::V1,
    })
}

/// Parses the answer to `GET /api/webapp/apiCallDemo`.
pub fn parse_app_demo(body: &str) -> Result<AppDemo, ApiError> {
    data_as(
        Envelope::parse(body)?.success_data()?,
        "apiCallDemo: data is not an object",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed document's run answer, verbatim.
    const SEED_RUN_ANSWER: &str = r#"{
    "code": 0,
    "msg": "success",
    "errorMessages": null,
    "data": {
        "netWssUrl": null,
        "taskId": "1983070826507472898",
        "clientId": "4c8a885af070060139abecdbffc97978",
        "taskStatus": "QUEUED",
        "promptTips": "{\"result\": true, \"error\": null, \"outputs_to_execute\": [\"160\"], \"node_errors\": {}}"
    }
}"#;

    /// The seed document's outputs answer, verbatim.
    const SEED_OUTPUTS_ANSWER: &str = r#"{
  "code": 0,
  "msg": "success",
  "data": [
    {
      "fileUrl": "https://rh-images.xiaoyaoyou.com/de0db6f2564c8697b07df55a77f07be9/output/ComfyUI_00033_hpgko_1742822929.png",
      "fileType": "png",
      "taskCostTime": "0",
      "nodeId": "9"
    }
  ]
}"#;

    /// The seed's webhook `eventData`: an outputs answer inside a string, with a numeric cost.
    const SEED_WEBHOOK_EVENT_DATA: &str = "{\"code\":0,\"msg\":\"success\",\"data\":[{\"fileUrl\":\"https://rh-images.xiaoyaoyou.com/de0db6f2564c8697b07df55a77f07be9/output/ComfyUI_00033_hpgko_1742822929.png\",\"fileType\":\"png\",\"taskCostTime\":0,\"nodeId\":\"9\"}]}";

    #[test]
    fn seed_run_answer() {
        let run = parse_run(SEED_RUN_ANSWER).expect("seed run answer parses");
        assert_eq!(run.task_id, "1983070826507472898");
        assert_eq!(run.task_status.as_deref(), Some("QUEUED"));
        assert_eq!(
            run.client_id.as_deref(),
            Some("4c8a885af070060139abecdbffc97978")
        );
        let tips = run.prompt_tips.expect("promptTips parsed");
        assert_eq!(tips.result, Some(true));
        assert_eq!(tips.outputs_to_execute, vec!["160".to_string()]);
        assert!(tips.node_errors.is_empty());
        assert_eq!(tips.error, None);
    }

    #[test]
    fn seed_outputs_answer() {
        let OutputsAnswer::Done(files) = parse_outputs(SEED_OUTPUTS_ANSWER).expect("parses") else {
            panic!("expected Done");
        };
        assert_eq!(files.len(), 1);
        assert!(files[0]
            .file_url
            .ends_with("ComfyUI_00033_hpgko_1742822929.png"));
        assert_eq!(files[0].file_type, "png");
        assert_eq!(files[0].task_cost_time.as_deref(), Some("0"));
        assert_eq!(files[0].node_id.as_deref(), Some("9"));
        assert!(files[0].is_image());
    }

    #[test]
    fn seed_webhook_event_data_is_an_outputs_answer() {
        let OutputsAnswer::Done(files) = parse_outputs(SEED_WEBHOOK_EVENT_DATA).expect("parses")
        else {
            panic!("expected Done");
        };
        assert_eq!(files[0].task_cost_time.as_deref(), Some("0"));
    }

    #[test]
    fn task_id_as_a_big_number_keeps_every_digit() {
        let body = r#"{"code":0,"msg":"success","data":{"taskId":1983070826507472898,"taskStatus":"QUEUED"}}"#;
        assert_eq!(
            parse_run(body).expect("parses").task_id,
            "1983070826507472898"
        );
    }

    #[test]
    fn task_ids_above_2_64_and_costs_keep_every_digit_they_came_with() {
        let body = r#"{"code":0,"msg":"success","data":{"taskId":2013508786110730241123,"taskStatus":"QUEUED"}}"#;
        assert_eq!(
            parse_run(body).expect("parses").task_id,
            "2013508786110730241123"
        );
        let done = r#"{"code":0,"msg":"success","data":[{"fileUrl":"https://x/a.png","fileType":"png","taskCostTime":33.50,"consumeMoney":0.350,"consumeCoins":12}]}"#;
        let polled = parse_poll_v1(done).expect("parses");
        assert_eq!(polled.usage.task_cost_time.as_deref(), Some("33.50"));
        assert_eq!(polled.usage.consume_money.as_deref(), Some("0.350"));
        assert_eq!(polled.usage.consume_coins.as_deref(), Some("12"));
    }

    #[test]
    fn every_outputs_shape_in_the_field_guide() {
        let running_obj =
            r#"{"code":804,"msg":"APIKEY_TASK_IS_RUNNING","data":{"netWssUrl":"wss://x"}}"#;
        assert_eq!(parse_outputs(running_obj), Ok(OutputsAnswer::Running));
        let queued = r#"{"code":813,"msg":"APIKEY_TASK_IS_QUEUED","data":null}"#;
        assert_eq!(parse_outputs(queued), Ok(OutputsAnswer::Queued));
        let null_data = r#"{"code":0,"msg":"success","data":null}"#;
        assert_eq!(parse_outputs(null_data), Ok(OutputsAnswer::Running));
        let empty = r#"{"code":0,"msg":"success","data":[]}"#;
        assert_eq!(parse_outputs(empty), Ok(OutputsAnswer::Empty));
        let not_found = r#"{"code":807,"msg":"APIKEY_TASK_NOT_FOUND","data":null}"#;
        assert_eq!(parse_outputs(not_found), Ok(OutputsAnswer::NotFound));
        let bad_key = r#"{"code":802,"msg":"APIKEY_UNAUTHORIZED","data":null}"#;
        assert_eq!(
            parse_outputs(bad_key),
            Err(ApiError::Service {
                code: 802,
                msg: "APIKEY_UNAUTHORIZED".into()
            })
        );
    }

    #[test]
    fn failed_reason_with_traceback_inside_a_string() {
        let body = r#"{"code":805,"msg":"APIKEY_TASK_STATUS_ERROR","data":{"failedReason":{
            "node_name":"KSampler","node_id":"3","exception_type":"torch.OutOfMemoryError",
            "exception_message":"CUDA out of memory",
            "traceback":"[\"Traceback (most recent call last):\\n\", \"  File \\\"execution.py\\\"\\n\"]"}}}"#;
        let Ok(OutputsAnswer::Failed(reason)) = parse_outputs(body) else {
            panic!("expected Failed");
        };
        assert_eq!(reason.node_name.as_deref(), Some("KSampler"));
        assert_eq!(
            reason.exception_type.as_deref(),
            Some("torch.OutOfMemoryError")
        );
        assert_eq!(
            reason.exception_message.as_deref(),
            Some("CUDA out of memory")
        );
        assert_eq!(reason.traceback.len(), 2);
        assert!(reason.traceback[1].contains("execution.py"));
    }

    #[test]
    fn failed_with_no_reason_still_fails() {
        let body = r#"{"code":805,"msg":"APIKEY_TASK_STATUS_ERROR","data":null}"#;
        assert_eq!(
            parse_outputs(body),
            Ok(OutputsAnswer::Failed(FailedReason::default()))
        );
    }

    #[test]
    fn node_errors_are_listed_per_node() {
        let body = r#"{"code":0,"msg":"success","data":{"taskId":"1","taskStatus":"FAILED",
            "promptTips":"{\"result\": false, \"error\": {\"type\": \"prompt_outputs_failed_validation\", \"message\": \"Prompt outputs failed validation\"}, \"outputs_to_execute\": [], \"node_errors\": {\"112\": {\"errors\": [{\"type\": \"custom_validation_failed\", \"message\": \"Invalid image file\", \"details\": \"image: api/missing.png\", \"extra_info\": {}}], \"dependent_outputs\": [\"160\"], \"class_type\": \"LoadImage\"}}}"}}"#;
        let tips = parse_run(body).expect("parses").prompt_tips.expect("tips");
        assert_eq!(tips.result, Some(false));
        assert_eq!(
            tips.error.as_deref(),
            Some("Prompt outputs failed validation")
        );
        assert_eq!(tips.node_errors.len(), 1);
        assert_eq!(tips.node_errors[0].node_id, "112");
        assert_eq!(tips.node_errors[0].class_type.as_deref(), Some("LoadImage"));
        assert_eq!(
            tips.node_errors[0].messages,
            vec!["Invalid image file: image: api/missing.png"]
        );
    }

    #[test]
    fn garbage_is_not_json() {
        for body in [
            "<html><body>502 Bad Gateway</body></html>",
            "{\"code\":0,\"msg\":\"succ",
            "",
            "[1,2]",
            "{\"msg\":\"no code\"}",
        ] {
            assert_eq!(parse_outputs(body), Err(ApiError::NotJson), "{body}");
        }
    }

    /// What our relay sends in place of an upstream answer that is not JSON (server/src/relay.rs,
    /// `not_json`): read exactly as the HTML it replaces was, by every parser that gets it.
    #[test]
    fn the_relays_stand_in_for_a_page_that_is_not_json_reads_as_not_json() {
        let stand_in = r#"{"code":null,"msg":"relay: RunningHub answered HTTP 200 with text/html, not JSON","data":null,"relay":"not-json"}"#;
        assert_eq!(Envelope::parse(stand_in), Err(ApiError::NotJson));
        assert_eq!(parse_outputs(stand_in), Err(ApiError::NotJson));
        assert_eq!(parse_run(stand_in).map(|_| ()), Err(ApiError::NotJson));
        assert_eq!(
            super::super::v2::parse_query(stand_in).map(|_| ()),
            Err(ApiError::NotJson)
        );
        // So a run that got it may have created a task, and v2 falls back to v1 as before.
        assert!(ApiError::NotJson.answer_lost());
    }

    #[test]
    fn code_as_a_string_is_accepted() {
        let body = r#"{"code":"813","msg":"APIKEY_TASK_IS_QUEUED","data":null}"#;
        assert_eq!(parse_outputs(body), Ok(OutputsAnswer::Queued));
    }

    #[test]
    fn account_values_are_strings_or_null() {
        let body = r#"{"code":0,"msg":"success","data":{"remainCoins":"1234","currentTaskCounts":0,"remainMoney":null,"currency":null,"apiType":"NORMAL"}}"#;
        let account = parse_account(body).expect("parses");
        assert_eq!(account.remain_coins.as_deref(), Some("1234"));
        assert_eq!(account.current_task_counts.as_deref(), Some("0"));
        assert_eq!(account.remain_money, None);
        assert_eq!(account.api_type.as_deref(), Some("NORMAL"));
    }

    #[test]
    fn upload_answer() {
        let body =
            r#"{"code":0,"msg":"success","data":{"fileName":"api/abc.png","fileType":"input"}}"#;
        assert_eq!(parse_upload(body).expect("parses").file_name, "api/abc.png");
        let too_big = r#"{"code":809,"msg":"APIKEY_FILE_SIZE_EXCEEDED","data":null}"#;
        assert_eq!(
            parse_upload(too_big).expect_err("809").code(),
            Some(Code::FileSizeExceeded)
        );
    }

    #[test]
    fn app_demo_fields_and_list_choices() {
        let body = r#"{"code":0,"msg":"success","data":{"webappName":"Interior","nodeInfoList":[
            {"nodeId":"112","nodeName":"LoadImage","fieldName":"image","fieldValue":"a.jpg","fieldType":"IMAGE","description":"SU截图","descriptionEn":"SU screenshot"},
            {"nodeId":"7","fieldName":"style","fieldValue":"modern","fieldType":"LIST","fieldData":"[[\"modern\",\"nordic\"],{\"default\":\"modern\"}]"},
            {"nodeId":9,"fieldName":"seed","fieldValue":42,"fieldType":"int"}]}}"#;
        let demo = parse_app_demo(body).expect("parses");
        assert_eq!(demo.webapp_name.as_deref(), Some("Interior"));
        assert_eq!(demo.fields.len(), 3);
        assert_eq!(demo.fields[1].choices, vec!["modern", "nordic"]);
        assert_eq!(demo.fields[2].node_id, "9");
        assert_eq!(demo.fields[2].field_type, "INT");
    }

    #[test]
    fn file_kinds() {
        let file = |url: &str, kind: &str| OutputFile {
            file_url: url.into(),
            file_type: kind.into(),
            ..OutputFile::default()
        };
        assert!(file("https://x/a.PNG", "").is_image());
        assert!(file("https://x/a", "jpg").is_image());
        assert!(!file("https://x/a.mp4", "mp4").is_image());
        assert!(!file("https://x/a.txt?x=1", "").is_image());
    }
}
