# frozen_string_literal: true

require_relative 'helper'

class ScenesTest < SURenderTest
  # The designer's situation before the walk: scene "Kitchen" selected, then the view orbited, a
  # style setting and a tag changed, without updating the scene.
  def prepare
    pages = add_scenes
    model.pages.selected_page = pages[1]
    StandIn.pump { view.camera.eye == pages[1].camera.eye } # the transition animates
    view.camera.set([1, 2, 3], [4, 5, 6], [0, 0, 1])
    view.camera.fov = 50.0
    model.rendering_options['DrawProfiles'] = false
    model.rendering_options['DisplayFog'] = true
    model.layers['Furniture'].visible = false
    model.shadow_info['DisplayShadows'] = true
    pages
  end

  def snapshot
    {
      page: model.pages.selected_page,
      camera: view.camera.state,
      rendering: model.rendering_options.to_h,
      shadows: model.shadow_info.to_h,
      tags: model.layers.map { |layer| [layer.name, layer.visible?] },
      page_options: model.options['PageOptions'].to_h,
      slideshow: model.options['SlideshowOptions'].to_h
    }
  end

  def test_each_scene_is_captured_with_its_own_camera_without_transition
    pages = prepare
    pictures, problems = SURender::Scenes.capture(model, pages, 512)
    assert_empty problems
    assert_equal ['Living room', 'Kitchen', 'Garden'], pictures.map(&:scene)
    captures = view.captures
    assert_equal pages.map(&:name), captures.map { |capture| capture[:page] }
    assert_equal pages.map { |page| page.camera.state }, captures.map { |capture| capture[:camera] },
                 'each capture shows its scene, not a frame of the transition to it'
    assert_equal [false, false, false], captures.map { |capture| capture[:transitions] }
    pictures.each { |picture| assert_equal [512, 288], TestSupport.png_size(File.binread(picture.path)) }
  end

  def test_everything_is_put_back_as_the_designer_had_it
    prepare
    before = snapshot
    SURender::Scenes.capture(model, model.pages.to_a, 256)
    assert_equal before, snapshot
    # A scene hid "Roof" and showed "Furniture": putting them back is one named undo step.
    assert_equal [['SU Render', true]], model.operations
  end

  def test_everything_is_put_back_when_a_capture_fails_and_the_others_are_still_taken
    pages = prepare
    before = snapshot
    StandIn.write_image_hook = ->(capture) { raise IOError, 'GPU lost' if capture[:page] == 'Kitchen' }
    pictures, problems = SURender::Scenes.capture(model, pages, 256)
    assert_equal ['Living room', 'Garden'], pictures.map(&:scene)
    assert_equal ['Could not capture scene "Kitchen": GPU lost'], problems
    assert_equal before, snapshot
  end

  # Not a StandardError (what SketchUp raises when the designer stops Ruby, for instance): it goes
  # through, and the ensure still puts everything back.
  def test_everything_is_put_back_when_the_walk_is_interrupted
    pages = prepare
    before = snapshot
    StandIn.write_image_hook = ->(capture) { raise Interrupt if capture[:page] == 'Kitchen' }
    assert_raises(Interrupt) { SURender::Scenes.capture(model, pages, 256) }
    assert_equal 2, view.captures.size
    assert_equal before, snapshot
  end

  def test_when_one_part_cannot_be_put_back_the_others_still_are
    pages = prepare
    before = snapshot
    original = model.pages.method(:selected_page=)
    calls = 0
    model.pages.define_singleton_method(:selected_page=) do |page|
      calls += 1
      raise ArgumentError, 'scene refused' if calls > pages.size

      original.call(page)
    end
    pictures, problems = SURender::Scenes.capture(model, pages, 256)
    assert_equal 3, pictures.size
    assert_equal ['SU Render could not put back: the selected scene'], problems
    after = snapshot
    assert_equal pages.last, after.delete(:page), 'the scene stays the last one shown'
    before.delete(:page)
    assert_equal before, after, 'camera, style, shadows, tags and transitions are back'
  end

  def test_a_parallel_camera_comes_back_with_its_height
    pages = add_scenes
    view.camera.perspective = false
    view.camera.height = 321.0
    view.camera.aspect_ratio = 1.5
    before = view.camera.state
    SURender::Scenes.capture(model, pages, 256)
    assert_equal before, view.camera.state
  end

  def test_a_model_whose_options_lack_a_key_is_left_alone
    pages = add_scenes
    options = model.options['PageOptions']
    options.instance_variable_get(:@values).delete('TransitionTime')
    SURender::Scenes.capture(model, pages, 256)
    assert_equal({ 'ShowTransition' => true }, options.to_h)
  end

  def test_the_picker_lists_every_scene_ticked_and_escaped
    add_scenes(['Hall', 'A <b>"bold"</b> & \'odd\' name', '客厅'])
    chosen = nil
    dialog = SURender::Scenes.choose(model) { |pages| chosen = pages }
    assert_nil chosen
    assert dialog.visible?
    html = dialog.html
    assert_includes html, 'value="A &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; &#39;odd&#39; name"'
    refute_includes html, '<b>"bold"</b>'
    assert_includes html, 'value="客厅"'
    assert_equal 3, html.scan('type="checkbox" checked').size
    assert_includes html, 'sketchup.chosen(JSON.stringify(chosen()))'
  end

  def test_the_picker_gives_the_scenes_chosen_by_name
    pages = add_scenes
    chosen = nil
    dialog = SURender::Scenes.choose(model) { |list| chosen = list }
    dialog.trigger('chosen', JSON.generate(['Garden', 'Living room', 'Deleted meanwhile']))
    assert_equal [pages[2], pages[0]], chosen
    refute dialog.visible?
  end

  def test_cancel_or_nothing_chosen_renders_nothing
    add_scenes
    called = false
    dialog = SURender::Scenes.choose(model) { |_list| called = true }
    dialog.trigger('chosen', '[]')
    dialog = SURender::Scenes.choose(model) { |_list| called = true }
    dialog.trigger('cancel')
    refute dialog.visible?
    dialog = SURender::Scenes.choose(model) { |_list| called = true }
    dialog.trigger('chosen', 'not json')
    refute called
  end

  def test_one_scene_needs_no_picker
    pages = add_scenes(['Only'])
    chosen = nil
    SURender::Scenes.choose(model) { |list| chosen = list }
    assert_equal pages, chosen
    assert_empty StandIn.dialogs
  end

  def test_the_picker_speaks_chinese_in_a_chinese_sketchup
    StandIn.locale = 'zh-CN'
    add_scenes
    dialog = SURender::Scenes.choose(model) { |_list| nil }
    assert_equal 'SU Render：要渲染的场景', dialog.properties[:dialog_title]
    assert_includes dialog.html, '<html lang="zh-CN">'
    assert_includes dialog.html, '发送到 SU Render'
  end
end
