# frozen_string_literal: true

# A stand-in for the parts of SketchUp's Ruby API that the extension calls, written from the
# public reference (ruby.sketchup.com). SketchUp itself cannot run here. Where the reference says a
# call is only valid in some state (Camera#fov on a parallel camera, an HtmlDialog option that does
# not exist, a write_image option it does not know), this stand-in raises, so that the tests catch
# the extension relying on something SketchUp does not promise.
#
# What SketchUp does by itself, the stand-in does too:
# - Sketchup::Http::Request makes a real HTTP request (Net::HTTP on a thread) and calls back later,
#   from the "main loop" (StandIn.pump), never from inside #start.
# - UI.start_timer runs its block from that loop.
# - Selecting a page applies its camera, style and tag visibility; while scene transitions are on,
#   the camera only gets there on a later turn of the loop (as SketchUp animates it), so a capture
#   taken at once would show the scene before.
# - View#write_image writes a real PNG of the size asked for.
#
# Tests steer it through StandIn (the locale, the version, answers of dialogs, failures).

require 'net/http'
require 'zlib'
require 'fileutils'
require 'tmpdir'
require 'uri'

# SketchUp's global constants the extension may use.
TB_HIDDEN = 0 unless defined?(TB_HIDDEN)
TB_VISIBLE = 1 unless defined?(TB_VISIBLE)
TB_NEVER_SHOWN = -1 unless defined?(TB_NEVER_SHOWN)
MB_OK = 0 unless defined?(MB_OK)
IDOK = 1 unless defined?(IDOK)

# The test side of the stand-in: what SketchUp would show, and knobs for what it would do.
module StandIn
  class << self
    attr_accessor :locale, :version, :version_number, :platform, :temp_dir, :active_model,
                  :http_failure, :inputbox_answer, :toolbar_state, :write_image_hook
    attr_reader :messages, :opened_urls, :status_texts, :notifications, :dialogs, :inputboxes,
                :defaults, :menus, :toolbars, :extensions, :required, :timers, :requests
  end

  @menus = {}
  @toolbars = []
  @extensions = []
  @required = []

  # Back to a fresh SketchUp, except for what loading the extension registered (menus, toolbars,
  # extensions): SketchUp keeps those for the whole session too.
  def self.reset!
    @locale = 'en-US'
    @version = '21.1.299'
    @version_number = 2_110_000_299
    @platform = :platform_win
    @temp_dir = nil
    @active_model = Sketchup::Model.new
    @http_failure = :callback
    @inputbox_answer = nil
    @toolbar_state = TB_NEVER_SHOWN
    @write_image_hook = nil
    @messages = []
    @opened_urls = []
    @status_texts = []
    @notifications = []
    @dialogs = []
    @inputboxes = []
    @defaults = {}
    @timers = {}
    @next_timer = 0
    @requests = []
    @tasks = Queue.new
  end

  # Something for the main loop to run (SketchUp runs callbacks on its UI thread).
  def self.post(&block)
    @tasks << block
  end

  def self.add_timer(seconds, repeat, block)
    @next_timer += 1
    @timers[@next_timer] = { due: Time.now + seconds, every: seconds, repeat: repeat, block: block }
    @next_timer
  end

  # Turns the main loop until the block says done, or fails after `timeout` seconds.
  def self.pump(timeout = 10)
    deadline = Time.now + timeout
    loop do
      turn
      return true if !block_given? || yield
      raise "StandIn.pump: not done after #{timeout} s" if Time.now > deadline

      sleep 0.005
    end
  end

  # One turn: the posted callbacks, then the timers that are due.
  def self.turn
    until @tasks.empty?
      task = @tasks.pop(true)
      task.call
    end
    now = Time.now
    @timers.select { |_id, timer| timer[:due] <= now }.each do |id, timer|
      next unless @timers.key?(id)

      if timer[:repeat]
        timer[:due] = now + timer[:every]
      else
        @timers.delete(id)
      end
      timer[:block].call
    end
  end

  # A real PNG, width x height, RGB, one grey.
  def self.png(width, height)
    row = "\x00".b + ("\x88\x99\xAA".b * width)
    chunk = lambda do |type, data|
      [data.bytesize].pack('N') + type + data + [Zlib.crc32(type + data)].pack('N')
    end
    "\x89PNG\r\n\x1A\n".b +
      chunk.call('IHDR'.b, [width, height, 8, 2, 0, 0, 0].pack('NNCCCCC')) +
      chunk.call('IDAT'.b, Zlib::Deflate.deflate(row * height, Zlib::BEST_SPEED)) +
      chunk.call('IEND'.b, ''.b)
  end

  # The start of a baseline JPEG, up to its frame header (size): enough for anything that reads
  # the type and size, not a picture anyone can decode.
  def self.jpeg_header(width, height)
    "\xFF\xD8".b + "\xFF\xC0".b + [17, 8, height, width, 3].pack('nCnnC') +
      "\x01\x11\x00\x02\x11\x01\x03\x11\x01".b + "\xFF\xD9".b
  end
