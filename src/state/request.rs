//! What the form hands to a render or a batch, and where a picked picture stands.

use crate::browser;
use crate::i18n::Texts;
use crate::lifecycle::sketchup::FromSketchup;
use crate::protocol::{NodeInfo, RunRequest};

use super::Target;

/// One render, as the form asked for it.
#[derive(Debug, Clone)]
pub struct RenderRequest {
    pub target: Target,
    /// The screenshot as picked on this device (for the before/after comparison), if it was.
    pub source: Option<SourcePicture>,
    pub webapp_id: String,
    pub nodes: Vec<NodeInfo>,
    pub webhook_url: Option<String>,
    pub instance_type: Option<String>,
    /// Which API uploaded this render's pictures, when the page uploaded them.
    pub upload_api: Option<crate::protocol::ApiVersion>,
    /// Names of the app's nodes the form knows (`(node id, class name)`), for the progress view.
    pub node_names: Vec<(String, String)>,
}

impl RenderRequest {
    /// A fresh journal entry for this render, written before its run request leaves. It holds
    /// everything but the key.
    pub fn new_record(&self, now_ms: f64) -> crate::storage::journal::JobRecord {
        crate::storage::journal::JobRecord {
            v: crate::storage::journal::RECORD_VERSION,
            id: format!("{}-{:06}", now_ms as u64, (browser::random() * 1e6) as u32),
            created_ms: now_ms,
            base: self.target.api.base().to_owned(),
            webapp_id: self.webapp_id.clone(),
            nodes: self.nodes.clone(),
            instance_type: self.instance_type.clone(),
            source_name: self.source.as_ref().map(|s| s.name.clone()),
            task_id: None,
            phase: crate::lifecycle::Phase::Submitting.slug().to_owned(),
            outputs: Vec::new(),
            cost_time: None,
            coins: None,
            money: None,
            third_party_money: None,
            currency: self.target.api.currency(),
            upload_api: self.upload_api.map(|a| a.slug().to_owned()),
            poll_api: None,
            ended_ms: None,
            kept: Vec::new(),
            source_kept: false,
            sketchup: self.source.as_ref().and_then(|s| s.sketchup.clone()),
        }
    }

    /// The run body. Borrowed, so the key is not copied around more than needed.
    pub fn run_body(&self) -> RunRequest<'_> {
        RunRequest {
            api_key: &self.target.key,
            webapp_id: &self.webapp_id,
            node_info_list: &self.nodes,
            webhook_url: self.webhook_url.as_deref(),
            instance_type: self.instance_type.as_deref(),
        }
    }
}

/// Where the picture of one image node stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum UploadState {
    /// No file picked (the node's value may still be typed by hand).
    #[default]
    Idle,
    Preparing,
    /// Picked and ready, but there is no usable key or site yet.
    WaitingForKey,
    Uploading,
    /// Uploaded (with this API); the node's value holds the returned file name.
    Done(crate::protocol::ApiVersion),
    /// A picture from SketchUp, ready: it is uploaded when Render is pressed, so that nothing
    /// reaches RunningHub before the user says so.
    Held,
    /// The file was refused before anything was sent.
    Refused(crate::lifecycle::prepare::FileProblem),
    Failed(crate::protocol::ApiError),
}

impl UploadState {
    pub fn slug(&self) -> &'static str {
        match self {
            UploadState::Idle => "idle",
            UploadState::Preparing => "preparing",
            UploadState::WaitingForKey => "waiting",
            UploadState::Uploading => "uploading",
            UploadState::Done(_) => "done",
            UploadState::Held => "held",
            UploadState::Refused(_) => "refused",
            UploadState::Failed(_) => "failed",
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self, UploadState::Done(_))
    }

    /// Why a render can't start while the picture is in this state.
    pub fn blocks_render(&self, t: &'static Texts) -> Option<&'static str> {
        match self {
            UploadState::Preparing | UploadState::Uploading | UploadState::WaitingForKey => {
                Some(t.need_upload)
            }
            UploadState::Failed(_) => Some(t.need_upload_fixed),
            _ => None,
        }
    }
}

/// The screenshot the user picked, kept in memory to compare with the rendering. Browser objects
/// are not `Send`; the app is single-threaded, so the wrapper never moves between threads.
#[derive(Debug, Clone)]
pub struct SourcePicture {
    pub name: String,
    pub blob: send_wrapper::SendWrapper<web_sys::Blob>,
    /// The SketchUp model and scene, when the picture came from the extension.
    pub sketchup: Option<FromSketchup>,
}

/// Several screenshots rendered one after another with the same settings.
#[derive(Debug, Clone)]
pub struct BatchRequest {
    /// Everything but the screenshot node, which each item fills with its own upload.
    pub template: RenderRequest,
    /// The screenshot node's id and field.
    pub node: (String, String),
    pub files: Vec<BatchFile>,
    /// How many render at once (RunningHub member keys run one at a time).
    pub concurrency: usize,
    /// Stop before the batch would spend more than this many coins.
    pub budget: Option<f64>,
    /// Coins one render cost last time, when known.
    pub per_render: Option<f64>,
    /// Shrink settings for the uploads.
    pub shrink: (bool, u32),
}

/// One picture of a batch (or one from SketchUp for the screenshot input).
#[derive(Debug, Clone)]
pub struct BatchFile {
    pub name: String,
    pub file: send_wrapper::SendWrapper<web_sys::File>,
    /// The SketchUp model and scene, when the picture came from the extension.
    pub sketchup: Option<FromSketchup>,
}
