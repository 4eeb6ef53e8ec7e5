# frozen_string_literal: true

# Everything about the SketchUp extension that can be checked without SketchUp, in one command
# (`cargo xtask test` runs it):
#
#   ruby sketchup/test/check.rb [FILE.rbz]
#
# 1. Ruby 2.5 and Extension Warehouse rules (check_extension.rb, the Ruby 2.5 grammar)
# 2. rubocop with TargetRubyVersion 2.5 (sketchup/.rubocop.yml): Lint/Syntax and the Lint cops
# 3. ruby -wc: no warnings from the Ruby running this
# 4. the .rbz layout: of the sources, and of FILE.rbz (or $SU_RENDER_RBZ) when given
# 5. the toolbar icons match sketchup/tools/icons.rb
# 6. the unit tests (run.rb), against the SketchUp stand-in
#
# Needs Debian's `ruby` and `rubocop` (cargo xtask setup installs both).

require 'open3'
require 'rbconfig'

$stdout.sync = true
require_relative 'check_extension'
require_relative 'check_rbz'

module ExtensionChecks
  SKETCHUP_DIR = File.expand_path('..', __dir__)

  def self.rubocop
    files = [File.join(SKETCHUP_DIR, 'su_render.rb'), File.join(SKETCHUP_DIR, 'su_render')]
    out, status = Open3.capture2e('rubocop', '--config', File.join(SKETCHUP_DIR, '.rubocop.yml'),
                                  '--format', 'emacs', *files)
    warn out unless status.success?
    status.success?
  rescue Errno::ENOENT
    warn 'rubocop is missing: run `cargo xtask setup` (apt-get install -y rubocop)'
    false
  end

  def self.ruby_wc
    ExtensionCheck.extension_files.all? do |file|
      out, status = Open3.capture2e(RbConfig.ruby, '-wc', file)
      clean = status.success? && out.strip == 'Syntax OK'
      warn "#{file}: #{out}" unless clean
      clean
    end
  end

  def self.icons
    out, status = Open3.capture2e(RbConfig.ruby, File.join(SKETCHUP_DIR, 'tools', 'icons.rb'), '--check')
    warn out unless status.success?
    status.success?
  end

  def self.tests
    system(RbConfig.ruby, File.join(__dir__, 'run.rb')) ? true : false
  end

  def self.main(args)
    rbz = args.first || ENV['SU_RENDER_RBZ']
    rbz = nil if rbz && rbz.empty?
    steps = [
      ['Ruby 2.5 + Warehouse rules', -> { ExtensionCheck.main([]) }],
      ['rubocop (TargetRubyVersion 2.5)', -> { rubocop }],
      ['ruby -wc', -> { ruby_wc }],
      ['.rbz layout', -> { RbzCheck.main(rbz ? [rbz] : []) }],
      ['icons', -> { icons }],
      ['unit tests', -> { tests }]
    ]
    failed = steps.reject do |name, step|
      started = Time.now
      ok = step.call
      puts format('sketchup: %-32<name>s %<outcome>s (%<seconds>.1f s)',
                  name: name, outcome: ok ? 'ok' : 'FAILED', seconds: Time.now - started)
      ok
    end
    failed.empty?
  end
end

exit(ExtensionChecks.main(ARGV)) if $PROGRAM_NAME == __FILE__