end

module Sketchup
  def self.active_model
    StandIn.active_model
  end

  def self.get_locale
    StandIn.locale
  end

  def self.os_language
    StandIn.locale
  end

  def self.version
    StandIn.version
  end

  def self.version_number
    StandIn.version_number
  end

  def self.platform
    StandIn.platform
  end

  def self.temp_dir
    StandIn.temp_dir || Dir.tmpdir
  end

  # Like Kernel#require, for a path given without its extension (SketchUp looks for .rbe, then .rb).
  def self.require(path)
    raise ArgumentError, "Sketchup.require wants the path without .rb: #{path}" if path.end_with?('.rb')

    StandIn.required << path
    Kernel.require("#{path}.rb")
  end

  def self.register_extension(extension, load_on_start = false)
    StandIn.extensions << extension
    extension.register(load_on_start)
    true
  end

  def self.read_default(section, key, default = nil)
    StandIn.defaults.fetch([section, key], default)
  end

  def self.write_default(section, key, value)
    StandIn.defaults[[section, key]] = value
    true
  end

  def self.status_text=(text)
    StandIn.status_texts << text
  end

  class Entity
    def valid?
      !@deleted
    end

    def deleted?
      @deleted ? true : false
    end

    def erase_for_test!
      @deleted = true
    end
  end

  class Camera
    attr_reader :eye, :target, :up
    attr_accessor :aspect_ratio

    def initialize(eye = [0, -100, 50], target = [0, 0, 0], up = [0, 0, 1], perspective = true, fov = 30.0)
      @eye = eye.dup
      @target = target.dup
      @up = up.dup
      @perspective = perspective ? true : false
      @fov = fov.to_f
      @height = 100.0
      @aspect_ratio = 0.0
    end

    def set(eye, target, up)
      @eye = eye.dup
      @target = target.dup
      @up = up.dup
      self
    end

    def perspective?
      @perspective
    end

    def perspective=(value)
      @perspective = value ? true : false
    end

    # "Only applicable to perspective cameras."
    def fov
      raise 'Camera#fov: not a perspective camera' unless @perspective

      @fov
    end

    def fov=(value)
      raise 'Camera#fov=: not a perspective camera' unless @perspective

      @fov = value.to_f
    end

    # "Only valid if it is not a perspective camera."
    def height
      raise 'Camera#height: a perspective camera has no height' if @perspective

      @height
    end

    def height=(value)
      raise 'Camera#height=: a perspective camera has no height' if @perspective

      @height = value.to_f
    end

    # For the tests: everything that decides what the view shows.
    def state
      [@eye, @target, @up, @perspective, @perspective ? @fov : @height, @aspect_ratio]
    end

    def copy
      camera = Camera.new(@eye, @target, @up, @perspective, @fov)
      camera.instance_variable_set(:@height, @height)
      camera.aspect_ratio = @aspect_ratio
      camera
    end
  end

  WRITE_IMAGE_OPTIONS = %i[filename width height antialias compression transparent scale_factor source].freeze

  class View
    attr_accessor :vpwidth, :vpheight
    attr_reader :model, :captures

    def initialize(model)
      @model = model
      @vpwidth = 1600
      @vpheight = 900
      @camera = Camera.new
      @captures = []
    end

    # The live camera: changing it changes the view, as in SketchUp.
    attr_reader :camera

    def camera=(value)
      camera, _transition = value.is_a?(Array) ? value : [value, nil]
      raise TypeError, 'View#camera= wants a Sketchup::Camera' unless camera.is_a?(Camera)

      @camera = camera.copy
    end

    def write_image(*args)
      options = args.first
      raise ArgumentError, 'the stand-in supports only the options-hash form' unless args.size == 1 && options.is_a?(Hash)

      unknown = options.keys - WRITE_IMAGE_OPTIONS
      raise ArgumentError, "write_image: unknown options #{unknown.inspect}" unless unknown.empty?

      filename = options.fetch(:filename)
      width = options.fetch(:width, @vpwidth)
      height = options.fetch(:height, @vpheight)
      raise ArgumentError, 'write_image: up to 16000 pixels a side' if width > 16_000 || height > 16_000

      capture = {
        filename: filename, width: width, height: height, options: options,
        page: @model.pages.selected_page && @model.pages.selected_page.name,
        camera: @camera.state, transitions: @model.options['PageOptions']['ShowTransition']
      }
      @captures << capture
      StandIn.write_image_hook.call(capture) if StandIn.write_image_hook
      data = filename =~ /\.jpe?g\z/i ? StandIn.jpeg_header(width, height) : StandIn.png(width, height)
      File.binwrite(filename, data)
      true
    end
  end

  # A page's saved camera, style (rendering options) and hidden tags; selecting it applies them.
  class Page < Entity
    attr_accessor :name, :style, :hidden_tags
    attr_reader :camera

    def initialize(name, camera, style = nil, hidden_tags = nil)
      @name = name
      @camera = camera.copy
      @style = style
      @hidden_tags = hidden_tags
    end
  end

  class Pages < Entity
    include Enumerable

    attr_reader :selected_page

    def initialize(model)
      @model = model
      @pages = []
      @selected_page = nil
    end

    # For the tests: SketchUp's add takes the current view; here the page's state is given.
    def add_for_test(name, camera, style: nil, hidden_tags: nil)
      page = Page.new(name, camera, style, hidden_tags)
      @pages << page
      @selected_page ||= page
      page
    end

    def each(&block)
      @pages.each(&block)
    end

    def size
      @pages.size
    end
    alias count size
    alias length size

    def [](index_or_name)
      if index_or_name.is_a?(Integer)
        @pages[index_or_name]
      else
        @pages.find { |page| page.name == index_or_name.to_s }
      end
    end

    # "SketchUp will animate to that page as if the user had clicked on its scene tab."
    def selected_page=(page)
      raise TypeError, 'Pages#selected_page= wants a Sketchup::Page' unless page.is_a?(Page)
      raise ArgumentError, 'the page was deleted' if page.deleted?
      raise ArgumentError, 'the page is not in this model' unless @pages.include?(page)

      @selected_page = page
      view = @model.active_view
      if @model.options['PageOptions']['ShowTransition']
        StandIn.post { view.camera = page.camera }
      else
        view.camera = page.camera
      end
      page.style.each { |key, value| @model.rendering_options[key] = value } if page.style
      if page.hidden_tags
        @model.layers.each { |layer| layer.visible = !page.hidden_tags.include?(layer.name) }
      end
      true
    end
  end

  # Hash-like options: RenderingOptions, ShadowInfo, the providers of OptionsManager.
  class Options < Entity
    include Enumerable

    def initialize(values, read_only = [])
      @values = values
      @read_only = read_only
    end

    def [](key)
      @values[key]
    end

    def []=(key, value)
      raise ArgumentError, "#{key} is read-only" if @read_only.include?(key)
      raise ArgumentError, "no option #{key}" unless @values.key?(key)

      @values[key] = value
    end

    def keys
      @values.keys
    end

    def key?(key)
      @values.key?(key)
    end
    alias has_key? key?

    def each(&block)
      @values.each(&block)
    end

    def to_h
      @values.dup
    end
  end

  class RenderingOptions < Options; end
  class ShadowInfo < Options; end
  class OptionsProvider < Options; end

  class OptionsManager
    def initialize
      @providers = {
        'PageOptions' => OptionsProvider.new('ShowTransition' => true, 'TransitionTime' => 2.0),
        'SlideshowOptions' => OptionsProvider.new('LoopSlideshow' => true, 'SlideTime' => 1.0),
        'UnitsOptions' => OptionsProvider.new('LengthUnit' => 4)
      }
    end

    def [](name)
      @providers[name]
    end

    def keys
      @providers.keys
    end
  end

  class Layer < Entity
    attr_reader :name

    def initialize(name)
      @name = name
      @visible = true
    end

    def visible?
      @visible
    end

    def visible=(value)
      @visible = value ? true : false
    end
  end

  class Layers < Entity
    include Enumerable

    def initialize
      @layers = [Layer.new('Layer0')]
    end

    def add(name)
      self[name] || (@layers << Layer.new(name)).last
    end

    def [](name)
      @layers.find { |layer| layer.name == name }
    end

    def each(&block)
      @layers.each(&block)
    end
  end

  class Model
    attr_accessor :title
    attr_reader :pages, :active_view, :options, :rendering_options, :shadow_info, :layers, :operations

    def initialize
      @title = 'House'
      @pages = Pages.new(self)
      @options = OptionsManager.new
      @active_view = View.new(self)
      @rendering_options = RenderingOptions.new(
        'EdgeDisplayMode' => 1, 'DrawProfiles' => true, 'DrawDepthQue' => false, 'DisplayFog' => false
      )
      @shadow_info = ShadowInfo.new(
        { 'DisplayShadows' => false, 'Light' => 80, 'Dark' => 45, 'SunDirection' => [0.1, 0.2, 0.9] },
        ['SunDirection']
      )
      @layers = Layers.new
      @operations = []
      @open_operation = nil
    end

    def start_operation(name, disable_ui = false, _next_transparent = false, _transparent = false)
      raise 'an operation is already open' if @open_operation

      @open_operation = [name, disable_ui]
      true
    end

    def commit_operation
      raise 'no operation is open' unless @open_operation

      @operations << @open_operation
      @open_operation = nil
      true
    end
  end

  module Http
    GET = 'GET'
    POST = 'POST'
    PUT = 'PUT'
    DELETE = 'DELETE'
    HEAD = 'HEAD'
    OPTIONS = 'OPTIONS'
    PATCH = 'PATCH'

    # Distinct values; the extension compares with the constants, never with numbers.
    STATUS_UNKNOWN = 10
    STATUS_SUCCESS = 11
    STATUS_PENDING = 12
    STATUS_CANCELED = 13
    STATUS_FAILED = 14

    class Response
      attr_reader :status_code, :body, :headers

      def initialize(status_code, body, headers)
        @status_code = status_code
        @body = body
        @headers = headers
      end
    end

    class Request
      attr_accessor :body
      attr_reader :url, :method, :headers, :status

      def initialize(url, method = GET)
        @url = url
        @method = method
        @headers = {}
        @body = ''
        @status = STATUS_UNKNOWN
        StandIn.requests << self
      end

      def headers=(headers)
        raise TypeError, 'headers must be a Hash' unless headers.is_a?(Hash)

        @headers = headers
      end

      # Asynchronous, as in SketchUp: the answer comes through the main loop, later.
      def start(&callback)
        raise 'already started' unless @status == STATUS_UNKNOWN

        @status = STATUS_PENDING
        uri = URI(@url)
        method = @method
        headers = @headers.map { |key, value| [key.to_s, value.to_s] }.to_h
        body = @body.to_s.b
        Thread.new do
          begin
            response = Net::HTTP.start(uri.host, uri.port, open_timeout: 5, read_timeout: 120) do |http|
              request = Net::HTTPGenericRequest.new(method, !body.empty?, true, uri.request_uri, headers)
              request.body = body unless body.empty?
              http.request(request)
            end
            StandIn.post { finish(STATUS_SUCCESS, response, callback) }
          rescue StandardError, Timeout::Error
            StandIn.post { finish(STATUS_FAILED, nil, callback) }
          end
        end
        true
      end

      def cancel
        @status = STATUS_CANCELED if @status == STATUS_PENDING
        true
      end

      private

      # SketchUp's reference does not say whether a failed request calls back; StandIn.http_failure
      # picks :callback (with status code 0) or :silent (status STATUS_FAILED only).
      def finish(status, response, callback)
        return if @status == STATUS_CANCELED

        @status = status
        return unless callback

        if response
          headers = {}
          response.each_header { |key, value| headers[key] = value }
          callback.call(self, Response.new(response.code.to_i, response.body.to_s, headers))
        elsif StandIn.http_failure == :callback
          callback.call(self, Response.new(0, '', {}))
        end
      end
    end
  end
