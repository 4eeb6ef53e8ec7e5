# frozen_string_literal: true

require_relative 'helper'

class InboxTest < SURenderTest
  NOT_RUNNING_EN = /\ASU Render is not running\./.freeze
  NOT_RUNNING_ZH = /\ASU Render 没有在运行。/.freeze

  def test_render_this_view_sends_the_picture_with_token_type_and_names
    app = start_app
    model.title = 'Villa Rosa & Co. 别墅'
    add_scenes(['Salle à manger #1', 'B'])
    view.vpwidth = 1000
    view.vpheight = 500
    command(:render_view).proc.call
    pump_until_sent(app, 1)
    request = app.requests.first
    assert_equal 'POST', request.method
    assert_equal '/__su/inbox', request.path
    assert_equal TestSupport::TOKEN, request.headers['x-su-token']
    assert_equal 'image/png', request.headers['content-type']
    assert_nil request.headers['origin']
    assert_equal({ 'model' => 'Villa Rosa & Co. 别墅', 'scene' => 'Salle à manger #1',
                   'width' => '2048', 'height' => '1024' }, request.query)
    # Percent-encoded as UTF-8, spaces as %20, nothing left raw that a query would misread.
    assert_equal '/__su/inbox?model=Villa%20Rosa%20%26%20Co.%20%E5%88%AB%E5%A2%85' \
                 '&scene=Salle%20%C3%A0%20manger%20%231&width=2048&height=1024', request.target
    assert_equal [2048, 1024], TestSupport.png_size(request.body)
    assert_empty messages
  end

  def test_names_in_other_encodings_are_sent_as_utf8
    assert_equal '%E5%AE%A2%E5%8E%85', SURender::Inbox.encode('客厅'.encode('GBK'))
    assert_equal '%E5%AE%A2%E5%8E%85', SURender::Inbox.encode('客厅'.b)
    assert_equal 'a%3F%3Fb', SURender::Inbox.encode("a\xFF\xFEb".b), 'broken bytes become ?'
    assert_equal 'A-Z_a.z~09', SURender::Inbox.encode('A-Z_a.z~09')
    assert_equal '', SURender::Inbox.encode(nil)
  end

  def test_after_sending_the_file_is_removed_and_the_designer_told
    app = start_app
    command(:render_view).proc.call
    pump_until_sent(app, 1)
    refute File.exist?(view.captures.last[:filename]), 'the temporary picture is removed once the app has it'
    assert_equal ['Sent 1 picture(s) to SU Render.'], StandIn.status_texts
    # SketchUp 2021.1 and later: the page opens in a SketchUp window.
    dialog = SURender::Page.dialog
    assert dialog.visible?
    assert_equal "http://127.0.0.1:#{app.port}/", dialog.url
  end

  def test_a_model_never_saved_is_called_untitled_and_without_scenes_has_no_scene_name
    app = start_app
    model.title = ''
    command(:render_view).proc.call
    pump_until_sent(app, 1)
    assert_equal 'Untitled', app.requests.first.query['model']
    assert_equal '', app.requests.first.query['scene']
  end

  def test_the_request_is_held_until_it_ends
    app = start_app
    command(:render_view).proc.call
    assert_equal 1, SURender::Inbox.in_flight.size, 'held while on its way'
    assert_equal StandIn.requests, SURender::Inbox.in_flight
    pump_until_sent(app, 1)
    assert_empty SURender::Inbox.in_flight
    assert_empty StandIn.timers, 'the watch on the request stops with it'
  end

  def test_selected_scenes_go_in_order_with_their_names
    app = start_app
    add_scenes
    command(:render_scenes).proc.call
    dialog = StandIn.dialogs.last
    dialog.trigger('chosen', JSON.generate(%w[Garden Kitchen]))
    pump_until_sent(app, 2)
    assert_equal %w[Garden Kitchen], app.requests.map { |request| request.query['scene'] }
    assert_equal [%w[House Garden], %w[House Kitchen]], app.requests.map { |r| r.query.values_at('model', 'scene') }
    assert_equal ['Sent 2 picture(s) to SU Render.'], StandIn.status_texts
    assert_empty messages
  end

  def test_no_app_gives_the_message_and_nothing_is_captured
    add_scenes
    before = view.camera.state
    %i[render_view render_scenes open_app].each { |key| command(key).proc.call }
    assert_equal 3, messages.size
    messages.each { |message| assert_match(NOT_RUNNING_EN, message) }
    assert_match(/double-click the su-render file/, messages.first)
    assert_empty view.captures
    assert_empty StandIn.dialogs
    assert_empty StandIn.requests
    assert_equal before, view.camera.state
  end

  def test_the_message_is_in_chinese_for_chinese_sketchup
    %w[zh-CN zh-TW].each do |locale|
      StandIn.reset!
      StandIn.temp_dir = @temp
      StandIn.locale = locale
      command(:render_view).proc.call
      assert_equal 1, messages.size
      assert_match(NOT_RUNNING_ZH, messages.first)
      assert_match(/双击你下载的 su-render 文件/, messages.first)
    end
  end

  def test_an_inbox_json_that_is_not_the_apps_counts_as_no_app
    ['', '{', '[]', '{"port": 0, "token": "' + TestSupport::TOKEN + '"}',
     '{"port": 80, "token": "short"}', '{"port": "80", "token": "' + TestSupport::TOKEN + '"}'].each do |text|
      File.write(File.join(@home, 'inbox.json'), text)
      assert_nil SURender::App.find, text
    end
  end

  # inbox.json left behind by an app that crashed: the send fails, the designer is told, and the
  # picture is kept. SketchUp's reference does not say whether a failed request calls back, so
  # both ways are tried.
  def test_an_app_that_does_not_answer_gives_the_message_and_the_picture_is_kept
    %i[callback silent].each do |failure|
      StandIn.reset!
      StandIn.temp_dir = @temp
      StandIn.http_failure = failure
      write_inbox(dead_port, TestSupport::TOKEN)
      command(:render_view).proc.call
      StandIn.pump { !messages.empty? }
      assert_equal 1, messages.size, failure
      assert_match(NOT_RUNNING_EN, messages.first)
      assert_includes messages.first, "the pictures not sent are kept in\n#{File.join(@temp, 'SU Render')}"
      assert File.exist?(view.captures.last[:filename]), 'nothing is lost'
      assert_empty SURender::Inbox.in_flight
      assert_empty StandIn.timers
      assert_empty StandIn.status_texts
    end
  end

  def test_an_app_that_hangs_is_given_up_on_after_the_timeout
    app = start_app
    app.silent = true
    with_timeout(0.3) do
      command(:render_view).proc.call
      StandIn.pump { !messages.empty? }
    end
    assert_match(NOT_RUNNING_EN, messages.first)
    assert_equal Sketchup::Http::STATUS_CANCELED, StandIn.requests.first.status
    assert File.exist?(view.captures.last[:filename])
  end

  def test_scenes_after_a_failure_are_kept_not_sent
    add_scenes
    write_inbox(dead_port, TestSupport::TOKEN)
    SURender::Scenes.choose(model) { |pages| SURender.render_pages(model, pages) }
                    .trigger('chosen', JSON.generate(['Living room', 'Kitchen', 'Garden']))
    StandIn.pump { !messages.empty? }
    assert_equal 1, StandIn.requests.size, 'the first failure stops the run'
    view.captures.each { |capture| assert File.exist?(capture[:filename]) }
  end

  def test_a_restarted_app_is_found_again_with_its_new_token
    # The app restarted (same port, new token) after the extension read inbox.json.
    app = start_app('b' * 32)
    write_inbox(app.port, 'a' * 32)
    command(:render_view).proc.call
    write_inbox(app.port, 'b' * 32)
    pump_until_sent(app, 2)
    assert_equal ['a' * 32, 'b' * 32], app.requests.map { |request| request.headers['x-su-token'] }
    assert_empty messages
    assert_equal ['Sent 1 picture(s) to SU Render.'], StandIn.status_texts
  end

  def test_a_wrong_token_is_reported_once_not_retried_forever
    app = start_app
    app.token = 'c' * 32
    command(:render_view).proc.call
    StandIn.pump { !messages.empty? }
    assert_equal 1, app.requests.size, 'inbox.json has no other token to try'
    assert_match(/SU Render refused the picture/, messages.first)
    assert_match(/kept in/, messages.first)
  end

  def test_a_picture_too_large_is_reported_and_the_next_still_sent
    app = start_app
    app.answers = [413]
    add_scenes
    pictures, = SURender::Scenes.capture(model, model.pages.to_a, 256)
    SURender::Inbox.deliver(SURender::App.find, 'House', pictures) { |count| StandIn.status_texts << count }
    pump_until_sent(app, 3)
    StandIn.pump { !messages.empty? }
    assert_match(/The picture of scene "Living room" is too large for SU Render/, messages.first)
    assert_equal [2], StandIn.status_texts
    assert File.exist?(pictures[0].path)
    refute File.exist?(pictures[1].path)
  end

  def test_an_app_without_an_inbox_is_named
    app = start_app
    app.answers = [404]
    command(:render_view).proc.call
    StandIn.pump { !messages.empty? }
    assert_match(%r{The app answering at http://127\.0\.0\.1:\d+/ has no inbox}, messages.first)
  end

  def test_with_the_browser_a_notification_offers_the_page
    app = start_app
    SURender::Settings.open_in = :browser
    command(:render_view).proc.call
    pump_until_sent(app, 1)
    assert_empty StandIn.opened_urls, 'no second tab: the app opened one when it started'
    notification = StandIn.notifications.last
    assert_equal 'Sent 1 picture(s) to SU Render.', notification.message
    assert_same SURender::EXTENSION, notification.extension
    assert_equal 'Open SU Render', notification.accept_title
    notification.accept!
    assert_equal ["http://127.0.0.1:#{app.port}/"], StandIn.opened_urls
  end

  def with_timeout(seconds)
    saved = SURender::Inbox::TIMEOUT
    SURender::Inbox.send(:remove_const, :TIMEOUT)
    SURender::Inbox.const_set(:TIMEOUT, seconds)
    yield
  ensure
    SURender::Inbox.send(:remove_const, :TIMEOUT)
    SURender::Inbox.const_set(:TIMEOUT, saved)
  end
end
