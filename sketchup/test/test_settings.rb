# frozen_string_literal: true

require_relative 'helper'

class SettingsTest < SURenderTest
  def test_defaults
    assert_equal 2048, SURender::Settings.long_side
    assert_equal :dialog, SURender::Settings.open_in
  end

  def test_the_sketchup_window_needs_2021_1
    { 1_900_000_685 => :browser, 2_000_000_363 => :browser, 2_100_000_339 => :browser,
      2_110_000_299 => :dialog, 2_200_000_316 => :dialog, 2_600_000_100 => :dialog }.each do |number, where|
      StandIn.version_number = number
      assert_equal where, SURender::Settings.open_in, number
    end
    StandIn.version_number = 1_900_000_685
    SURender::Settings.open_in = :dialog
    assert_equal :browser, SURender::Settings.open_in, 'a stored choice does not override the version'
  end

  def test_the_box_saves_size_and_place
    StandIn.inputbox_answer = ->(_prompts, _defaults, lists, _title) { ['4096', lists[1].split('|').last] }
    assert SURender::Settings.edit
    box = StandIn.inputboxes.last
    assert_equal 'SU Render settings', box[:title]
    assert_equal ['Picture size (longest side, pixels)', 'Open SU Render in'], box[:prompts]
    assert_equal ['2048', 'a SketchUp window'], box[:defaults]
    assert_equal ['1024|1536|2048|3072|4096', 'a SketchUp window|the default browser'], box[:lists]
    assert_equal 4096, SURender::Settings.long_side
    assert_equal :browser, SURender::Settings.open_in
  end

  def test_cancel_and_values_not_offered_change_nothing
    SURender::Settings.long_side = 1536
    StandIn.inputbox_answer = nil
    refute SURender::Settings.edit
    StandIn.inputbox_answer = ->(*) { ['999', 'somewhere else'] }
    assert SURender::Settings.edit
    assert_equal 1536, SURender::Settings.long_side
    assert_equal :dialog, SURender::Settings.open_in
    StandIn.defaults[%w[SURender long_side]] = 77
    assert_equal 2048, SURender::Settings.long_side, 'a stored size not offered reads as the default'
  end

  def test_before_2021_1_the_box_offers_only_the_browser
    StandIn.version_number = 2_000_000_363
    StandIn.locale = 'zh-CN'
    StandIn.inputbox_answer = ->(_prompts, defaults, _lists, _title) { defaults }
    assert SURender::Settings.edit
    box = StandIn.inputboxes.last
    assert_equal 'SU Render 设置', box[:title]
    assert_equal ['默认浏览器（SketchUp 2021.1 及以上版本可以使用 SketchUp 窗口）'], box[:lists][1].split('|')
    assert_equal :browser, SURender::Settings.open_in
  end

  def test_the_settings_command_opens_the_box
    StandIn.inputbox_answer = ->(*) { ['1024', 'the default browser'] }
    command(:settings).proc.call
    assert_equal 1024, SURender::Settings.long_side
  end
end

class AppTest < SURenderTest
  def test_data_folder_follows_the_apps_rule
    assert_equal @home, SURender::App.data_dir
    ENV.delete('SU_RENDER_HOME')
    ENV['HOME'] = '/home/ada'
    StandIn.platform = :platform_win
    ENV['APPDATA'] = 'C:/Users/ada/AppData/Roaming'
    assert_equal 'C:/Users/ada/AppData/Roaming/su-render', SURender::App.data_dir
    ENV.delete('APPDATA')
    assert_equal '/home/ada/AppData/Roaming/su-render', SURender::App.data_dir
    StandIn.platform = :platform_osx
    assert_equal '/home/ada/Library/Application Support/su-render', SURender::App.data_dir
    StandIn.platform = :platform_linux
    ENV['XDG_CONFIG_HOME'] = '/xdg'
    assert_equal '/xdg/su-render', SURender::App.data_dir
    ENV['XDG_CONFIG_HOME'] = ''
    assert_equal '/home/ada/.config/su-render', SURender::App.data_dir
    ENV['XDG_CONFIG_HOME'] = 'relative/config'
    assert_equal '/home/ada/.config/su-render', SURender::App.data_dir, 'XDG: a relative path is ignored'
    ENV['SU_RENDER_HOME'] = ''
    assert_equal '/home/ada/.config/su-render', SURender::App.data_dir, 'an empty SU_RENDER_HOME is unset'
  end

  def test_find_reads_port_and_token
    write_inbox(4321, TestSupport::TOKEN)
    app = SURender::App.find
    assert_equal 4321, app.port
    assert_equal TestSupport::TOKEN, app.token
    assert_equal 'http://127.0.0.1:4321/', app.base_url
  end
