# frozen_string_literal: true

module SURender
  # The designer's choices, kept by SketchUp (registry on Windows, plist on macOS).
  module Settings
    SECTION = 'SURender'
    # Longest side of a capture, in pixels. 2048 is what RunningHub's workflows are tuned for;
    # 4096 stays far below write_image's 16000 and, as PNG, usually below the app's 30 MB.
    SIZES = [1024, 1536, 2048, 3072, 4096].freeze
    DEFAULT_SIZE = 2048
    # Sketchup.version_number packs 2016 and later as XXYZZZZZZZ (year, minor, build):
    # 2021.1 is the first with a Chromium (CEF 88) that runs the SU Render page well.
    DIALOG_SINCE = 2_110_000_000

    def self.long_side
      value = Sketchup.read_default(SECTION, 'long_side', DEFAULT_SIZE).to_i
      SIZES.include?(value) ? value : DEFAULT_SIZE
    end

    def self.long_side=(value)
      Sketchup.write_default(SECTION, 'long_side', value.to_i)
    end

    def self.dialog_possible?
      Sketchup.version_number.to_i >= DIALOG_SINCE
    end

    # :dialog (a SketchUp window) or :browser. A window unless the designer chose the browser,
    # and always the browser before 2021.1.
    def self.open_in
      return :browser unless dialog_possible?

      Sketchup.read_default(SECTION, 'open_in', 'dialog').to_s == 'browser' ? :browser : :dialog
    end

    def self.open_in=(where)
      Sketchup.write_default(SECTION, 'open_in', where.to_s)
    end

    # The settings box (UI.inputbox: native, modal, in SketchUp's language). Returns true when
    # the designer saved.
    def self.edit
      places = place_labels
      answer = UI.inputbox(
        [I18n.t(:size_prompt), I18n.t(:open_prompt)],
        [long_side.to_s, places.fetch(open_in)],
        [SIZES.join('|'), places.values.uniq.join('|')],
        I18n.t(:settings_title)
      )
      return false unless answer

      size, place = answer
      self.long_side = size.to_i if SIZES.include?(size.to_i)
      self.open_in = places.key(place) || open_in
      true
    end

    def self.place_labels
      if dialog_possible?
        { dialog: I18n.t(:open_dialog), browser: I18n.t(:open_browser) }
      else
        { browser: I18n.t(:open_old_sketchup) }
      end
    end
  end
end
