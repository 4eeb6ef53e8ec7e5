# frozen_string_literal: true

# Loaded by SketchUp when the extension is enabled (see ../su_render.rb): the commands, the
# Extensions > SU Render menu and the toolbar.

module SURender
  PATH = File.dirname(__FILE__) unless defined?(PATH)

  %w[i18n settings app capture scenes inbox page].each do |name|
    Sketchup.require(File.join(PATH, name))
  end

  # Render this view: capture the view as it is and send it.
  def self.render_view
    guard do
      app = running_app
      next unless app

      model = Sketchup.active_model
      picture = begin
        Capture.take(model.active_view, Settings.long_side, current_scene(model))
      rescue StandardError => e
        UI.messagebox(I18n.t(:capture_failed, what: I18n.t(:this_view), error: e.message))
        next
      end
      Inbox.deliver(app, model_name(model), [picture]) { |count| Page.after_sending(app, count) }
    end
  end

  # Render selected scenes: choose scenes, then show, capture and send each.
  def self.render_scenes
    guard do
      # Asked before the choice, so nobody picks scenes for an app that is not there.
      next unless running_app

      model = Sketchup.active_model
      if model.pages.size.zero?
        UI.messagebox(I18n.t(:no_scenes))
        next
      end
      Scenes.choose(model) { |pages| render_pages(model, pages) }
    end
  end

  def self.render_pages(model, pages)
    guard do
      app = running_app
      next unless app

      pictures, problems = Scenes.capture(model, pages, Settings.long_side)
      UI.messagebox(problems.join("\n\n")) unless problems.empty?
      next if pictures.empty?

      Inbox.deliver(app, model_name(model), pictures) { |count| Page.after_sending(app, count) }
    end
  end

  # Open SU Render: the page of the running app.
  def self.open_app
    guard do
      app = running_app
      Page.show(app) if app
    end
  end

  def self.edit_settings
    guard { Settings.edit }
  end

  # The running app, or nil after telling the designer how to start it.
  def self.running_app
    app = App.find
    UI.messagebox(I18n.t(:not_running)) unless app
    app
  end

  # The file's name without .skp; SketchUp gives "" for a model never saved.
  def self.model_name(model)
    title = model.title.to_s
    title.empty? ? I18n.t(:untitled) : title
  end

  # "Render this view" names the picture after the selected scene, if the model has scenes.
  def self.current_scene(model)
    page = model.pages.selected_page
    page ? page.name : nil
  end

  # A command never lets an error reach SketchUp: the designer gets a message instead.
  def self.guard
    yield
  rescue StandardError => e
    UI.messagebox(I18n.t(:error, error: e.message))
    nil
  end

  def self.command(key, icon, &action)
    command = UI::Command.new(I18n.t(key), &action)
    command.tooltip = I18n.t(key).sub(/…\z/, '')
    command.status_bar_text = I18n.t(:"#{key}_tip")
    # Vector icons: SVG for Windows, PDF for macOS (SketchUp 2016 and later).
    extension = Sketchup.platform == :platform_osx ? 'pdf' : 'svg'
    command.small_icon = command.large_icon = File.join(PATH, 'icons', "#{icon}.#{extension}")
    command
  end

  def self.commands
    @commands ||= [
      command(:render_view, 'render_view') { render_view },
      command(:render_scenes, 'render_scenes') { render_scenes },
      command(:open_app, 'open_app') { open_app },
      command(:settings, 'settings') { edit_settings }
    ]
  end

  unless @menus_added
    menu = UI.menu('Extensions').add_submenu(I18n.t(:menu))
    toolbar = UI::Toolbar.new('SU Render')
    commands.each_with_index do |command, index|
      # Settings stands apart from the three that act.
      if index == 3
        menu.add_separator
        toolbar.add_separator
      end
      menu.add_item(command)
      toolbar.add_item(command)
    end
    toolbar.get_last_state == TB_NEVER_SHOWN ? toolbar.show : toolbar.restore
    @menus_added = true
  end
end
