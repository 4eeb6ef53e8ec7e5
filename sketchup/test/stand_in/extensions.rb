# frozen_string_literal: true

# SketchUp's extensions.rb defines SketchupExtension; the stand-in has it in sketchup.rb.
require 'sketchup.rb'
