//! Every string the page shows, in Chinese and English, in one typed place: `Texts` is a struct,
//! so a string missing from either language fails to compile, and the code tables are exhaustive
//! matches. Tests check that the English side holds no Chinese and the other way round.

use crate::protocol::{ApiError, Code};

/// The UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// This language's strings. English is a part of the split build: until
    /// `components::parts::load_language` has fetched it, Chinese stands in (the page never
    /// switches to English before that).
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Zh => &ZH,
            Lang::En => english().unwrap_or(&ZH),
        }
    }

    /// The BCP 47 tag, for `<html lang>` and number formats.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Lang::Zh)
        } else if tag.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The stored setting wins; otherwise the first browser language we have; otherwise English.
    pub fn pick(saved: Option<&str>, browser: &[String]) -> Lang {
        saved
            .and_then(Lang::from_tag)
            .or_else(|| browser.iter().find_map(|t| Lang::from_tag(t)))
            .unwrap_or(Lang::En)
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// The English strings, when they are at hand (always, but in the split build).
#[cfg(not(feature = "split"))]
pub fn english() -> Option<&'static Texts> {
    Some(&EN)
}

/// The English strings, once fetched.
#[cfg(feature = "split")]
static ENGLISH: std::sync::OnceLock<&'static Texts> = std::sync::OnceLock::new();

/// The English strings, when they are at hand (in the split build, once fetched).
#[cfg(feature = "split")]
pub fn english() -> Option<&'static Texts> {
    ENGLISH.get().copied()
}

/// Keeps the English strings the split build fetched.
#[cfg(feature = "split")]
pub fn set_english(texts: &'static Texts) {
    let _ = ENGLISH.set(texts);
}

macro_rules! texts {
    ($($(#[$doc:meta])* $field:ident,)*) => {
        /// All fixed strings of the UI. `{}` marks where a value goes (see [`fill`]).
        pub struct Texts { $($(#[$doc])* pub $field: &'static str,)* }

        impl Texts {
            /// Every string with its field name, for tests.
            pub fn all(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($field), self.$field)),*]
            }
        }
    };
}

texts! {
    tagline,
    /// The label of the button that switches to the *other* language.
    switch_lang,
    switch_lang_aria,
    connection_title,
    key_label,
    key_placeholder,
    key_placeholder_sim,
    key_show,
    key_hide,
    key_invalid,
    key_help,
    remember_label,
    remember_help,
    site_label,
    site_cn,
    site_ai,
    site_local_sim,
    site_custom,
    site_help,
    custom_base_label,
    custom_base_invalid,
    consent_title,
    consent_body,
    consent_allow,
    consent_reject,
    render_title,
    webapp_label,
    webapp_invalid,
    screenshot_label,
    screenshot_hint,
    reference_label,
    reference_hint,
    webhook_label,
    webhook_hint,
    webhook_invalid,
    render_button,
    rendering_button,
    need_key,
    need_screenshot,
    need_consent,
    need_base,
    task_label,
    elapsed_label,
    status_label,
    phase_submitting,
    phase_waiting,
    phase_queued,
    phase_running,
    phase_reconnecting,
    phase_succeeded,
    phase_no_output,
    phase_failed,
    phase_refused,
    phase_not_found,
    phase_timed_out,
    phase_cancelled,
    phase_unknown,
    detail_waiting,
    detail_queued,
    detail_running,
    detail_reconnecting,
    detail_no_output,
    detail_not_found,
    detail_timed_out,
    detail_unknown,
    keep_waiting,
    cancel_button,
    cancelling,
    results_title,
    open_full,
    file_link,
    cost_time,
    cost_coins,
    failure_title,
    failure_node,
    failure_type,
    failure_message,
    traceback_summary,
    node_errors_title,
    node_label,
    err_network,
    err_network_cors,
    err_http,
    err_not_json,
    err_shape,
    err_aborted,
    err_code_unknown,
    err_code_prefix,
    empty_title,
    empty_body,
    sim_badge,
    relay_badge,
    footer_privacy,
    drop_here,
    choose_file,
    paste_hint,
    preparing,
    uploading,
    uploaded,
    upload_failed,
    retry_upload,
    waiting_for_key,
    remove_file,
    sizes,
    shrink_label,
    max_side_label,
    file_too_large,
    file_not_image,
    file_undecodable,
    file_empty,
    need_upload,
    need_upload_fixed,
    load_app,
    loading_app,
    app_loaded,
    app_needs_load,
    advanced_title,
    override_node,
    override_field,
    override_value,
    add_override,
    remove_override,
    instance_label,
    instance_default,
    instance_plus,
    not_a_number,
    incomplete_override,
    missing_image,
    check_key,
    checking_key,
    account_coins,
    account_tasks,
    account_type,
    account_money,
    switch_on,
    compare_title,
    mode_slider,
    mode_side,
    mode_flip,
    before,
    after,
    slider_label,
    flip_hint,
    align_note,
    download,
    copy_link,
    link_copied,
    from_link,
    share_link,
    share_result,
    link_ready,
    shared_result_title,
    shared_result_note,
    viewer_label,
    zoom_in,
    zoom_out,
    zoom_fit,
    close,
    open_viewer,
    history_title,
    history_empty,
    clear_history,
    clear_confirm,
    show_more,
    history_count,
    open_item,
    reuse,
    keep,
    kept,
    keep_failed,
    resume,
    delete_item,
    batch_title,
    batch_hint,
    concurrency_label,
    budget_label,
    expected_cost,
    expected_unknown,
    render_all,
    clear_batch,
    batch_progress,
    cancel_all,
    item_waiting,
    item_preparing,
    item_uploading,
    item_over_budget,
    retry,
    part_failed,
    /// Under `part_failed` where a new render's view should be.
    part_not_sent,
    /// Shown (in both languages) when switching to English found no connection.
    lang_failed,
    notify_done,
    notify_failed,
    title_progress,
    export_set,
    auto_keep,
    /// Beside a picture from the SketchUp extension: its model and scene.
    from_sketchup,
    /// The status of a picture from SketchUp that waits for Render before it is uploaded.
    held_for_render,
    sketchup_title,
    resumed_title,
    su_app_name,
    other_app,
    phase_not_sent,
    detail_not_sent,
    err_blocked,
    err_relay_unreachable,
    guide_title,
    guide_body,
    guide_download,
    guide_download_link,
    guide_releases_unknown,
    guide_open_app,
    guide_local,
    guide_use_local,
    guide_team,
    guide_use_relay,
    guide_permission,
    guide_no_answer,
    guide_checking,
    via_this_relay,
    via_relay,
    relay_stop,
    keep_needs_app,
    download_opened,
    /// Shown with an unfinished render found after a reload while no key is at hand.
    resume_needs_key,
    /// The button that fills the screenshot with the built-in sample (simulator only).
    try_sample,
    /// The site choice of a simulator that takes one key only.
    site_local_sim_key,
    /// Takes the user to the key field from a render that waits for it.
    go_to_key,
    api_version_label,
    api_version_auto,
    api_version_v1,
    api_version_hint,
    cost_money,
    batch_total,
    history_total,
    expected_cost_recent,
    guard_per_render,
    guard_from_history,
    guard_from_batch,
    progress_label,
    progress_waiting,
    progress_node,
    progress_cached,
    progress_queue,
    progress_through,
    progress_lost,
    /// "Load app inputs" where the base is RunningHub itself (its call wants the key in the URL).
    app_load_needs_relay,
    /// The consent prompt for the server a journaled render was started at.
    consent_body_resume,
    consent_reject_relay,
    consent_reject_resume,
    /// A journaled render waiting for the consent prompt's answer about its server.
    resume_needs_consent,
    /// A journaled render whose server the user refused.
    resume_refused,
}

/// The strings of "From SketchUp" (`components::sketchup_panel`), apart from [`Texts`]: only that
/// part of the split build names them, so they come with it rather than with the first view
/// (Chinese is in the first view otherwise). The same rules hold (tests below).
pub struct SketchupTexts {
    pub waiting: &'static str,
    pub received: &'static str,
    pub offline: &'static str,
    pub dropped: &'static str,
    pub at_once: &'static str,
    pub at_once_hint: &'static str,
    pub get: &'static str,
    pub download: &'static str,
    pub release: &'static str,
    pub step_install: &'static str,
    pub step_send: &'static str,
    pub step_render: &'static str,
    pub needs_app: &'static str,
}

impl SketchupTexts {
    /// Every string with its field name, for tests.
    pub fn all(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("waiting", self.waiting),
            ("received", self.received),
            ("offline", self.offline),
            ("dropped", self.dropped),
            ("at_once", self.at_once),
            ("at_once_hint", self.at_once_hint),
            ("get", self.get),
            ("download", self.download),
            ("release", self.release),
            ("step_install", self.step_install),
            ("step_send", self.step_send),
            ("step_render", self.step_render),
            ("needs_app", self.needs_app),
        ]
    }
}

impl Lang {
    /// This language's strings of "From SketchUp".
    pub fn sketchup(self) -> &'static SketchupTexts {
        match self {
            Lang::Zh => &SKETCHUP_ZH,
            Lang::En => &SKETCHUP_EN,
        }
    }
}

