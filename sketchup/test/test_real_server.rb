# frozen_string_literal: true

require_relative 'helper'
require 'net/http'

# The extension against the real app: the stand-in's Sketchup::Http::Request makes real HTTP
# requests, so pictures captured by "Render selected scenes" reach the server binary's inbox, found
# through the inbox.json it wrote. Needs the server built with the inbox (issue 20):
#
#   SU_RENDER_SERVER_BIN=target/debug/su-render-server ruby sketchup/test/run.rb
class RealServerTest < SURenderTest
  BIN = ENV['SU_RENDER_SERVER_BIN'].to_s

  def setup
    super
    if BIN.empty?
      skip 'SU_RENDER_SERVER_BIN is not set' if self.class.instance_variable_get(:@warned)

      self.class.instance_variable_set(:@warned, true)
      warn "\n#{'!' * 78}\n!! SKIPPED: the extension against the real app. Set SU_RENDER_SERVER_BIN to the built\n" \
           "!! su-render-server (with the SketchUp inbox) to run it.\n#{'!' * 78}"
      skip 'SU_RENDER_SERVER_BIN is not set'
    end
    raise "SU_RENDER_SERVER_BIN=#{BIN} is not an executable file" unless File.executable?(BIN)

    start_server
  end

  def teardown
    stop_server if @pid
    super
  end

  def start_server
    reader, writer = IO.pipe
    @pid = Process.spawn({ 'SU_RENDER_HOME' => @home }, BIN, '--simulator', '--port', '0', '--no-open',
                         out: writer, err: writer, in: :close)
    writer.close
    @output = +''
    deadline = Time.now + 30
    until (@port = @output[%r{SU Render: http://127\.0\.0\.1:(\d+)/}, 1])
      raise "the server said no address within 30 s:\n#{@output}" if Time.now > deadline

      ready = IO.select([reader], nil, nil, 1)
      @output << reader.readpartial(4096) if ready
    end
    @port = @port.to_i
    @reader = reader
    # Serving (and so stopping cleanly on SIGTERM) once the inbox answers.
    until (get('/__su/inbox').code == '200' rescue false)
      raise "the inbox did not answer within 30 s:\n#{@output}" if Time.now > deadline

      sleep 0.05
    end
  rescue EOFError
    raise "the server stopped:\n#{@output}"
  end

  def stop_server
    Process.kill('TERM', @pid)
    Process.wait(@pid)
    @reader.close if @reader
    @pid = nil
  end

  def get(path)
    Net::HTTP.start('127.0.0.1', @port) { |http| http.get(path) }
  end

  def test_scenes_sent_by_the_extension_are_held_by_the_apps_inbox
    inbox = JSON.parse(File.read(File.join(@home, 'inbox.json')))
    assert_equal @port, inbox['port']
    assert_match(/\A\h{32}\z/, inbox['token'])
    model.title = 'Villa 别墅'
    add_scenes(['Living room', '客厅 & kitchen', 'Garden'])
    view.vpwidth = 1200
    view.vpheight = 800

    command(:render_scenes).proc.call
    StandIn.dialogs.last.trigger('chosen', JSON.generate(['客厅 & kitchen', 'Garden']))
    StandIn.pump(30) { StandIn.status_texts.any? || messages.any? }
    assert_empty messages
    assert_equal ['Sent 2 picture(s) to SU Render.'], StandIn.status_texts

    listing = get('/__su/inbox')
    assert_equal '200', listing.code, listing.body
    pictures = JSON.parse(listing.body).fetch('pictures')
    assert_equal [['Villa 别墅', '客厅 & kitchen', 2048, 1365, 'image/png'],
                  ['Villa 别墅', 'Garden', 2048, 1365, 'image/png']],
                 pictures.map { |p| p.values_at('model', 'scene', 'width', 'height', 'type') }

    # The picture itself, as the page takes it: the very PNG write_image wrote.
    taken = Net::HTTP.start('127.0.0.1', @port) { |http| http.post("/__su/inbox/#{pictures[0]['id']}/take", '') }
    assert_equal '200', taken.code
    assert_equal 'image/png', taken['content-type']
    assert_equal StandIn.png(2048, 1365), taken.body.b
    assert_equal 1, JSON.parse(get('/__su/inbox').body).fetch('pictures').size
  end

  def test_after_a_clean_stop_the_extension_says_the_app_is_not_running
    stop_server
    refute File.exist?(File.join(@home, 'inbox.json')), 'a clean stop removes inbox.json'
    command(:render_view).proc.call
    assert_match(/\ASU Render is not running\./, messages.first)
    assert_empty view.captures
  end
end
