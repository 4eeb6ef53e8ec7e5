# frozen_string_literal: true

# Every test of the SketchUp extension: ruby sketchup/test/run.rb [minitest options]
Dir.glob(File.join(__dir__, 'test_*.rb')).sort.each { |file| require file }