static SKETCHUP_ZH: SketchupTexts = SketchupTexts {
    waiting: "等待 SketchUp 发来图片：在 SketchUp 中选择 扩展程序 → SU Render → 渲染当前视图，或 渲染所选场景…",
    received: "已收到来自 SketchUp 的图片：{} 张。",
    offline: "暂时连不上本机 SU Render 的图片收件箱，正在重试。",
    dropped: "有 {} 张较早的 SketchUp 图片在本页取走之前被丢弃了：SU Render 最多保留 20 张（共 200 MB）。请重新发送。",
    at_once: "收到 SketchUp 图片后立即渲染",
    at_once_hint: "关闭时，图片留在表单中，按“开始渲染”之前不会发送到 RunningHub。开启后，图片一到就渲染（并扣费）；同时收到的多张图片作为批量渲染。",
    get: "获取 SketchUp 扩展",
    download: "下载 SU Render 扩展（.rbz）",
    release: "到发布页面下载 SU Render 扩展（su-render-<版本>.rbz）",
    step_install: "在 SketchUp 中：扩展程序 → 扩展程序管理器 → 安装扩展程序，选择下载的 .rbz 文件并确认。",
    step_send: "保持 SU Render 小程序运行，在 SketchUp 中选择 扩展程序 → SU Render → 渲染当前视图，或 渲染所选场景…（勾选要渲染的场景）。图片尺寸在 扩展程序 → SU Render → 设置… 中修改。",
    step_render: "图片会带着模型和场景名出现在上方的截图栏中（多张则为批量），按“开始渲染”即可。“打开 SU Render”可以在 SketchUp 里直接打开本页。",
    needs_app: "扩展会把图片发给您电脑上运行的 SU Render 小程序，而不是这个网页：请下载并运行小程序，在它打开的页面（http://127.0.0.1:8080）中接收图片。",
};

static SKETCHUP_EN: SketchupTexts = SketchupTexts {
    waiting: "Waiting for pictures from SketchUp: in SketchUp, choose Extensions → SU Render → Render this view, or Render selected scenes…",
    received: "Pictures from SketchUp so far: {}.",
    offline: "The app's inbox for SketchUp pictures does not answer; trying again.",
    dropped: "{} older pictures from SketchUp were dropped before this page took them: SU Render holds at most 20 (200 MB in all). Send them again.",
    at_once: "Render pictures from SketchUp at once",
    at_once_hint: "Off: a picture waits in the form, and nothing goes to RunningHub until you press Render. On: it is rendered (and billed) as soon as it arrives; several at once become a batch.",
    get: "Get the SketchUp extension",
    download: "Download the SU Render extension (.rbz)",
    release: "Download the SU Render extension (su-render-<version>.rbz) from the releases page",
    step_install: "In SketchUp: Extensions → Extension Manager → Install Extension, pick the downloaded .rbz and confirm.",
    step_send: "Keep the SU Render app running; in SketchUp choose Extensions → SU Render → Render this view, or Render selected scenes… (tick the scenes to render). The picture size is in Extensions → SU Render → Settings…",
    step_render: "The pictures appear in the screenshot box above, named by model and scene (several as a batch); press Render. Open SU Render opens this page from SketchUp.",
    needs_app: "The extension sends pictures to the SU Render app running on your computer, not to this web page: download and start the app, and receive them on the page it opens (http://127.0.0.1:8080).",
};

/// Puts values into a template, one `{}` after another.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut parts = template.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push_str(values.get(i).copied().unwrap_or(""));
        out.push_str(part);
    }
    out
}

