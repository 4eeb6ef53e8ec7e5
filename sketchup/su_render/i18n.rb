# frozen_string_literal: true

module SURender
  # Every word the extension shows, in English and Chinese. SketchUp's own language picks one:
  # zh-CN and zh-TW get Chinese (the app has no traditional script either), everything else English.
  module I18n
    STRINGS = {
      en: {
        menu: 'SU Render',
        toolbar: 'SU Render',
        render_view: 'Render this view',
        render_view_tip: 'Send the current view to SU Render',
        render_scenes: 'Render selected scenes…',
        render_scenes_tip: 'Choose scenes; each one is shown, captured and sent to SU Render',
        open_app: 'Open SU Render',
        open_app_tip: 'Open the SU Render page of the app running on this computer',
        settings: 'Settings…',
        settings_tip: 'Picture size, and where SU Render opens',
        not_running: "SU Render is not running.\n\n" \
                     'Start the SU Render app on this computer: double-click the su-render file you ' \
                     "downloaded (su-render-…-windows-x86_64.exe on Windows). Its window shows an address " \
                     "and your browser opens SU Render.\n\nThen try again.",
        pictures_kept: "Nothing was lost: the pictures not sent are kept in\n%<dir>s",
        no_scenes: 'This model has no scenes. Use "Render this view", or add scenes ' \
                   '(Window > Scenes) and try again.',
        pick_title: 'SU Render: scenes to render',
        pick_intro: 'Each ticked scene is shown, captured and sent to the SU Render app, in this order.',
        pick_all: 'All',
        pick_none: 'None',
        pick_ok: 'Send to SU Render',
        pick_cancel: 'Cancel',
        capture_failed: 'Could not capture %<what>s: %<error>s',
        this_view: 'the view',
        scene_named: 'scene "%<name>s"',
        restore_failed: 'SU Render could not put back: %<what>s',
        restore_scene: 'the selected scene',
        restore_camera: 'the camera',
        restore_style: 'the style settings',
        restore_shadows: 'the shadow settings',
        restore_tags: 'the tag visibility',
        restore_transitions: 'the scene transition settings',
        too_old: 'The app answering at %<url>s has no inbox for SketchUp pictures. Download the ' \
                 'newest SU Render app and start it instead.',
        sent: 'Sent %<count>d picture(s) to SU Render.',
        refused: 'SU Render refused the picture (it may have been restarted). Try again.',
        too_large: 'The picture of %<what>s is too large for SU Render (30 MB at most). Choose a ' \
                   'smaller size in Extensions > SU Render > Settings.',
        unexpected: 'SU Render answered %<status>s for %<what>s: %<body>s',
        untitled: 'Untitled',
        view: 'View',
        settings_title: 'SU Render settings',
        size_prompt: 'Picture size (longest side, pixels)',
        open_prompt: 'Open SU Render in',
        open_dialog: 'a SketchUp window',
        open_browser: 'the default browser',
        open_old_sketchup: 'the default browser (SketchUp 2021.1 or later can use a SketchUp window)',
        error: 'SU Render ran into a problem: %<error>s'
      },
      zh: {
        menu: 'SU Render',
        toolbar: 'SU Render',
        render_view: '渲染当前视图',
        render_view_tip: '把当前视图发送到 SU Render',
        render_scenes: '渲染所选场景…',
        render_scenes_tip: '选择场景：逐个显示、截图并发送到 SU Render',
        open_app: '打开 SU Render',
        open_app_tip: '打开本机正在运行的 SU Render 应用的页面',
        settings: '设置…',
        settings_tip: '图片尺寸，以及 SU Render 在哪里打开',
        not_running: "SU Render 没有在运行。\n\n" \
                     '请在这台电脑上启动 SU Render 应用：双击你下载的 su-render 文件（Windows 上是 ' \
                     'su-render-…-windows-x86_64.exe）。它的窗口会显示一个地址，浏览器会打开 SU Render。' \
                     "\n\n然后再试一次。",
        pictures_kept: "没有丢失任何东西：未发送的图片保存在\n%<dir>s",
        no_scenes: '这个模型没有场景。请使用“渲染当前视图”，或先添加场景（窗口 > 场景）再试。',
        pick_title: 'SU Render：要渲染的场景',
        pick_intro: '勾选的每个场景会依次显示、截图并发送到 SU Render 应用。',
        pick_all: '全选',
        pick_none: '全不选',
        pick_ok: '发送到 SU Render',
        pick_cancel: '取消',
        capture_failed: '无法截取%<what>s：%<error>s',
        this_view: '当前视图',
        scene_named: '场景“%<name>s”',
        restore_failed: 'SU Render 未能恢复：%<what>s',
        restore_scene: '所选场景',
        restore_camera: '相机',
        restore_style: '样式设置',
        restore_shadows: '阴影设置',
        restore_tags: '标记的可见性',
        restore_transitions: '场景过渡设置',
        too_old: '在 %<url>s 回答的应用没有接收 SketchUp 图片的收件箱。请下载最新的 SU Render 应用并改用它。',
        sent: '已把 %<count>d 张图片发送到 SU Render。',
        refused: 'SU Render 拒绝了这张图片（它可能刚刚重启过）。请再试一次。',
        too_large: '%<what>s的图片对 SU Render 来说太大（最多 30 MB）。请在“扩展程序 > SU Render > 设置”' \
                   '中选择较小的尺寸。',
        unexpected: 'SU Render 对%<what>s的回答是 %<status>s：%<body>s',
        untitled: '未命名',
        view: '视图',
        settings_title: 'SU Render 设置',
        size_prompt: '图片尺寸（长边，像素）',
        open_prompt: 'SU Render 打开位置',
        open_dialog: 'SketchUp 窗口',
        open_browser: '默认浏览器',
        open_old_sketchup: '默认浏览器（SketchUp 2021.1 及以上版本可以使用 SketchUp 窗口）',
        error: 'SU Render 遇到问题：%<error>s'
      }
    }.freeze

    # :zh or :en, from SketchUp's language ("zh-CN", "zh-TW", "en-US", …).
    def self.language
      locale = Sketchup.get_locale.to_s
      locale.downcase.start_with?('zh') ? :zh : :en
    end

    # The string `key` in SketchUp's language, with `values` put in (format's %<name>s).
    def self.t(key, values = {})
      table = STRINGS[language]
      text = table.fetch(key) { STRINGS[:en].fetch(key) }
      values.empty? ? text : format(text, values)
    end
  end
end
