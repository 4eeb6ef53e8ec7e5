# frozen_string_literal: true

require_relative 'helper'

class MenuTest < SURenderTest
  COMMANDS = ['Render this view', 'Render selected scenes…', 'Open SU Render', 'Settings…'].freeze

  def submenu
    items = StandIn.menus.fetch('Extensions').items
    submenus = items.select { |kind, _| kind == :submenu }.map { |_, menu| menu }
    assert_equal ['SU Render'], submenus.map(&:name)
    submenus.first
  end

  def toolbar
    toolbars = StandIn.toolbars.select { |bar| bar.name == 'SU Render' }
    assert_equal 1, toolbars.size
    toolbars.first
  end

  def test_extensions_menu_has_the_three_commands_then_settings
    kinds = submenu.items.map(&:first)
    assert_equal %i[command command command separator command], kinds
    texts = submenu.items.reject { |kind, _| kind == :separator }.map { |_, command| command.menu_text }
    assert_equal COMMANDS, texts
  end

  def test_toolbar_has_the_same_commands_and_is_shown_the_first_time
    commands = toolbar.items.reject { |item| item == :separator }
    assert_equal COMMANDS, commands.map(&:menu_text)
    assert_equal :separator, toolbar.items[3]
    # Menu and toolbar share the command objects (one state, one validation).
    menu_commands = submenu.items.reject { |kind, _| kind == :separator }.map(&:last)
    assert_equal menu_commands.map(&:object_id), commands.map(&:object_id)
    assert toolbar.visible?, 'a toolbar never shown before is shown'
  end

  def test_commands_have_tooltips_status_texts_and_icons_that_exist
    toolbar.items.reject { |item| item == :separator }.each do |command|
      refute_empty command.tooltip.to_s
      refute_match(/…/, command.tooltip)
      refute_empty command.status_bar_text.to_s
      assert_equal command.small_icon, command.large_icon
      assert_match(/\.svg\z/, command.small_icon, 'Windows (the loading platform here) uses SVG')
      assert File.file?(command.small_icon), "missing icon #{command.small_icon}"
      pdf = command.small_icon.sub(/\.svg\z/, '.pdf')
      assert File.file?(pdf), "missing macOS icon #{pdf}"
      assert File.binread(pdf).start_with?('%PDF-1.')
    end
  end

  def test_loading_main_again_adds_no_second_menu_or_toolbar
    items = submenu.items.size
    toolbars = StandIn.toolbars.size
    load File.join(TestSupport::SKETCHUP_DIR, 'su_render', 'main.rb')
    assert_equal items, submenu.items.size
    assert_equal toolbars, StandIn.toolbars.size
    assert_equal 1, StandIn.menus.fetch('Extensions').items.size
  end

  def test_a_command_never_lets_an_error_reach_sketchup
    StandIn.write_image_hook = ->(_capture) { raise Errno::ENOSPC, 'disk full' }
    start_app
    command(:render_view).proc.call
    assert_equal 1, messages.size
    assert_match(/Could not capture the view: No space left on device - disk full/, messages.first)
  end
end
