# frozen_string_literal: true

# Loads the extension the way SketchUp does (the root loader registers it, registering loads
# su_render/main), against the stand-in in stand_in/. Run everything with `ruby sketchup/test/run.rb`.

$LOAD_PATH.unshift(File.expand_path('stand_in', __dir__))
require 'minitest/autorun'
require 'tmpdir'
require 'fileutils'
require 'json'
require 'sketchup.rb'
require_relative 'fake_app'

module TestSupport
  SKETCHUP_DIR = File.expand_path('..', __dir__)
  REPO_DIR = File.expand_path('..', SKETCHUP_DIR)
  TOKEN = '0123456789abcdef0123456789abcdef'

  # Width and height from a PNG's IHDR.
  def self.png_size(bytes)
    raise "not a PNG: #{bytes[0, 8].inspect}" unless bytes.b.start_with?("\x89PNG\r\n\x1A\n".b)

    bytes.b[16, 8].unpack('NN')
  end
end

require File.join(TestSupport::SKETCHUP_DIR, 'su_render.rb')
# What loading the extension loaded, before any test loads more.
TestSupport::REQUIRED_AT_LOAD = StandIn.required.dup.freeze

# Each test starts from a fresh SketchUp (StandIn.reset!), a new data folder for the app and a new
# temporary folder, and stops whatever fake app it started.
class SURenderTest < Minitest::Test
  def setup
    StandIn.reset!
    @home = Dir.mktmpdir('su-render-home')
    @temp = Dir.mktmpdir('su-render-temp')
    @saved_env = ENV.to_h.slice('SU_RENDER_HOME', 'APPDATA', 'XDG_CONFIG_HOME', 'HOME')
    ENV['SU_RENDER_HOME'] = @home
    StandIn.temp_dir = @temp
    @apps = []
    # What the extension keeps for the session (its windows), as after a fresh start of SketchUp.
    SURender::Page.instance_variable_set(:@dialog, nil)
    SURender::Page.instance_variable_set(:@url, nil)
    SURender::Scenes.instance_variable_set(:@picker, nil)
    SURender::Inbox.in_flight.clear
  end

  def teardown
    @apps.each(&:stop)
    @saved_env.each { |key, value| ENV[key] = value }
    (%w[SU_RENDER_HOME APPDATA XDG_CONFIG_HOME] - @saved_env.keys).each { |key| ENV.delete(key) }
    FileUtils.rm_rf(@home)
    FileUtils.rm_rf(@temp)
  end

  # A fake app listening, with its inbox.json written as the real app writes it.
  def start_app(token = TestSupport::TOKEN)
    app = FakeApp.new(token)
    @apps << app
    write_inbox(app.port, token)
    app
  end

  def write_inbox(port, token)
    File.write(File.join(@home, 'inbox.json'), JSON.generate('port' => port, 'token' => token))
  end

  # A port nothing listens on (bound, then closed).
  def dead_port
    server = TCPServer.new('127.0.0.1', 0)
    port = server.addr[1]
    server.close
    port
  end

  def model
    StandIn.active_model
  end

  def view
    model.active_view
  end

  def messages
    StandIn.messages.map(&:first)
  end

  def command(key)
    text = SURender::I18n::STRINGS[:en].fetch(key)
    menu = StandIn.menus['Extensions'].items.find { |kind, item| kind == :submenu && item.name == 'SU Render' }[1]
    menu.items.map { |item| item[1] }.find { |item| item.is_a?(UI::Command) && item.menu_text == text } ||
      raise("no command #{text}")
  end

  # Three scenes with their own cameras, a style change and a hidden tag, in the model.
  def add_scenes(names = ['Living room', 'Kitchen', 'Garden'])
    model.layers.add('Furniture')
    model.layers.add('Roof')
    names.each_with_index.map do |name, index|
      camera = Sketchup::Camera.new([index * 100, -500, 160], [index * 100, 0, 120], [0, 0, 1], true, 35.0 + index)
      model.pages.add_for_test(name, camera,
                               style: { 'EdgeDisplayMode' => index, 'DrawProfiles' => index.even? },
                               hidden_tags: index == 2 ? ['Roof'] : [])
    end
  end

  # Runs SketchUp's loop until `count` requests reached the app and every send has ended.
  def pump_until_sent(app, count)
    StandIn.pump { app.received.size >= count && SURender::Inbox.in_flight.empty? }
  end
end
