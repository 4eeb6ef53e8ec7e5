# frozen_string_literal: true

# SU Render for SketchUp: the root loader of the .rbz. Extension Warehouse rules want this file to
# do nothing but register the extension; SketchUp loads su_render/main when it is enabled.

require 'sketchup.rb'
require 'extensions.rb'

module SURender
  # Kept equal to the app's version (server/Cargo.toml); sketchup/test/test_loader.rb checks it.
  VERSION = '0.1.0'

  unless defined?(EXTENSION)
    EXTENSION = SketchupExtension.new('SU Render', File.join(File.dirname(__FILE__), 'su_render', 'main'))
    EXTENSION.version = VERSION
    EXTENSION.creator = 'SU Render'
    EXTENSION.copyright = 'SU Render'
    EXTENSION.description = 'Sends the current view, or chosen scenes, to the SU Render app ' \
                            'on this computer for an AI rendering on RunningHub. ' \
                            '把当前视图或所选场景发送到本机的 SU Render 应用，在 RunningHub 上渲染。'
    Sketchup.register_extension(EXTENSION, true)
  end
end