end

class PageTest < SURenderTest
  def test_open_in_a_sketchup_window_kept_and_brought_forward
    app = start_app
    command(:open_app).proc.call
    dialog = StandIn.dialogs.last
    assert dialog.visible?
    assert_equal "http://127.0.0.1:#{app.port}/", dialog.url
    assert_equal 'SU Render', dialog.properties[:dialog_title]
    assert_equal UI::HtmlDialog::STYLE_WINDOW, dialog.properties[:style]
    assert_same dialog, SURender::Page.dialog
    command(:open_app).proc.call
    assert_equal 1, StandIn.dialogs.size, 'no second window'
    assert_equal 1, dialog.fronted
    assert_empty StandIn.opened_urls
  end

  def test_an_app_restarted_on_another_port_is_followed
    app = start_app
    command(:open_app).proc.call
    other = start_app
    command(:open_app).proc.call
    refute_equal app.port, other.port
    assert_equal "http://127.0.0.1:#{other.port}/", SURender::Page.dialog.url
  end

  def test_a_closed_window_is_opened_again
    start_app
    command(:open_app).proc.call
    StandIn.dialogs.last.close
    command(:open_app).proc.call
    assert_equal 2, StandIn.dialogs.size
    assert StandIn.dialogs.last.visible?
  end

  def test_open_in_the_browser_when_chosen_or_before_2021_1
    app = start_app
    SURender::Settings.open_in = :browser
    command(:open_app).proc.call
    StandIn.version_number = 1_900_000_685
    SURender::Settings.open_in = :dialog
    command(:open_app).proc.call
    assert_equal ["http://127.0.0.1:#{app.port}/"] * 2, StandIn.opened_urls
    assert_empty StandIn.dialogs
  end
end

class I18nTest < SURenderTest
  def placeholders(text)
    text.scan(/%<(\w+)>/).flatten.sort
  end

  def test_every_string_exists_in_both_languages_with_the_same_placeholders
    en = SURender::I18n::STRINGS.fetch(:en)
    zh = SURender::I18n::STRINGS.fetch(:zh)
    assert_equal en.keys.sort, zh.keys.sort
    en.each do |key, text|
      assert_equal placeholders(text), placeholders(zh[key]), key
      refute_empty zh[key], key
    end
  end

  def test_chinese_for_zh_cn_and_zh_tw_english_otherwise
    { 'zh-CN' => :zh, 'zh-TW' => :zh, 'en-US' => :en, 'fr' => :en, 'ja' => :en, '' => :en }.each do |locale, language|
      StandIn.locale = locale
      assert_equal language, SURender::I18n.language, locale
    end
    StandIn.locale = 'zh-TW'
    assert_equal '渲染当前视图', SURender::I18n.t(:render_view)
    assert_equal '已把 3 张图片发送到 SU Render。', SURender::I18n.t(:sent, count: 3)
  end

  def test_every_key_the_code_uses_exists
    source = Dir.glob(File.join(TestSupport::SKETCHUP_DIR, 'su_render', '*.rb')).map { |f| File.read(f) }.join
    used = source.scan(/I18n\.t\(:(\w+)/).flatten + source.scan(/step\(:(\w+)\)/).flatten +
           source.scan(/command\(:(\w+)/).flatten.flat_map { |key| [key, "#{key}_tip"] }
    missing = used.uniq.map(&:to_sym) - SURender::I18n::STRINGS[:en].keys
    assert_empty missing
  end
end
