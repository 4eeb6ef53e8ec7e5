# frozen_string_literal: true

# Checks the extension's Ruby for what SketchUp 2019 and the Extension Warehouse accept:
#
# - Ruby 2.5 syntax: every file is parsed with the `parser` gem's Ruby 2.5 grammar (Debian's
#   ruby-parser, which rubocop brings), so endless methods, endless ranges, pattern matching, `...`
#   and the like are syntax errors here even though the Ruby running this is newer.
# - Ruby 2.5's library: calls of methods that came later (Kernel#then, Enumerable#filter_map, …)
#   and names that mean something else in 2.5 (_1, it).
# - Warehouse rules: everything inside SURender, no global variables, no output to the Ruby
#   Console, no changes to ENV or the load path, own files through Sketchup.require, no gems.
#
#   ruby sketchup/test/check_extension.rb [files…]   (default: the extension's files)

require 'parser/ruby25'

module ExtensionCheck
  SKETCHUP_DIR = File.expand_path('..', __dir__)

  # Methods that Ruby 2.5 does not have, with the version that brought them. Names only: a call of
  # any of these is refused whatever the receiver, which costs nothing in this small code base.
  NEWER_METHODS = {
    then: '2.6', filter: '2.6', filter!: '2.6', union: '2.6', difference: '2.6', chain: '2.6',
    filter_map: '2.7', tally: '2.7', intersection: '2.7', produce: '2.7', eager: '2.7',
    bind_call: '2.7', deconstruct: '2.7', deconstruct_keys: '2.7', except: '3.0',
    intersect?: '3.1', ceildiv: '3.2', byteindex: '3.2', bytesplice: '3.2'
  }.freeze
  # Methods whose block or extra arguments came later.
  NEWER_WITH_BLOCK = { to_h: '2.6', split: '2.6' }.freeze
  CONSOLE = %i[puts p print pp printf putc warn display].freeze
  EXITS = %i[exit exit! abort].freeze
  ENV_WRITES = %i[[]= store delete update merge! replace clear reject! select! filter! keep_if delete_if
                  rehash].freeze
  # Ruby's own libraries that SketchUp's Ruby has, and SketchUp's own files.
  REQUIRES = ['sketchup.rb', 'extensions.rb', 'json'].freeze
  NAMESPACE = :SURender

  Problem = Struct.new(:path, :line, :message) do
    def to_s
      "#{path}:#{line}: #{message}"
    end
  end

  def self.extension_files
    [File.join(SKETCHUP_DIR, 'su_render.rb')] + Dir.glob(File.join(SKETCHUP_DIR, 'su_render', '**', '*.rb')).sort
  end

  # The problems in one file's source.
  def self.problems(source, path = '(source)')
    buffer = Parser::Source::Buffer.new(path, source: source)
    parser = Parser::Ruby25.new
    parser.diagnostics.all_errors_are_fatal = true
    parser.diagnostics.ignore_warnings = true
    ast = begin
      parser.parse(buffer)
    rescue Parser::SyntaxError => e
      return [Problem.new(path, e.diagnostic.location.line, "not Ruby 2.5: #{e.diagnostic.message}")]
    end
    found = []
    report = ->(node, message) { found << Problem.new(path, node.loc.line, message) }
    top_level(ast, report)
    walk(ast, report, nil)
    found
  end

  # Only `module SURender … end` and the allowed requires at the top of a file.
  def self.top_level(ast, report)
    return if ast.nil?

    nodes = ast.type == :begin ? ast.children : [ast]
    nodes.each do |node|
      next if node.type == :module && node.children[0] == s(:const, nil, NAMESPACE)
      next if require_call?(node)

      report.call(node, "outside the #{NAMESPACE} module: #{node.type} (Warehouse rule: one namespace)")
    end
  end

  def self.s(type, *children)
    Parser::AST::Node.new(type, children)
  end

  def self.require_call?(node)
    node.type == :send && node.children[0].nil? && node.children[1] == :require
  end

  def self.walk(node, report, parent)
    return unless node.is_a?(Parser::AST::Node)

    check(node, report, parent)
    node.children.each { |child| walk(child, report, node) }
  end

  def self.check(node, report, parent)
    case node.type
    when :gvar, :gvasgn
      report.call(node, "global variable #{node.children[0]} (Warehouse rule: no globals)")
    when :lvar, :lvasgn
      name = node.children[0]
      report.call(node, "#{name} is a numbered block parameter only from Ruby 2.7") if name.to_s =~ /\A_[1-9]\z/
    when :send
      check_send(node, report, parent)
    when :class, :module
      const = node.children[0]
      report.call(node, "#{node.type} at the top (::) leaves the #{NAMESPACE} namespace") if const.children[0] && const.children[0].type == :cbase
    end
  end

  def self.check_send(node, report, parent)
    receiver, name, *args = node.children
    with_block = parent && parent.type == :block && parent.children[0].equal?(node)
    if receiver.nil?
      report.call(node, "#{name} writes to the Ruby Console (Warehouse rule)") if CONSOLE.include?(name)
      report.call(node, "#{name} would end SketchUp") if EXITS.include?(name)
      report.call(node, "#{name} is a numbered block parameter only from Ruby 2.7") if name.to_s =~ /\A_[1-9]\z/
      report.call(node, '`it` is the block parameter only from Ruby 3.4') if name == :it && args.empty?
      check_loading(node, name, args, report)
    end
    if NEWER_METHODS.key?(name)
      report.call(node, "#{name} is not in Ruby 2.5 (from #{NEWER_METHODS[name]})")
    elsif with_block && NEWER_WITH_BLOCK.key?(name)
      report.call(node, "#{name} with a block is not in Ruby 2.5 (from #{NEWER_WITH_BLOCK[name]})")
    end
    report.call(node, 'merge with several hashes is not in Ruby 2.5 (from 2.6)') if name == :merge && args.size > 1
    if %i[Integer Float].include?(name) && args.any? { |arg| arg.type == :hash }
      report.call(node, "#{name}(…, exception:) is not in Ruby 2.5 (from 2.6)")
    end
    if receiver == s(:const, nil, :ENV) && ENV_WRITES.include?(name)
      report.call(node, "ENV.#{name} changes the environment (Warehouse rule)")
    end
    report.call(node, "#{receiver.children[1]} writes to the Ruby Console (Warehouse rule)") if console_const?(receiver)
  end

  def self.console_const?(node)
    node && node.type == :const && node.children[0].nil? && %i[STDOUT STDERR].include?(node.children[1])
  end

  def self.check_loading(node, name, args, report)
    case name
    when :require
      target = args.first
      allowed = target && target.type == :str && REQUIRES.include?(target.children[0])
      report.call(node, "require #{target && target.loc.expression.source}: own files go through Sketchup.require, and only Ruby's and SketchUp's own libraries may be required") unless allowed
    when :require_relative, :load, :autoload
      report.call(node, "#{name}: own files go through Sketchup.require (Warehouse rule; .rbe files)")
    when :gem
      report.call(node, 'gem: the Warehouse allows no gems')
    end
  end

  def self.main(files)
    files = extension_files if files.empty?
    problems = files.flat_map { |file| problems(File.read(file, encoding: 'UTF-8'), file) }
    problems.each { |problem| warn problem.to_s }
    warn "check_extension: #{files.size} files, Ruby 2.5 and Warehouse rules: " \
         "#{problems.empty? ? 'ok' : "#{problems.size} problem(s)"}"
    problems.empty?
  end
end

exit(ExtensionCheck.main(ARGV)) if $PROGRAM_NAME == __FILE__