pub static ZH: Texts = Texts {
    tagline: "SketchUp 截图一键生成照片级效果图",
    switch_lang: "English",
    switch_lang_aria: "Switch to English",
    connection_title: "连接 RunningHub",
    key_label: "API 密钥",
    key_placeholder: "32 位密钥，在 RunningHub 个人中心获取",
    key_placeholder_sim: "模拟器无需密钥",
    key_show: "显示",
    key_hide: "隐藏",
    key_invalid: "密钥应为 32 位十六进制字符（0–9、a–f），请检查是否复制完整。",
    key_help: "密钥只随请求（正文或 Authorization 请求头）发送到所选站点，不会出现在链接或日志中。",
    remember_label: "在此设备上记住密钥",
    remember_help: "仅在您自己的电脑上勾选。",
    site_label: "站点",
    site_cn: "RunningHub 中国站（www.runninghub.cn）",
    site_ai: "RunningHub 国际站（www.runninghub.ai）",
    site_local_sim: "本机服务器 · 模拟器（无需密钥）",
    site_custom: "自定义地址（中转服务器）",
    site_help: "密钥只能在签发它的站点使用：中国站的密钥不能用于国际站，反之亦然。",
    custom_base_label: "中转服务器地址",
    custom_base_invalid: "请输入以 http:// 或 https:// 开头的完整地址，例如 http://127.0.0.1:8080",
    consent_title: "要把请求发往这台不属于 RunningHub 的服务器吗？",
    consent_body: "确认后，您的 API 密钥会随请求发送给它。只有在您信任这台服务器时才确认。",
    consent_allow: "我信任它，使用此地址",
    consent_reject: "不，改用 RunningHub 中国站",
    render_title: "生成效果图",
    webapp_label: "AI 应用 ID（webappId）",
    webapp_invalid: "webappId 只能由数字组成。",
    screenshot_label: "SketchUp 截图（节点 112）",
    screenshot_hint: "RunningHub 上的文件名（如 api/1a2b….png）或公开图片链接",
    reference_label: "参考图（节点 158，可选）",
    reference_hint: "只参考它的色温和色调；留空则使用应用默认",
    webhook_label: "Webhook 回调地址（可选）",
    webhook_hint: "任务结束时 RunningHub 会向该地址发送结果，需要您自己的服务器",
    webhook_invalid: "Webhook 地址必须以 http:// 或 https:// 开头。",
    render_button: "开始渲染",
    rendering_button: "渲染中…",
    need_key: "请先填写 API 密钥。",
    need_screenshot: "请填写 SketchUp 截图（节点 112）。",
    need_consent: "请先在上方确认是否信任链接里的服务器地址。",
    need_base: "请填写有效的中转服务器地址。",
    task_label: "任务 ID",
    elapsed_label: "已用时",
    status_label: "状态",
    phase_submitting: "正在提交…",
    phase_waiting: "RunningHub 繁忙，等待重试",
    phase_queued: "排队中",
    phase_running: "生成中",
    phase_reconnecting: "正在重新连接…",
    phase_succeeded: "完成",
    phase_no_output: "完成，但没有输出",
    phase_failed: "失败",
    phase_refused: "请求被拒绝",
    phase_not_found: "找不到任务",
    phase_timed_out: "等待超时",
    phase_cancelled: "已取消",
    phase_unknown: "结果未知",
    detail_waiting: "RunningHub 暂时没有空闲机器或队列已满，稍后会自动重新提交（任务尚未创建，不会重复扣费）。",
    detail_queued: "正在排队等待空闲的 GPU…",
    detail_running: "正在生成效果图，通常需要 1–3 分钟。",
    detail_reconnecting: "暂时连不上服务器，正在自动重试，任务不会丢失。",
    detail_no_output: "任务已完成，但没有产生任何文件。请检查输入图片后重试。",
    detail_not_found: "找不到这个任务：它可能属于另一个密钥或另一个站点。",
    detail_timed_out: "已经等了很久仍未完成。任务可能仍在 RunningHub 上运行，可以继续等待。",
    detail_unknown: "提交请求已发出，但没有收到答复，任务可能已经创建。请先到 RunningHub 网站的任务列表查看，再决定是否重新提交，以免重复扣费。",
    keep_waiting: "继续等待",
    cancel_button: "取消任务",
    cancelling: "正在取消…",
    results_title: "结果",
    open_full: "查看原图",
    file_link: "{} 文件",
    cost_time: "耗时 {} 秒",
    cost_coins: "消耗 {} 积分",
    failure_title: "任务失败的原因",
    failure_node: "出错节点",
    failure_type: "错误类型",
    failure_message: "错误信息",
    traceback_summary: "技术细节（traceback）",
    node_errors_title: "工作流拒绝了这些输入：",
    node_label: "节点 {}",
    err_network: "无法连接到 {}。请检查网络后重试。",
    err_network_cors: "如果网络正常，可能是该服务器已停止运行，或浏览器阻止了这次调用（跨域限制 CORS）；电脑上的 SU Render 小程序可以绕过这一限制。",
    err_http: "服务器返回了 HTTP {} 错误。",
    err_not_json: "服务器返回了无法识别的内容（不是 JSON），可能是代理或网关出错。",
    err_shape: "RunningHub 的答复格式与预期不符：{}",
    err_aborted: "请求已中止。",
    err_code_unknown: "RunningHub 返回了未知代码 {}：{}",
    err_code_prefix: "RunningHub 代码 {}：",
    empty_title: "效果图会显示在这里",
    empty_body: "填写密钥和截图，点击“开始渲染”。",
    sim_badge: "模拟器",
    relay_badge: "中转",
    footer_privacy: "本页面只在您的浏览器中运行；密钥只发送给所选站点。",
    drop_here: "把截图拖到这里，或直接粘贴（Ctrl/⌘+V）",
    choose_file: "选择图片…",
    paste_hint: "支持 JPG、PNG、WEBP，最大 30 MB",
    preparing: "正在检查并压缩图片…",
    uploading: "正在上传…",
    uploaded: "已上传：{}",
    upload_failed: "上传失败：{}",
    retry_upload: "重新上传",
    waiting_for_key: "填写 API 密钥后自动上传",
    remove_file: "移除",
    sizes: "原图 {}（{}）→ 上传 {}（{}）",
    shrink_label: "上传前压缩大图（最长边不超过下方像素）",
    max_side_label: "最长边（像素）",
    file_too_large: "“{}”有 {}，超过 RunningHub 的 30 MB 上限。请先缩小图片或另存为 JPG。",
    file_not_image: "“{}”不是 JPG、PNG 或 WEBP 图片，无法使用。",
    file_undecodable: "“{}”无法读取，文件可能已损坏。",
    file_empty: "“{}”是空文件。",
    need_upload: "请等待图片上传完成。",
    need_upload_fixed: "有图片上传失败，请重新上传或移除它。",
    load_app: "读取应用参数",
    loading_app: "正在读取…",
    app_loaded: "已读取“{}”的 {} 个参数",
    app_needs_load: "这不是 SketchUp 效果图应用：请点击“读取应用参数”生成表单，或在“高级”里直接填写节点参数。",
    advanced_title: "高级：直接修改节点参数、机器类型、接口版本",
    override_node: "节点 ID（nodeId）",
    override_field: "字段名（fieldName）",
    override_value: "新值（fieldValue）",
    add_override: "添加一行",
    remove_override: "删除此行",
    instance_label: "机器类型",
    instance_default: "标准（24 GB 显存）",
    instance_plus: "Plus（48 GB 显存）",
    not_a_number: "节点 {} 的 {} 需要填写数字。",
    incomplete_override: "高级参数第 {} 行：请同时填写节点 ID 和字段名。",
    missing_image: "请为节点 {} 提供图片。",
    check_key: "检查密钥与余额",
    checking_key: "正在检查…",
    account_coins: "剩余积分：{}",
    account_tasks: "运行中的任务：{}",
    account_type: "密钥类型：{}",
    account_money: "余额：{} {}",
    switch_on: "开启",
    compare_title: "对比截图与效果图",
    mode_slider: "滑块",
    mode_side: "并排",
    mode_flip: "点击切换",
    before: "截图",
    after: "效果图",
    slider_label: "对比分界线位置",
    flip_hint: "点击图片在截图与效果图之间切换",
    align_note: "两张图尺寸不同时，截图按效果图的画幅居中缩放显示。",
    download: "下载",
    copy_link: "复制图片链接",
    link_copied: "链接已复制",
    from_link: "表单已按分享链接填写，渲染前请核对。",
    share_link: "复制分享链接",
    share_result: "分享结果链接",
    link_ready: "链接已复制。打开它的人会得到这些设置，但不会得到您的密钥。",
    shared_result_title: "分享的效果图",
    shared_result_note: "通过链接打开，无需密钥即可查看。RunningHub 的结果链接约一天后失效。",
    viewer_label: "全屏查看",
    zoom_in: "放大",
    zoom_out: "缩小",
    zoom_fit: "适应窗口",
    close: "关闭",
    open_viewer: "全屏查看（可缩放）",
    history_title: "历史记录",
    history_empty: "还没有渲染记录。每次渲染都会记在这里，刷新页面也不会丢失。",
    clear_history: "清空历史",
    clear_confirm: "确定要删除全部历史记录和已保存的图片吗？此操作无法撤销。",
    show_more: "显示更多",
    history_count: "显示最近 {} 次，共 {} 次渲染",
    open_item: "查看",
    reuse: "使用相同设置",
    keep: "保存到本机",
    kept: "已保存到本机",
    keep_failed: "无法取回这张图片：链接可能已过期（RunningHub 的结果大约保留一天）。",
    resume: "继续查询",
    delete_item: "删除",
    batch_title: "批量渲染：{} 张截图",
    batch_hint: "选择了多张截图：每张都用相同的参考图和设置渲染，按顺序排队。",
    concurrency_label: "同时渲染数",
    budget_label: "积分上限（可选，超出前停止）",
    expected_cost: "将发起 {} 次渲染，预计约 {} 积分（按上次每次 {} 积分估算）",
    expected_unknown: "将发起 {} 次渲染；每次的积分消耗暂不清楚",
    render_all: "全部渲染（{} 张）",
    clear_batch: "取消选择",
    batch_progress: "已完成 {} / {}",
    cancel_all: "全部取消",
    item_waiting: "排队等待",
    item_preparing: "正在准备图片…",
    item_uploading: "正在上传…",
    item_over_budget: "未开始：会超出积分上限。提高上限后重新批量渲染即可",
    retry: "重试",
    part_not_sent: "渲染请求还没有发出：RunningHub 什么都没收到，也没有扣费。",
    part_failed: "页面的这一部分没能加载：与网页所在服务器的连接中断了。已填写的内容都还在，请重试。",
    lang_failed: "英文界面没能加载：与网页所在服务器的连接中断了，请稍后再试。\nEnglish could not be loaded: the connection to the server the page came from failed. Try again later.",
    notify_done: "效果图已生成",
    notify_failed: "效果图生成失败",
    title_progress: "{}/{} · 渲染中…",
    export_set: "导出（图片 + 参数 ZIP）",
    auto_keep: "自动保存新效果图到本机",
    from_sketchup: "来自 SketchUp：{}",
    held_for_render: "已就绪：按“开始渲染”后才上传到 RunningHub。",
    sketchup_title: "来自 SketchUp",
    resumed_title: "刷新后继续查询的其他任务",
    su_app_name: "SU 截图转效果图",
    other_app: "AI 应用 {}",
    phase_not_sent: "未发送",
    detail_not_sent: "请求没有发出：RunningHub 没有收到任何内容，也不会扣费。表单内容都还在，解决连接问题后再点“渲染”即可。",
    err_blocked: "浏览器不允许本页调用 {}：对方没有允许其他网站的网页调用它（跨域限制 CORS），或者该地址没有应答。请求没有发出，也没有扣费。",
    err_relay_unreachable: "中转服务器连不上 RunningHub（请检查这台电脑的网络或代理）。请求没有转发，也没有扣费。",
    guide_title: "浏览器阻止了对 RunningHub 的调用",
    guide_body: "没有发出任何请求，也没有扣费。RunningHub 不接受其他网站的网页直接调用（跨域限制 CORS），所以需要一个中转：您电脑上的 SU Render 小程序，或团队提供的中转服务器。",
    guide_download: "下载适合您系统（Windows、macOS 或 Linux）的 SU Render 小程序，双击打开即可，无需安装。它会在 http://127.0.0.1:8080/ 打开本页面，并替您把请求转发给 RunningHub。",
    guide_download_link: "下载 SU Render 小程序",
    guide_releases_unknown: "请向发给您本页链接的人索取 SU Render 小程序，或到本项目的发布页面下载。",
    guide_open_app: "在小程序中打开本页",
    guide_local: "小程序已经在运行？也可以让本页通过它发送请求：",
    guide_use_local: "使用本机上的小程序",
    guide_team: "或者填写团队提供的中转服务器地址：",
    guide_use_relay: "使用此中转",
    guide_permission: "浏览器可能会询问是否允许本页访问这台设备上的其他应用（或本地网络中的设备），请选择“允许”。",
    guide_no_answer: "{} 没有应答：请先打开 SU Render 小程序（或检查地址）。如果它已在运行，它需要允许本页的地址（--allow-origin）。",
    guide_checking: "正在连接…",
    via_this_relay: "请求经由本小程序的中转发送（浏览器不会直接调用 RunningHub）。",
    via_relay: "请求经由中转发送：{}",
    relay_stop: "不再使用中转",
    keep_needs_app: "图片所在服务器不允许网页读取图片，所以无法保存到本机。用 SU Render 小程序（或中转）打开本页即可保存；链接大约一天内仍可打开。",
    download_opened: "图片所在服务器不允许网页直接保存文件，已在新标签页中打开，请在那里保存。（SU Render 小程序可以直接保存。）",
    resume_needs_key: "填写 API 密钥即可继续跟进这次渲染。不会重新提交任务。",
    try_sample: "用示例图试试",
    site_local_sim_key: "本机服务器 · 模拟器（需要密钥）",
    go_to_key: "填写密钥",
    api_version_label: "接口版本",
    api_version_auto: "自动（站点支持时用 v2 上传和查询，否则用 v1）",
    api_version_v1: "仅 v1（用于只转发 v1 路径的中转服务器）",
    api_version_hint: "RunningHub 已将 v1 上传接口标为弃用；提交任务与取消任务仍使用 v1。",
    cost_money: "扣费 {}",
    batch_total: "本批共消耗：{}",
    history_total: "以上 {} 次渲染共消耗：{}",
    expected_cost_recent: "将发起 {} 次渲染，预计约 {} 积分（按此应用最近 {} 次渲染估算：每次最多 {} 积分）",
    guard_per_render: "积分上限按每次 {} 积分计算（{}）",
    guard_from_history: "取自此应用最近的渲染",
    guard_from_batch: "取自本批已完成的渲染",
    progress_label: "生成进度",
    progress_waiting: "已连接实时进度，等待 ComfyUI 开始执行…",
    progress_node: "正在执行节点 {}",
    progress_cached: "{} 个节点使用了缓存",
    progress_queue: "机器上还有 {} 个任务在前面",
    progress_through: "ComfyUI 报告已执行完毕，正在等待 RunningHub 确认结果…",
    progress_lost: "实时进度已断开；任务仍在按时查询，结果不受影响。",
    app_load_needs_relay: "读取其他应用的参数需要 SU Render 小程序或中转服务器：RunningHub 的这个接口要求把 API 密钥写在网址里，而本页从不在网址里发送密钥。没有发出任何请求。您仍可以在“高级”里直接填写节点参数。",
    consent_body_resume: "历史记录中有一次渲染是通过这台服务器发起的。要继续查询它，您的 API 密钥会随请求发送给它。只有在您信任这台服务器时才确认；确认之前，不会向它发送任何请求。",
    consent_reject_relay: "不，不使用这个中转",
    consent_reject_resume: "不，不再查询这次渲染",
    resume_needs_consent: "这次渲染是通过 {} 发起的，它不是 RunningHub。在您于上方的提示中允许之前，不会向它发送任何请求（包括您的密钥）。",
    resume_refused: "您没有允许把密钥发送给 {}，所以不再查询这次渲染。任务可能仍在 RunningHub 上运行；在历史记录中点击“继续查询”可以重新选择。",
};

