# frozen_string_literal: true

require 'json'

module SURender
  # Finding the SU Render app on this computer. At start the app writes inbox.json
  # ({"port": …, "token": "<32 hex>"}) into its data folder and removes it on a clean stop, so a
  # missing file means the app is not running.
  module App
    FILE = 'inbox.json'

    # A running app: where its page is and the token its inbox wants.
    Found = Struct.new(:port, :token) do
      def base_url
        "http://127.0.0.1:#{port}/"
      end
    end

    # The app's data folder, the same rule as the app's: $SU_RENDER_HOME, else the system's
    # per-user settings folder. (Reading ENV only; the extension never changes it.)
    def self.data_dir
      home = ENV['SU_RENDER_HOME']
      return home unless home.nil? || home.empty?

      case Sketchup.platform
      when :platform_win
        appdata = ENV['APPDATA']
        appdata = File.join(Dir.home, 'AppData', 'Roaming') if appdata.nil? || appdata.empty?
        File.join(appdata, 'su-render')
      when :platform_osx
        File.join(Dir.home, 'Library', 'Application Support', 'su-render')
      else
        # XDG: a relative XDG_CONFIG_HOME is to be ignored.
        config = ENV['XDG_CONFIG_HOME'].to_s
        config = File.join(Dir.home, '.config') unless config.start_with?('/')
        File.join(config, 'su-render')
      end
    end

    # The running app, or nil when inbox.json is missing or not what the app writes.
    def self.find
      text = File.read(File.join(data_dir, FILE))
      data = JSON.parse(text)
      return nil unless data.is_a?(Hash)

      port = data['port']
      token = data['token']
      return nil unless port.is_a?(Integer) && port.between?(1, 65_535)
      return nil unless token.is_a?(String) && token.match?(/\A\h{32}\z/)

      Found.new(port, token)
    rescue SystemCallError, IOError, JSON::ParserError, ArgumentError
      nil
    end
  end
end