end

class SketchupExtension
  attr_accessor :name, :version, :creator, :copyright, :description
  attr_reader :path

  def initialize(title, path)
    @name = title
    @path = path
    @registered = false
    @loaded = false
    @load_on_start = false
  end

  def register(load_on_start)
    @registered = true
    @load_on_start = load_on_start
    return unless load_on_start

    Sketchup.require(@path)
    @loaded = true
  end

  def registered?
    @registered
  end

  def loaded?
    @loaded
  end

  def load_on_start?
    @load_on_start
  end
end

module UI
  def self.menu(name = 'Extensions')
    StandIn.menus[name] ||= Menu.new(name)
  end

  def self.messagebox(message, type = MB_OK)
    StandIn.messages << [message, type]
    IDOK
  end

  def self.openURL(url) # rubocop:disable Naming/MethodName
    StandIn.opened_urls << url
    true
  end

  # The test says what the designer answers: a proc given prompts, defaults, lists and title.
  def self.inputbox(prompts, defaults = [], lists = [], title = '')
    StandIn.inputboxes << { prompts: prompts, defaults: defaults, lists: lists, title: title }
    answer = StandIn.inputbox_answer
    answer ? answer.call(prompts, defaults, lists, title) : false
  end

  def self.start_timer(seconds, repeat = false, &block)
    raise ArgumentError, 'start_timer needs a block' unless block

    StandIn.add_timer(seconds, repeat, block)
  end

  def self.stop_timer(id)
    StandIn.timers.delete(id)
    nil
  end

  class Menu
    attr_reader :name, :items

    def initialize(name)
      @name = name
      @items = []
    end

    def add_submenu(title)
      menu = Menu.new(title)
      @items << [:submenu, menu]
      menu
    end

    def add_item(item, &block)
      @items << (item.is_a?(Command) ? [:command, item] : [:text, item, block])
      @items.size
    end

    def add_separator
      @items << [:separator]
      true
    end
  end

  class Command
    attr_accessor :tooltip, :status_bar_text, :small_icon, :large_icon, :menu_text
    attr_reader :proc

    def initialize(menutext, &block)
      raise ArgumentError, 'UI::Command needs a block' unless block

      @menu_text = menutext
      @proc = block
    end
  end

  class Toolbar
    attr_reader :name, :items

    def self.new(name)
      toolbar = super
      StandIn.toolbars << toolbar
      toolbar
    end

    def initialize(name)
      @name = name
      @items = []
      @visible = false
    end

    def add_item(command)
      raise TypeError, 'Toolbar#add_item wants a UI::Command' unless command.is_a?(Command)

      @items << command
      self
    end

    def add_separator
      @items << :separator
      self
    end

    def get_last_state # rubocop:disable Naming/AccessorMethodName
      StandIn.toolbar_state
    end

    def show
      @visible = true
    end

    def restore
      @visible = StandIn.toolbar_state == TB_VISIBLE
    end

    def visible?
      @visible
    end
  end

  class HtmlDialog
    STYLE_WINDOW = 0
    STYLE_DIALOG = 1
    STYLE_UTILITY = 2

    OPTIONS = %i[dialog_title preferences_key scrollable resizable use_content_size width height left
                 top min_width min_height max_width max_height style].freeze

    attr_reader :properties, :url, :html, :callbacks, :scripts, :fronted

    def initialize(properties)
      raise TypeError, 'HtmlDialog.new wants a Hash' unless properties.is_a?(Hash)

      unknown = properties.keys - OPTIONS
      raise ArgumentError, "HtmlDialog: unknown options #{unknown.inspect}" unless unknown.empty?
      if properties[:use_content_size] && StandIn.version_number < 2_110_000_000
        raise ArgumentError, 'use_content_size is new in SketchUp 2021.1'
      end

      @properties = properties
      @callbacks = {}
      @scripts = []
      @visible = false
      @fronted = 0
      StandIn.dialogs << self
    end

    def set_url(url) # rubocop:disable Naming/AccessorMethodName
      @url = url
      @html = nil
      true
    end

    def set_html(html) # rubocop:disable Naming/AccessorMethodName
      @html = html
      @url = nil
      true
    end

    def add_action_callback(name, &block)
      @callbacks[name] = block
      true
    end

    def show
      @visible = true
    end

    def visible?
      @visible
    end

    def close
      @visible = false
      true
    end

    def bring_to_front
      @fronted += 1
      self
    end

    def execute_script(script)
      @scripts << script
      true
    end

    # For the tests: what JavaScript's sketchup.<name>(args…) would do.
    def trigger(name, *args)
      raise "no callback #{name}" unless @callbacks.key?(name)

      @callbacks[name].call(:action_context, *args)
    end
  end

  class Notification
    attr_reader :extension, :message, :accept_title

    def initialize(extension, message = nil, _icon_name = nil, _icon_tooltip = nil)
      raise TypeError, 'Notification wants a SketchupExtension' unless extension.is_a?(SketchupExtension)

      @extension = extension
      @message = message
    end

    def on_accept(title, &block)
      @accept_title = title
      @accept = block
    end

    def show
      StandIn.notifications << self
      true
    end

    # For the tests: the designer clicks the accept button.
    def accept!
      @accept.call(self, @accept_title)
    end
  end
end

StandIn.reset!
