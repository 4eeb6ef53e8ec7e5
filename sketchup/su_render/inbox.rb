# frozen_string_literal: true

module SURender
  # Handing pictures to the app: POST /__su/inbox with the raw image as the body.
  module Inbox
    # Without an answer after this long (the app is on this computer: even 30 MB take a second),
    # a picture counts as not delivered. Sketchup::Http::Request has no timeout of its own.
    TIMEOUT = 60
    # How often a request is looked at, in case SketchUp ends a failed one without calling back.
    WATCH_EVERY = 0.5

    # Requests on their way. SketchUp drops a request nothing refers to, silently, so each is held
    # here until it ends.
    @in_flight = []

    class << self
      attr_reader :in_flight
    end

    # Percent-encoding of a query value as UTF-8; a space is %20, which every decoder reads.
    def self.encode(text)
      text = text.to_s
      # Bytes of unknown encoding are taken as UTF-8 (what SketchUp gives); others are converted.
      text = text.dup.force_encoding(Encoding::UTF_8) if text.encoding == Encoding::BINARY
      text = text.encode(Encoding::UTF_8) unless text.encoding == Encoding::UTF_8
      text.scrub('?').bytes.map { |b| unreserved?(b) ? b.chr : format('%%%02X', b) }.join
    rescue EncodingError
      ''
    end

    def self.unreserved?(byte)
      (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) ||
        (byte >= 0x61 && byte <= 0x7A) || [0x2D, 0x2E, 0x5F, 0x7E].include?(byte)
    end

    def self.url(app, model_name, picture)
      query = [
        "model=#{encode(model_name)}",
        "scene=#{encode(picture.scene)}",
        "width=#{picture.width.to_i}",
        "height=#{picture.height.to_i}"
      ].join('&')
      "#{app.base_url}__su/inbox?#{query}"
    end

    # Sends `pictures` one after the other, in order (the page makes a batch of them in that
    # order). The block gets the number the app took. Problems are told in one message at the end.
    def self.deliver(app, model_name, pictures, &done)
      Delivery.new(app, model_name, pictures, done).start
    end

    # One run of sends.
    class Delivery
      def initialize(app, model_name, pictures, done)
        @app = app
        @model_name = model_name
        @queue = pictures.dup
        @done = done
        @sent = 0
        @kept = []
        @problems = []
        @unreachable = false
        @retried = false
      end

      def start
        send_next
        self
      end

      private

      def send_next
        picture = @queue.first
        return finish if picture.nil?

        request = Sketchup::Http::Request.new(Inbox.url(@app, @model_name, picture), Sketchup::Http::POST)
        request.headers = { 'X-SU-Token' => @app.token, 'Content-Type' => picture.type }
        request.body = File.binread(picture.path)
        Inbox.in_flight << request
        watch(request, picture)
        request.start do |_request, response|
          conclude(request, picture, response ? response.status_code.to_i : 0, response ? response.body : nil)
        end
      rescue StandardError => e
        if request
          Inbox.in_flight.delete(request)
          timer = @timers && @timers.delete(request)
          UI.stop_timer(timer) if timer
        end
        @problems << I18n.t(:error, error: e.message)
        keep_all
        finish
      end

      # Started before the request, so that an answer that comes at once still finds it to stop.
      def watch(request, picture)
        started = Time.now
        @timers ||= {}
        @timers[request] = UI.start_timer(WATCH_EVERY, true) do
          status = request.status
          if status == Sketchup::Http::STATUS_FAILED || status == Sketchup::Http::STATUS_CANCELED
            conclude(request, picture, 0, nil)
          elsif Time.now - started > TIMEOUT
            request.cancel
            conclude(request, picture, 0, nil)
          end
        end
      end

      # The first of the answer and the watch to see the request end decides; the other is ignored.
      def conclude(request, picture, status, body)
        timer = @timers.delete(request)
        return if timer.nil?

        UI.stop_timer(timer)
        Inbox.in_flight.delete(request)
        answered(picture, status, body.to_s)
      end

      def answered(picture, status, body)
        case status
        when 200, 201
          @sent += 1
          @queue.shift
          remove(picture.path)
        when 403
          return send_next if retry_with_new_token

          @problems << I18n.t(:refused)
          return finish
        when 404, 405
          # Something else answers on that port: an older app without the inbox, or a program
          # that took the port of an app that stopped without tidying up.
          @problems << I18n.t(:too_old, url: @app.base_url)
          return finish
        when 413
          @problems << I18n.t(:too_large, what: label(@queue.first))
          @kept << @queue.shift.path
        else
          if status < 100
            # No answer at all: the app stopped (inbox.json stays behind after a crash).
            @unreachable = true
            return finish
          end
          @problems << I18n.t(:unexpected, status: status, what: label(@queue.first), body: body[0, 200])
          @kept << @queue.shift.path
        end
        send_next
      end

      # The app writes a new token at every start; once per run, a refused picture is sent again
      # with the token inbox.json has now.
      def retry_with_new_token
        return false if @retried

        @retried = true
        fresh = App.find
        return false if fresh.nil? || fresh == @app

        @app = fresh
        true
      end

      def label(picture)
        picture.scene ? I18n.t(:scene_named, name: picture.scene) : I18n.t(:this_view)
      end

      def keep_all
        @kept.concat(@queue.map(&:path))
        @queue.clear
      end

      def remove(path)
        File.delete(path) if File.file?(path)
      rescue SystemCallError
        nil
      end

      def finish
        keep_all
        parts = []
        parts << I18n.t(:not_running) if @unreachable
        parts.concat(@problems)
        parts << I18n.t(:pictures_kept, dir: File.dirname(@kept.first)) unless @kept.empty?
        UI.messagebox(parts.join("\n\n")) unless parts.empty?
        @done.call(@sent) if @done
      end
    end
  end
end
