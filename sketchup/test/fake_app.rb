# frozen_string_literal: true

require 'socket'
require 'uri'
require 'json'

# A small HTTP server in place of the app's inbox, for the tests that look at exactly what the
# extension sends: it records each request (line, headers, raw body) and answers as told. It checks
# the token like the app: 403 unless X-SU-Token is the one it holds.
class FakeApp
  Received = Struct.new(:method, :target, :path, :query, :headers, :body)

  attr_reader :port, :received
  attr_accessor :token, :answers, :silent

  def initialize(token)
    @token = token
    @answers = []
    @received = Queue.new
    @silent = false
    @server = TCPServer.new('127.0.0.1', 0)
    @port = @server.addr[1]
    @thread = Thread.new { serve }
  end

  def stop
    @server.close
    @thread.join(2)
  end

  # The requests so far, oldest first.
  def requests
    list = []
    list << @received.pop(true) until @received.empty?
    list.each { |request| @received << request }
    list
  end

  private

  def serve
    loop do
      client = @server.accept
      Thread.new(client) { |socket| handle(socket) }
    end
  rescue IOError, Errno::EBADF
    nil
  end

  def handle(socket)
    line = socket.gets("\r\n")
    return socket.close if line.nil?

    method, target, = line.split(' ')
    headers = {}
    while (header = socket.gets("\r\n")) && header != "\r\n"
      name, value = header.split(':', 2)
      headers[name.strip.downcase] = value.strip
    end
    body = socket.read(headers.fetch('content-length', '0').to_i) || ''
    uri = URI("http://127.0.0.1#{target}")
    query = URI.decode_www_form(uri.query.to_s).to_h
    @received << Received.new(method, target, uri.path, query, headers, body.b)
    # Holds the connection open without answering, like an app that hangs.
    return sleep(30) if @silent

    status, answer = next_answer(headers)
    socket.write("HTTP/1.1 #{status} X\r\nContent-Type: application/json\r\n" \
                 "Content-Length: #{answer.bytesize}\r\nConnection: close\r\n\r\n#{answer}")
    socket.close
  rescue IOError, SystemCallError
    nil
  end

  def next_answer(headers)
    return [403, '{"error":"token"}'] unless headers['x-su-token'] == @token

    status = @answers.shift || 201
    [status, status == 201 ? JSON.generate('id' => "p#{rand(1_000_000)}") : '{"error":"no"}']
  end
end
