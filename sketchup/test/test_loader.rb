# frozen_string_literal: true

require_relative 'helper'
require 'open3'
require 'rbconfig'

class LoaderTest < SURenderTest
  def extension
    StandIn.extensions.find { |ext| ext.name == 'SU Render' } || flunk('SU Render was not registered')
  end

  def test_the_extension_is_registered_loaded_on_start_and_loaded
    assert_equal [extension], StandIn.extensions
    assert extension.registered?
    assert extension.load_on_start?
    assert extension.loaded?
    assert_equal 'SU Render', extension.creator
    assert_match(/SU Render app/, extension.description)
    assert_equal File.join(TestSupport::SKETCHUP_DIR, 'su_render', 'main'), extension.path
  end

  def test_the_version_is_the_apps_version
    cargo = File.read(File.join(TestSupport::REPO_DIR, 'server', 'Cargo.toml'))
    package = cargo[/^\[package\]\n(.*?)(?=^\[|\z)/m, 1]
    version = package[/^version\s*=\s*"([^"]+)"/, 1]
    refute_nil version, 'no version in server/Cargo.toml [package]'
    assert_equal version, SURender::VERSION
    assert_equal version, extension.version
  end

  def test_main_loads_the_rest_with_sketchup_require_and_nothing_else_loads_code
    dir = File.join(TestSupport::SKETCHUP_DIR, 'su_render')
    expected = %w[main i18n settings app capture scenes inbox page].map { |name| File.join(dir, name) }
    assert_equal expected, TestSupport::REQUIRED_AT_LOAD
    # Every Ruby file of the extension is loaded that way (none is forgotten, none is loaded twice).
    files = Dir.glob(File.join(dir, '**', '*.rb')).map { |path| path.sub(/\.rb\z/, '') }
    assert_equal files.sort, TestSupport::REQUIRED_AT_LOAD.sort
  end

  # The root file alone, in a fresh Ruby whose SketchUp does not load extensions: it defines the
  # module with VERSION and EXTENSION, registers, and requires nothing of its own.
  def test_the_root_loader_only_registers
    script = <<-RUBY
      $LOAD_PATH.unshift(#{File.join(__dir__, 'stand_in').inspect})
      require 'sketchup.rb'
      class SketchupExtension
        remove_method :register
        def register(load_on_start)
          @registered = true
          @load_on_start = load_on_start
        end
      end
      before = Object.constants
      load #{File.join(TestSupport::SKETCHUP_DIR, 'su_render.rb').inspect}
      print [Object.constants - before, SURender.constants.sort, StandIn.required,
             StandIn.extensions.map(&:load_on_start?)].inspect
    RUBY
    out, err, status = Open3.capture3(RbConfig.ruby, '-w', '-e', script)
    assert status.success?, err
    assert_equal '', err, 'the root loader warns'
    assert_equal [[:SURender], %i[EXTENSION VERSION], [], [true]].inspect, out
  end
end
