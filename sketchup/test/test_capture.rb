# frozen_string_literal: true

require_relative 'helper'

class CaptureTest < SURenderTest
  def test_size_follows_the_viewport_with_the_longest_side_given
    view.vpwidth = 1600
    view.vpheight = 900
    assert_equal [2048, 1152], SURender::Capture.size_for(view, 2048)
    view.vpwidth = 900
    view.vpheight = 1600
    assert_equal [1152, 2048], SURender::Capture.size_for(view, 2048)
    view.vpwidth = 1000
    view.vpheight = 1000
    assert_equal [1024, 1024], SURender::Capture.size_for(view, 1024)
  end

  def test_a_camera_with_a_fixed_aspect_ratio_decides_the_shape
    view.vpwidth = 1000
    view.vpheight = 1000
    view.camera.aspect_ratio = 2.0
    assert_equal [4096, 2048], SURender::Capture.size_for(view, 4096)
  end

  def test_take_writes_a_png_of_the_size_asked_for_antialiased
    view.vpwidth = 1280
    view.vpheight = 720
    picture = SURender::Capture.take(view, SURender::Settings.long_side, 'Kitchen')
    assert_equal 'image/png', picture.type
    assert_equal [2048, 1152], [picture.width, picture.height]
    assert_equal [2048, 1152], TestSupport.png_size(File.binread(picture.path)), 'the file itself'
    assert_equal 'Kitchen', picture.scene
    assert picture.path.start_with?(File.join(@temp, 'SU Render')), picture.path
    options = view.captures.last[:options]
    assert_equal true, options[:antialias]
    assert_equal picture.path, options[:filename]
  end

  def test_the_size_setting_is_used
    SURender::Settings.long_side = 1024
    view.vpwidth = 800
    view.vpheight = 600
    picture = SURender::Capture.take(view, SURender::Settings.long_side)
    assert_equal [1024, 768], TestSupport.png_size(File.binread(picture.path))
  end

  def test_two_captures_in_the_same_second_get_two_files
    first = SURender::Capture.take(view, 256)
    second = SURender::Capture.take(view, 256)
    refute_equal first.path, second.path
    assert File.file?(first.path)
    assert File.file?(second.path)
  end

  def test_a_png_too_large_for_the_inbox_is_taken_again_as_jpeg
    picture = SURender::Capture.take(view, 512, nil, 1000)
    assert_equal 'image/jpeg', picture.type
    assert_match(/\.jpg\z/, picture.path)
    png, jpeg = view.captures.last(2).map { |capture| capture[:options] }
    assert_match(/\.png\z/, png[:filename])
    refute File.exist?(png[:filename]), 'the PNG is not left behind'
    assert_equal 0.9, jpeg[:compression]
    assert_equal [512, 288], [jpeg[:width], jpeg[:height]]
  end

  def test_write_image_that_writes_nothing_is_an_error
    view.define_singleton_method(:write_image) { |_options| false }
    error = assert_raises(SURender::Capture::Failed) { SURender::Capture.take(view, 256) }
    assert_match(/wrote no picture/, error.message)
  end
end
