# frozen_string_literal: true

# Checks the .rbz layout SketchUp's Extension Manager installs: one root loader su_render.rb, a
# folder su_render/ with everything else, nothing of the tests.
#
#   ruby sketchup/test/check_rbz.rb              the sources in sketchup/ (what build.rs packs)
#   ruby sketchup/test/check_rbz.rb FILE.rbz     a built .rbz, against those sources
#
# A built .rbz is read with this file's own small ZIP reader (stored and deflated entries), so the
# check does not depend on the writer it checks.

require 'zlib'
require_relative 'check_extension'

module RbzCheck
  SKETCHUP_DIR = File.expand_path('..', __dir__)
  LOADER = 'su_render.rb'
  FOLDER = 'su_render'
  # In sketchup/ but not part of the .rbz.
  NOT_PACKED = %w[test tools .rubocop.yml README.md .gitkeep].freeze

  # What the .rbz holds when built from `dir`: the loader and every file under the folder, except
  # hidden files and test folders (the rule of the app's server/src/rbz.rs), by name in the archive.
  def self.packed_sources(dir = SKETCHUP_DIR)
    files = { LOADER => File.join(dir, LOADER) }
    Dir.glob(File.join(dir, FOLDER, '**', '*'), File::FNM_DOTMATCH).sort.each do |path|
      relative = path.sub("#{dir}/", '')
      next unless File.file?(path)
      next if relative.split('/').any? { |part| part.start_with?('.') || %w[test tests].include?(part) }

      files[relative] = path
    end
    files
  end

  # Problems with the sources' layout.
  def self.source_problems(dir = SKETCHUP_DIR)
    problems = []
    roots = Dir.children(dir).reject { |name| NOT_PACKED.include?(name) }
    root_rb = roots.select { |name| name.end_with?('.rb') }
    problems << "sketchup/ must hold exactly one root .rb, #{LOADER}; it holds #{root_rb.inspect}" unless root_rb == [LOADER]
    others = roots - [LOADER, FOLDER]
    problems << "sketchup/ holds #{others.inspect}, which the .rbz would leave out" unless others.empty?
    problems << "sketchup/#{FOLDER}/ is missing" unless File.directory?(File.join(dir, FOLDER))
    problems << "sketchup/#{FOLDER}/main.rb is missing (the loader's target)" unless File.file?(File.join(dir, FOLDER, 'main.rb'))
    loader = File.file?(File.join(dir, LOADER)) ? File.read(File.join(dir, LOADER)) : ''
    unless loader.include?("File.join(File.dirname(__FILE__), '#{FOLDER}', 'main')")
      problems << "#{LOADER} does not register #{FOLDER}/main"
    end
    Dir.glob(File.join(dir, FOLDER, '**', '*')).each do |path|
      name = File.basename(path)
      next unless name =~ /\A(test_.*|.*_test)\.rb\z/ || %w[test tests].include?(name)

      problems << "#{path.sub("#{dir}/", '')} looks like a test inside the packed folder"
    end
    problems
  end

  # The entries of a ZIP: { name => bytes }, read through its central directory.
  def self.read_zip(bytes)
    bytes = bytes.b
    eocd = bytes.rindex("PK\x05\x06".b)
    raise 'not a ZIP: no end of central directory' unless eocd

    count, _size, offset = bytes[eocd + 10, 10].unpack('vVV')
    entries = {}
    count.times do
      raise 'broken central directory' unless bytes[offset, 4] == "PK\x01\x02".b

      method, _time, _date, crc, packed, unpacked, name_len, extra_len, comment_len =
        bytes[offset + 10, 24].unpack('vvvVVVvvv')
      local = bytes[offset + 42, 4].unpack1('V')
      name = bytes[offset + 46, name_len].force_encoding('UTF-8')
      offset += 46 + name_len + extra_len + comment_len
      raise "#{name}: local header missing" unless bytes[local, 4] == "PK\x03\x04".b

      local_name_len, local_extra_len = bytes[local + 26, 4].unpack('vv')
      data = bytes[local + 30 + local_name_len + local_extra_len, packed]
      data = case method
             when 0 then data
             when 8 then Zlib::Inflate.new(-Zlib::MAX_WBITS).inflate(data)
             else raise "#{name}: compression method #{method} is neither stored nor deflated"
             end
      raise "#{name}: size #{data.bytesize} is not #{unpacked}" unless data.bytesize == unpacked
      raise "#{name}: CRC does not match" unless Zlib.crc32(data) == crc

      raise "#{name} is in the archive twice" if entries.key?(name)

      entries[name] = data
    end
    entries
  end

  # Problems with a built .rbz, compared with the sources in `dir`.
  def self.archive_problems(bytes, dir = SKETCHUP_DIR)
    entries = begin
      read_zip(bytes)
    rescue StandardError => e
      return ["unreadable .rbz: #{e.message}"]
    end
    files = entries.reject { |name, _| name.end_with?('/') }
    problems = []
    files.each_key do |name|
      if name.include?('\\') || name.start_with?('/') || name.split('/').include?('..')
        problems << "#{name}: not a plain relative path"
      elsif !name.include?('/') && name != LOADER
        problems << "#{name} at the root: only #{LOADER} may be there"
      elsif name.include?('/') && !name.start_with?("#{FOLDER}/")
        problems << "#{name} is outside #{FOLDER}/"
      end
      problems << "#{name} is a test" if name.split('/').any? { |part| %w[test tests].include?(part) }
    end
    sources = packed_sources(dir)
    (sources.keys - files.keys).each { |name| problems << "#{name} is missing from the .rbz" }
    (files.keys - sources.keys).each { |name| problems << "#{name} is in the .rbz but not in the sources" }
    (files.keys & sources.keys).each do |name|
      problems << "#{name} differs from the source" unless files[name] == File.binread(sources[name])
    end
    files.select { |name, _| name.end_with?('.rb') }.each do |name, data|
      ExtensionCheck.problems(data.dup.force_encoding('UTF-8'), "rbz:#{name}").each { |p| problems << p.to_s }
    end
    problems
  end

  def self.main(args)
    problems = source_problems
    label = 'sources'
    if args.first
      label = args.first
      problems += archive_problems(File.binread(args.first))
    end
    problems.each { |problem| warn "check_rbz: #{problem}" }
    warn "check_rbz: .rbz layout of the #{label}: #{problems.empty? ? 'ok' : "#{problems.size} problem(s)"}"
    problems.empty?
  end
end

exit(RbzCheck.main(ARGV)) if $PROGRAM_NAME == __FILE__
