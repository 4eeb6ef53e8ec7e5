# frozen_string_literal: true

require_relative 'helper'
require_relative 'check_extension'
require_relative 'check_rbz'
require 'open3'

# The checks check.rb runs must find what they are for: each is shown a file that breaks its rule.
class ExtensionCheckTest < Minitest::Test
  def problems(body, top: nil)
    source = top || "module SURender\n#{body}\nend\n"
    ExtensionCheck.problems(source, 'snippet.rb').map(&:message)
  end

  def assert_refused(pattern, body, top: nil)
    found = problems(body, top: top)
    assert found.any? { |message| message =~ pattern }, "expected #{pattern.inspect} for #{body || top}, got #{found.inspect}"
  end

  def test_the_extension_passes
    ExtensionCheck.extension_files.each do |file|
      assert_empty ExtensionCheck.problems(File.read(file, encoding: 'UTF-8'), file), file
    end
    assert_equal 9, ExtensionCheck.extension_files.size
  end

  def test_ruby_2_5_code_passes
    code = <<-RUBY
      def self.f(list, hash)
        list.map { |x| x * 2 }.select(&:positive?).each_slice(2).to_a
        hash.transform_values(&:to_s).slice(:a).to_h
        begin
          yield
        rescue StandardError => e
          e.message
        end
        $1 if 'a' =~ /(a)/
      end
    RUBY
    assert_empty problems(code)
  end

  def test_newer_syntax_is_a_syntax_error
    { 'def self.f = 1' => 'endless method (3.0)', 'def self.f(x) = x[1..]' => 'endless range (2.6)',
      'def self.f(h); case h; in {a:} then a; end; end' => 'pattern matching (2.7)',
      'def self.f(...); g(...); end' => 'argument forwarding (2.7)',
      'def self.f(a) = {a:}' => 'hash shorthand (3.1)', 'X = ->(x) { x => y }' => 'rightward pattern (3.0)' }.each do |code, what|
      assert_refused(/not Ruby 2\.5/, code)
      refute_nil what
    end
  end

  def test_newer_methods_and_block_parameters
    assert_refused(/filter_map is not in Ruby 2\.5 \(from 2\.7\)/, 'X = [1].filter_map { |x| x }')
    assert_refused(/then is not in Ruby 2\.5/, 'X = 1.then { |x| x }')
    assert_refused(/tally/, 'X = [1].tally')
    assert_refused(/except is not in Ruby 2\.5 \(from 3\.0\)/, 'X = {}.except(:a)')
    assert_refused(/to_h with a block/, 'X = [1].to_h { |x| [x, x] }')
    assert_refused(/merge with several hashes/, 'X = {}.merge({}, {})')
    assert_refused(/Integer\(…, exception:\)/, "X = Integer('1', exception: false)")
    assert_refused(/_1 is a numbered block parameter/, 'X = [1].map { _1 * 2 }')
    assert_refused(/`it` is the block parameter/, 'X = [1].map { it * 2 }')
  end

  def test_warehouse_rules
    assert_refused(/puts writes to the Ruby Console/, "def self.f; puts 'x'; end")
    assert_refused(/p writes to the Ruby Console/, 'def self.f; p 1; end')
    assert_refused(/STDERR writes to the Ruby Console/, "def self.f; STDERR.write('x'); end")
    assert_refused(/global variable \$x/, '$x = 1')
    assert_refused(/global variable \$LOAD_PATH/, "$LOAD_PATH << 'lib'")
    assert_refused(/global variable \$stdout/, "$stdout.puts 'x'")
    assert_refused(/ENV\.\[\]= changes the environment/, "ENV['X'] = '1'")
    assert_refused(/ENV\.delete changes/, "ENV.delete('X')")
    assert_refused(/require 'net\/http'/, "require 'net/http'")
    assert_refused(/require_relative: own files go through Sketchup.require/, "require_relative 'x'")
    assert_refused(/load: own files/, "load 'x.rb'")
    assert_refused(/gem: the Warehouse allows no gems/, "gem 'nokogiri'")
    assert_refused(/exit would end SketchUp/, 'def self.f; exit; end')
    assert_refused(/outside the SURender module: def/, nil, top: "def helper; end\n")
    assert_refused(/outside the SURender module: casgn/, nil, top: "VERSION = '1'\n")
    assert_refused(/outside the SURender module: module/, nil, top: "module Other; end\n")
    assert_refused(/class at the top \(::\)/, 'class ::String; end')
    assert_empty problems(nil, top: "require 'sketchup.rb'\nmodule SURender\n  X = ENV['HOME']\nend\n")
  end
end

class RubocopConfigTest < Minitest::Test
  # The rubocop of Debian bookworm (1.39) still knows Ruby 2.5 as a target; this proves it parses
  # with that grammar (an endless range is fine for Ruby 3.1 itself).
  def test_rubocop_parses_as_ruby_2_5
    Dir.mktmpdir do |dir|
      File.write(File.join(dir, 'newer.rb'), "# frozen_string_literal: true\n\nmodule SURender\n  X = [1, 2][1..]\nend\n")
      File.write(File.join(dir, 'older.rb'), "# frozen_string_literal: true\n\nmodule SURender\n  X = [1, 2][1..-1]\nend\n")
      config = File.join(TestSupport::SKETCHUP_DIR, '.rubocop.yml')
      out, status = Open3.capture2e('rubocop', '--config', config, '--format', 'emacs', dir)
      refute status.success?, out
      assert_match(/newer\.rb:4:\d+: E: Lint\/Syntax/, out)
      assert_match(/Using Ruby 2\.5 parser/, out)
      refute_match(/older\.rb/, out)
    end
  end