pub static EN: Texts = Texts {
    tagline: "SketchUp screenshot to photorealistic rendering, in one click",
    switch_lang: "中文",
    switch_lang_aria: "切换到中文",
    connection_title: "Connect to RunningHub",
    key_label: "API key",
    key_placeholder: "32 characters, from your RunningHub account page",
    key_placeholder_sim: "Not needed on the simulator",
    key_show: "Show",
    key_hide: "Hide",
    key_invalid: "An API key is 32 hexadecimal characters (0–9, a–f). Check that you copied all of it.",
    key_help: "The key goes only to the chosen site, in the request body or its Authorization header, never in links or logs.",
    remember_label: "Remember the key on this device",
    remember_help: "Tick this only on your own computer.",
    site_label: "Site",
    site_cn: "RunningHub China (www.runninghub.cn)",
    site_ai: "RunningHub International (www.runninghub.ai)",
    site_local_sim: "This server · simulator (no key needed)",
    site_custom: "Custom base URL (a relay)",
    site_help: "A key works only on the site that issued it: a China key fails on the international site, and the other way round.",
    custom_base_label: "Relay base URL",
    custom_base_invalid: "Enter a full address starting with http:// or https://, e.g. http://127.0.0.1:8080",
    consent_title: "Send your requests to this server, which is not RunningHub?",
    consent_body: "If you accept, your API key goes to that server with every request. Accept only if you trust it.",
    consent_allow: "I trust it, use this address",
    consent_reject: "No, use RunningHub China",
    render_title: "Render",
    webapp_label: "AI app ID (webappId)",
    webapp_invalid: "A webappId is made of digits only.",
    screenshot_label: "SketchUp screenshot (node 112)",
    screenshot_hint: "A RunningHub file name (like api/1a2b….png) or a public image URL",
    reference_label: "Reference picture (node 158, optional)",
    reference_hint: "Only its colour temperature and tone are used; leave empty for the app's default",
    webhook_label: "Webhook URL (optional)",
    webhook_hint: "RunningHub posts the result there when the task ends; needs a server of your own",
    webhook_invalid: "A webhook URL must start with http:// or https://.",
    render_button: "Render",
    rendering_button: "Rendering…",
    need_key: "Enter your API key first.",
    need_screenshot: "Enter the SketchUp screenshot (node 112).",
    need_consent: "First decide above whether you trust the server address from the link.",
    need_base: "Enter a valid relay base URL.",
    task_label: "Task ID",
    elapsed_label: "Elapsed",
    status_label: "Status",
    phase_submitting: "Submitting…",
    phase_waiting: "RunningHub is busy, waiting to retry",
    phase_queued: "Queued",
    phase_running: "Rendering",
    phase_reconnecting: "Reconnecting…",
    phase_succeeded: "Done",
    phase_no_output: "Done, but no output",
    phase_failed: "Failed",
    phase_refused: "Request refused",
    phase_not_found: "Task not found",
    phase_timed_out: "Timed out",
    phase_cancelled: "Cancelled",
    phase_unknown: "Outcome unknown",
    detail_waiting: "RunningHub has no free machine or your queue is full; the request will be sent again shortly (no task was created, so nothing is billed twice).",
    detail_queued: "Waiting for a free GPU…",
    detail_running: "Rendering; this usually takes 1–3 minutes.",
    detail_reconnecting: "Can't reach the server right now; retrying on its own. The task is not lost.",
    detail_no_output: "The task finished but produced no file. Check the input image and try again.",
    detail_not_found: "This task can't be found: it may belong to another key or the other site.",
    detail_timed_out: "This is taking very long. The task may still be running on RunningHub; you can keep waiting.",
    detail_unknown: "The request was sent but no answer came back, so a task may have been created. Check your task list on the RunningHub website before you render again, so you are not billed twice.",
    keep_waiting: "Keep waiting",
    cancel_button: "Cancel task",
    cancelling: "Cancelling…",
    results_title: "Result",
    open_full: "Open full size",
    file_link: "{} file",
    cost_time: "took {} s",
    cost_coins: "{} coins",
    failure_title: "Why the task failed",
    failure_node: "Node",
    failure_type: "Error type",
    failure_message: "Message",
    traceback_summary: "Technical details (traceback)",
    node_errors_title: "The workflow rejected these inputs:",
    node_label: "Node {}",
    err_network: "Could not reach {}. Check your connection and try again.",
    err_network_cors: "If your connection works, the server at that address may have stopped, or your browser may be blocking the call (CORS); the SU Render app on your computer gets round that.",
    err_http: "The server answered with HTTP error {}.",
    err_not_json: "The server sent something that is not JSON; a proxy or gateway may be failing.",
    err_shape: "RunningHub's answer was not in the expected shape: {}",
    err_aborted: "The request was aborted.",
    err_code_unknown: "RunningHub answered with unknown code {}: {}",
    err_code_prefix: "RunningHub code {}: ",
    empty_title: "Your rendering will appear here",
    empty_body: "Enter your key and screenshot, then press Render.",
    sim_badge: "Simulator",
    relay_badge: "Relay",
    footer_privacy: "This page runs only in your browser; your key goes only to the site you chose.",
    drop_here: "Drop a screenshot here, or paste it (Ctrl/⌘+V)",
    choose_file: "Choose a picture…",
    paste_hint: "JPG, PNG or WEBP, up to 30 MB",
    preparing: "Checking and shrinking the picture…",
    uploading: "Uploading…",
    uploaded: "Uploaded: {}",
    upload_failed: "Upload failed: {}",
    retry_upload: "Upload again",
    waiting_for_key: "Will upload once the API key is entered",
    remove_file: "Remove",
    sizes: "Original {} ({}) → uploaded {} ({})",
    shrink_label: "Shrink large pictures before upload (longest side at most the pixels below)",
    max_side_label: "Longest side (px)",
    file_too_large: "“{}” is {}, over RunningHub's 30 MB limit. Make it smaller or save it as JPG first.",
    file_not_image: "“{}” is not a JPG, PNG or WEBP picture, so it can't be used.",
    file_undecodable: "“{}” can't be read; the file may be damaged.",
    file_empty: "“{}” is an empty file.",
    need_upload: "Wait for the picture to finish uploading.",
    need_upload_fixed: "A picture failed to upload: upload it again or remove it.",
    load_app: "Load app inputs",
    loading_app: "Loading…",
    app_loaded: "Loaded the inputs of “{}” ({} fields)",
    app_needs_load: "This is not the SketchUp rendering app: press “Load app inputs” to build its form, or set node values under Advanced.",
    advanced_title: "Advanced: raw node values, machine type, API version",
    override_node: "Node ID (nodeId)",
    override_field: "Field name (fieldName)",
    override_value: "New value (fieldValue)",
    add_override: "Add a row",
    remove_override: "Remove this row",
    instance_label: "Machine",
    instance_default: "Standard (24 GB GPU)",
    instance_plus: "Plus (48 GB GPU)",
    not_a_number: "Node {}, {}: enter a number.",
    incomplete_override: "Advanced row {}: fill in both the node ID and the field name.",
    missing_image: "Give a picture for node {}.",
    check_key: "Check key and balance",
    checking_key: "Checking…",
    account_coins: "Coins left: {}",
    account_tasks: "Running tasks: {}",
    account_type: "Key type: {}",
    account_money: "Balance: {} {}",
    switch_on: "On",
    compare_title: "Compare screenshot and rendering",
    mode_slider: "Slider",
    mode_side: "Side by side",
    mode_flip: "Flip",
    before: "Screenshot",
    after: "Rendering",
    slider_label: "Position of the comparison divider",
    flip_hint: "Click the picture to flip between screenshot and rendering",
    align_note: "When the two differ in shape, the screenshot is scaled to fit the rendering's frame, centred.",
    download: "Download",
    copy_link: "Copy image link",
    link_copied: "Link copied",
    from_link: "The form was filled from a shared link; check the values before you render.",
    share_link: "Copy share link",
    share_result: "Share result link",
    link_ready: "Link copied. Whoever opens it gets these settings, never your key.",
    shared_result_title: "Shared rendering",
    shared_result_note: "Opened from a link; no key is needed to look at it. RunningHub's result links expire after about a day.",
    viewer_label: "Full-screen view",
    zoom_in: "Zoom in",
    zoom_out: "Zoom out",
    zoom_fit: "Fit to window",
    close: "Close",
    open_viewer: "View full screen (zoomable)",
    history_title: "History",
    history_empty: "No renders yet. Every render is recorded here and survives a reload.",
    clear_history: "Clear history",
    clear_confirm: "Delete all history and kept pictures? This can't be undone.",
    show_more: "Show more",
    history_count: "Showing the newest {} of {} renders",
    open_item: "View",
    reuse: "Use these settings again",
    keep: "Keep on this device",
    kept: "Kept on this device",
    keep_failed: "The picture could not be fetched: its link may have expired (RunningHub keeps results for about a day).",
    resume: "Check again",
    delete_item: "Delete",
    batch_title: "Batch: {} screenshots",
    batch_hint: "Several screenshots were chosen: each is rendered with the same reference picture and settings, one after another.",
    concurrency_label: "Renders at once",
    budget_label: "Coin budget (optional; stops before going over)",
    expected_cost: "{} renders will be started, about {} coins ({} per render, from your last render)",
    expected_unknown: "{} renders will be started; the cost per render is not known yet",
    render_all: "Render all ({})",
    clear_batch: "Clear selection",
    batch_progress: "{} of {} done",
    cancel_all: "Cancel all",
    item_waiting: "Waiting in the queue",
    item_preparing: "Preparing the picture…",
    item_uploading: "Uploading…",
    item_over_budget: "Not started: it would go over the budget. Start a new batch with a higher budget to render it",
    retry: "Retry",
    part_not_sent: "The render was not sent: nothing reached RunningHub and nothing was billed.",
    part_failed: "This part of the page could not be loaded: the connection to the server the page came from failed. Nothing you entered is lost; try again.",
    lang_failed: "Chinese could not be loaded. Try again later.",
    notify_done: "Rendering finished",
    notify_failed: "Rendering failed",
    title_progress: "{}/{} · rendering…",
    export_set: "Export (pictures + recipe, ZIP)",
    auto_keep: "Keep new renders automatically",
    from_sketchup: "From SketchUp: {}",
    held_for_render: "Ready: uploaded to RunningHub when you press Render.",
    sketchup_title: "From SketchUp",
    resumed_title: "Other tasks checked again after the reload",
    su_app_name: "SketchUp screenshot to rendering",
    other_app: "AI app {}",
    phase_not_sent: "Not sent",
    detail_not_sent: "Nothing reached RunningHub and nothing was billed. Your inputs are still in the form: fix the connection, then press Render again.",
    err_blocked: "Your browser did not let this page call {}: that address does not allow calls from web pages on other sites (CORS), or nothing answers there. Nothing was sent and nothing was billed.",
    err_relay_unreachable: "The relay could not reach RunningHub (check this computer's internet connection or proxy). Nothing was forwarded and nothing was billed.",
    guide_title: "Your browser blocked the call to RunningHub",
    guide_body: "Nothing was sent and nothing was billed. RunningHub does not take calls from web pages on other sites (CORS), so the page needs a relay: the small SU Render app on your computer, or a relay your team runs.",
    guide_download: "Download the SU Render app for your system (Windows, macOS or Linux) and double-click it; there is nothing to install. It opens this page at http://127.0.0.1:8080/ and passes your calls on to RunningHub.",
    guide_download_link: "Download the SU Render app",
    guide_releases_unknown: "Ask whoever sent you this page for the SU Render app, or download it from the project's releases page.",
    guide_open_app: "Open this page in the app",
    guide_local: "Is the app already running? This page can also send its calls through it:",
    guide_use_local: "Use the app on this computer",
    guide_team: "Or enter the relay address your team gave you:",
    guide_use_relay: "Use this relay",
    guide_permission: "Your browser may ask whether this page may access other apps on this device (or devices on your local network): choose Allow.",
    guide_no_answer: "Nothing answers at {}: open the SU Render app first (or check the address). If it is running, it has to allow this page's address (--allow-origin).",
    guide_checking: "Connecting…",
    via_this_relay: "Calls go through this app's relay (your browser never calls RunningHub directly).",
    via_relay: "Calls go through the relay {}",
    relay_stop: "Stop using the relay",
    keep_needs_app: "The image host doesn't let web pages read its pictures, so they can't be kept on this device from here. Open this page in the SU Render app (or through a relay) to keep them; the link works for about a day.",
    download_opened: "The image host doesn't let this page save the file, so it opened in a new tab: save it from there. (The SU Render app saves it directly.)",
    resume_needs_key: "Enter your API key to keep following this render. Nothing will be sent again.",
    try_sample: "Try a sample",
    site_local_sim_key: "This server · simulator (key required)",
    go_to_key: "Enter the key",
    api_version_label: "API version",
    api_version_auto: "Automatic (v2 upload and query where the site has them, else v1)",
    api_version_v1: "v1 only (for relays that pass only v1 paths)",
    api_version_hint: "RunningHub has marked v1's upload as deprecated; starting and cancelling tasks use v1 either way.",
    cost_money: "{} charged",
    batch_total: "This batch cost: {}",
    history_total: "Renders shown: {} · total cost: {}",
    expected_cost_recent: "{} renders will be started, about {} coins (from your last {} renders of this app: at most {} coins each)",
    guard_per_render: "The budget counts {} coins per render ({})",
    guard_from_history: "from your recent renders of this app",
    guard_from_batch: "as this batch's finished renders cost",
    progress_label: "Rendering progress",
    progress_waiting: "Live progress connected; waiting for ComfyUI to start…",
    progress_node: "Running node {}",
    progress_cached: "{} nodes taken from the cache",
    progress_queue: "{} tasks ahead on the machine",
    progress_through: "ComfyUI reports the graph done; waiting for RunningHub to confirm the result…",
    progress_lost: "Live progress was lost; the task is still checked on schedule, so the result is not affected.",
    app_load_needs_relay: "Loading another app's inputs needs the SU Render app or a relay: RunningHub takes this call only with your API key in the web address, and this page never puts the key in an address. Nothing was sent. You can still set node values under Advanced.",
    consent_body_resume: "A render in your history was started through this server. To keep following it, your API key goes to that server with every request. Accept only if you trust it; until you do, nothing is sent there.",
    consent_reject_relay: "No, don't use this relay",
    consent_reject_resume: "No, stop following that render",
    resume_needs_consent: "This render was started through {}, which is not RunningHub. Nothing is sent there (your key included) until you allow it in the prompt above.",
    resume_refused: "You did not allow your key to go to {}, so this render is not followed. The task may still run on RunningHub; “Check again” in the history asks again.",
};

