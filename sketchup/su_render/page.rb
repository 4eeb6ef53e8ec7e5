# frozen_string_literal: true

module SURender
  # The SU Render page of the running app, in a SketchUp window or in the default browser. It
  # always comes over http from the app: the page's WebAssembly does not load from file://.
  module Page
    class << self
      # The SketchUp window, kept: a dialog nothing refers to closes when Ruby collects it.
      attr_reader :dialog
    end

    def self.show(app)
      url = app.base_url
      return UI.openURL(url) if Settings.open_in == :browser

      if @dialog && @dialog.visible?
        # The app may have restarted on another port since the window opened.
        @dialog.set_url(url) unless @url == url
        @dialog.bring_to_front
      else
        @dialog = UI::HtmlDialog.new(
          dialog_title: 'SU Render',
          preferences_key: 'SURender.page',
          width: 1280,
          height: 860,
          min_width: 480,
          min_height: 400,
          resizable: true,
          scrollable: true,
          # Behind SketchUp when SketchUp has the focus, like a browser window.
          style: UI::HtmlDialog::STYLE_WINDOW
        )
        @dialog.set_url(url)
        @dialog.show
      end
      @url = url
      true
    end

    # After pictures were sent: the SketchUp window comes forward (or opens) so the designer sees
    # them arrive. A browser tab cannot be found again from here, and the app opened one when it
    # started, so with the browser a notification offers the page instead of opening another tab.
    def self.after_sending(app, count)
      return if count < 1

      message = I18n.t(:sent, count: count)
      Sketchup.status_text = message
      return Page.show(app) if Settings.open_in == :dialog

      @notification = UI::Notification.new(SURender::EXTENSION, message)
      @notification.on_accept(I18n.t(:open_app)) { Page.show(app) }
      @notification.show
    end
  end
end