end

class RbzCheckTest < Minitest::Test
  # A ZIP written here, independent of the app's writer; `deflate` picks the compression.
  def zip(files, deflate: false)
    out = ''.b
    central = ''.b
    files.each do |name, data|
      data = data.b
      packed = deflate ? Zlib::Deflate.new(Zlib::DEFAULT_COMPRESSION, -Zlib::MAX_WBITS).deflate(data, Zlib::FINISH) : data
      header = [20, 0, deflate ? 8 : 0, 0, 0, Zlib.crc32(data), packed.bytesize, data.bytesize, name.bytesize, 0]
      offset = out.bytesize
      out << "PK\x03\x04".b << header.pack('vvvvvVVVvv') << name.b << packed
      central << "PK\x01\x02".b << [20].pack('v') << header.pack('vvvvvVVVvv') << [0, 0, 0, 0, offset].pack('vvvVV') << name.b
    end
    at = out.bytesize
    out << central << "PK\x05\x06".b << [0, 0, files.size, files.size, central.bytesize, at, 0].pack('vvvvVVv')
  end

  def sources
    RbzCheck.packed_sources.map { |name, path| [name, File.binread(path)] }.to_h
  end

  def test_an_rbz_made_from_the_sources_passes_stored_or_deflated
    assert_includes sources.keys, 'su_render.rb'
    assert_includes sources.keys, 'su_render/main.rb'
    assert_includes sources.keys, 'su_render/icons/settings.pdf'
    assert_empty RbzCheck.archive_problems(zip(sources))
    assert_empty RbzCheck.archive_problems(zip(sources, deflate: true))
  end

  def test_a_wrong_rbz_is_refused
    {
      'su_render/test/test_x.rb' => /is a test/,
      'other.rb' => /other\.rb at the root/,
      'lib/x.rb' => /outside su_render/
    }.each do |name, pattern|
      problems = RbzCheck.archive_problems(zip(sources.merge(name => "module SURender\nend\n")))
      assert problems.any? { |p| p =~ pattern }, "#{name}: #{problems.inspect}"
    end
    missing = sources.reject { |name, _| name == 'su_render/inbox.rb' }
    assert_includes RbzCheck.archive_problems(zip(missing)), 'su_render/inbox.rb is missing from the .rbz'
    changed = sources.merge('su_render/main.rb' => "module SURender\n  def self.f = 1\nend\n")
    problems = RbzCheck.archive_problems(zip(changed))
    assert_includes problems, 'su_render/main.rb differs from the source'
    assert problems.any? { |p| p =~ /rbz:su_render\/main\.rb:2: not Ruby 2\.5/ }, problems.inspect
    assert_match(/unreadable/, RbzCheck.archive_problems('not a zip').first)
  end

  def test_the_sources_layout
    assert_empty RbzCheck.source_problems
    Dir.mktmpdir do |dir|
      FileUtils.cp_r(File.join(TestSupport::SKETCHUP_DIR, 'su_render'), dir)
      FileUtils.cp(File.join(TestSupport::SKETCHUP_DIR, 'su_render.rb'), dir)
      FileUtils.mkdir(File.join(dir, 'test'))
      assert_empty RbzCheck.source_problems(dir)
      File.write(File.join(dir, 'second.rb'), '')
      File.write(File.join(dir, 'su_render', 'test_inside.rb'), '')
      problems = RbzCheck.source_problems(dir)
      assert problems.any? { |p| p.include?('exactly one root .rb') }, problems.inspect
      assert problems.any? { |p| p.include?('su_render/test_inside.rb looks like a test') }, problems.inspect
    end
  end
end

class IconsTest < Minitest::Test
  def test_icons_are_what_the_generator_writes_and_each_pdf_is_well_formed
    out, status = Open3.capture2e(RbConfig.ruby, File.join(TestSupport::SKETCHUP_DIR, 'tools', 'icons.rb'), '--check')
    assert status.success?, out
    Dir.glob(File.join(TestSupport::SKETCHUP_DIR, 'su_render', 'icons', '*.pdf')).each do |path|
      pdf = File.binread(path)
      xref = pdf[/startxref\n(\d+)/, 1].to_i
      assert_equal 'xref', pdf[xref, 4], path
      offsets = pdf[xref..-1].scan(/^(\d{10}) 00000 n $/).flatten.map(&:to_i)
      assert_equal 4, offsets.size
      offsets.each_with_index { |offset, index| assert_equal "#{index + 1} 0 obj", pdf[offset, 7], path }
      length = pdf[/Length (\d+)/, 1].to_i
      assert_equal length, pdf[/stream\n(.*)endstream/m, 1].bytesize, path
    end
  end
end