/// What a RunningHub code means for the user, and what to do about it.
pub fn code_message(code: Code, lang: Lang) -> &'static str {
    let [zh, en] = match code {
        Code::Success => ["成功。", "Success."],
        Code::ParamsInvalid => ["请求参数缺失或类型错误。", "A field of the request is missing or has the wrong type."],
        Code::WorkflowNotExists => ["工作流不存在。", "This workflow does not exist."],
        Code::TokenInvalid => ["请求地址不对：请检查站点或中转服务器地址（这不是密钥的问题）。", "Wrong request address: check the site or relay base URL (this is not a key problem)."],
        Code::TaskInstanceMaxed => ["RunningHub 暂时没有空闲机器，请稍后再试（30–120 秒）。", "RunningHub has no free machine right now; try again in 30–120 s."],
        Code::NotEnoughWallet => ["账户余额不足，请在 RunningHub 充值后再试。", "Your balance is too low; top up on RunningHub and try again."],
        Code::TaskQueueMaxed => ["您的密钥同时运行的任务已满，请等当前任务结束。", "Your key's concurrent tasks are used up; wait for the running one to finish."],
        Code::TaskNotFounded => ["找不到这个任务。", "Task not found."],
        Code::ValidatePromptFailed => ["工作流拒绝了输入参数。", "The workflow rejected the inputs."],
        Code::ExclusiveInstanceNotFound => ["所选机器类型暂不可用，可尝试 plus（48 GB）。", "That instance type is unavailable; try plus (48 GB)."],
        Code::ExclusiveRequired => ["专属会员已过期。", "Your exclusive membership has expired."],
        Code::UnknownError => ["RunningHub 服务器出错，请稍后再试。", "RunningHub had a server error; try again later."],
        Code::FreeUserUnsupported => ["免费账户不能使用 API，请先升级为会员。", "Free accounts can't use the API; upgrade your RunningHub membership first."],
        Code::Unauthorized => ["密钥无效或已停用，或者它属于另一个站点（中国站 / 国际站）。", "The key is invalid or disabled, or it belongs to the other site (China / International)."],
        Code::InvalidNodeInfo => ["节点参数不存在：nodeId 或 fieldName 与该应用不符。", "A nodeId or fieldName does not exist in this app."],
        Code::TaskIsRunning => ["任务正在运行。", "The task is running."],
        Code::TaskStatusError => ["任务失败。", "The task failed."],
        Code::UserNotFound => ["找不到该用户：密钥可能属于另一个站点（中国站 / 国际站）。", "No such user: the key probably belongs to the other site (China / International)."],
        Code::TaskNotFound => ["找不到这个任务：它可能属于另一个密钥或站点。", "Task not found: it may belong to another key or site."],
        Code::UploadFailed => ["上传失败，请重试。", "The upload failed; try again."],
        Code::FileSizeExceeded => ["文件超过 30 MB 上限。", "The file is over the 30 MB limit."],
        Code::WorkflowNotSaved => ["请先在 RunningHub 网站上手动运行一次这个应用，之后才能通过 API 调用。", "Run this app once on the RunningHub website first; only then can the API run it."],
        Code::CorpKeyInvalid => ["企业密钥无效。", "The enterprise key is invalid."],
        Code::CorpInsufficientFunds => ["企业账户余额不足。", "The enterprise balance is too low."],
        Code::TaskIsQueued => ["任务正在排队。", "The task is queued."],
        Code::PersonalQueueLimit => ["个人队列已满（1000 个），请稍后再试。", "Your personal queue is full (1,000 tasks); try again later."],
        Code::WebappNotExists => ["AI 应用不存在，请检查 webappId。", "No such AI app; check the webappId."],
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A whole message for an error, as text (a server's `msg` is shown as text, never as HTML).
/// `base` is the address the request went to.
pub fn error_message(error: &ApiError, lang: Lang, base: &str) -> String {
    let t = lang.texts();
    match error {
        ApiError::Network(_) => {
            format!("{} {}", fill(t.err_network, &[base]), t.err_network_cors)
        }
        ApiError::Aborted => t.err_aborted.to_owned(),
        ApiError::Http(status) => fill(t.err_http, &[&status.to_string()]),
        ApiError::NotJson => t.err_not_json.to_owned(),
        ApiError::Shape(detail) => fill(t.err_shape, &[detail]),
        ApiError::Blocked => fill(t.err_blocked, &[base]),
        ApiError::RelayUnreachable => t.err_relay_unreachable.to_owned(),
        ApiError::Service { code, msg } => match Code::from_i64(*code) {
            Some(known) => {
                let mut text = fill(t.err_code_prefix, &[&code.to_string()]);
                text.push_str(code_message(known, lang));
                // The service's own words help when it explains which input is wrong.
                if !msg.is_empty() && msg != known.name() {
                    text.push_str(" (");
                    text.push_str(msg);
                    text.push(')');
                }
                text
            }
            None => fill(t.err_code_unknown, &[&code.to_string(), msg]),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| {
            ('\u{4e00}'..='\u{9fff}').contains(&c)
                || ('\u{3000}'..='\u{303f}').contains(&c)
                || ('\u{ff00}'..='\u{ffef}').contains(&c)
        })
    }

    #[test]
    fn english_has_no_chinese_and_chinese_is_chinese() {
        for (name, en) in EN.all() {
            // The switch button names the other language in that language, on purpose.
            if !name.starts_with("switch_lang") {
                assert!(!has_cjk(en), "EN.{name} has Chinese: {en}");
            }
            assert!(!en.is_empty(), "EN.{name} is empty");
        }
        for (name, zh) in ZH.all() {
            if !name.starts_with("switch_lang") {
                assert!(has_cjk(zh), "ZH.{name} has no Chinese: {zh}");
            }
        }
        for code in Code::ALL {
            assert!(!has_cjk(code_message(code, Lang::En)), "{code:?}");
            assert!(has_cjk(code_message(code, Lang::Zh)), "{code:?}");
        }
    }

    #[test]
    fn placeholders_match_between_languages() {
        for ((name, zh), (_, en)) in ZH.all().into_iter().zip(EN.all()) {
            assert_eq!(zh.matches("{}").count(), en.matches("{}").count(), "{name}");
        }
        let (zh, en) = (Lang::Zh.sketchup().all(), Lang::En.sketchup().all());
        for ((name, zh), (_, en)) in zh.into_iter().zip(en) {
            assert_eq!(zh.matches("{}").count(), en.matches("{}").count(), "{name}");
        }
    }

    #[test]
    fn the_sketchup_strings_follow_the_same_rules() {
        for (name, en) in Lang::En.sketchup().all() {
            assert!(!has_cjk(en) && !en.is_empty(), "SKETCHUP_EN.{name}: {en}");
        }
        for (name, zh) in Lang::Zh.sketchup().all() {
            assert!(has_cjk(zh), "SKETCHUP_ZH.{name} has no Chinese: {zh}");
        }
    }

    #[test]
    fn fill_puts_values_in_order() {
        assert_eq!(fill("a {} b {}", &["1", "2"]), "a 1 b 2");
        assert_eq!(fill("no holes", &["1"]), "no holes");
        assert_eq!(fill("{}{}", &["x"]), "x");
    }

    #[test]
    fn language_pick() {
        assert_eq!(Lang::pick(Some("en"), &["zh-CN".into()]), Lang::En);
        assert_eq!(Lang::pick(None, &["zh-TW".into(), "en".into()]), Lang::Zh);
        assert_eq!(Lang::pick(None, &["fr".into(), "en-GB".into()]), Lang::En);
        assert_eq!(Lang::pick(None, &[]), Lang::En);
    }

    #[test]
    fn messages_for_errors() {
        let bad_key = ApiError::Service {
            code: 802,
            msg: "APIKEY_UNAUTHORIZED".into(),
        };
        let en = error_message(&bad_key, Lang::En, "x");
        assert!(en.contains("802") && en.contains("other site"), "{en}");
        assert!(!en.contains("APIKEY_UNAUTHORIZED"));
        let zh = error_message(&bad_key, Lang::Zh, "x");
        assert!(zh.contains("802") && has_cjk(&zh));
        let detail = ApiError::Service {
            code: 433,
            msg: "image node 112: bad size".into(),
        };
        assert!(error_message(&detail, Lang::En, "x").contains("bad size"));
        let unknown = ApiError::Service {
            code: 1003,
            msg: "busy".into(),
        };
        assert!(error_message(&unknown, Lang::En, "x").contains("1003"));
        let network = ApiError::Network("TypeError: Failed to fetch".into());
        let text = error_message(&network, Lang::En, "https://www.runninghub.cn");
        assert!(
            text.contains("https://www.runninghub.cn")
                && text.contains("CORS")
                && text.contains("SU Render app"),
            "{text}"
        );
        // Neither of these reached RunningHub, and both say so in both languages.
        for error in [ApiError::Blocked, ApiError::RelayUnreachable] {
            let en = error_message(&error, Lang::En, "https://www.runninghub.cn");
            assert!(en.contains("nothing was billed"), "{en}");
            let zh = error_message(&error, Lang::Zh, "https://www.runninghub.cn");
            assert!(zh.contains("没有扣费"), "{zh}");
        }
    }
}
