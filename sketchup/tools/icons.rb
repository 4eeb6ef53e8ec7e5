# frozen_string_literal: true

# The toolbar icons, drawn once here and written as SVG (SketchUp on Windows) and PDF (SketchUp on
# macOS): both vector, so they stay sharp at 16, 24 and 32 pixels and on high-density screens.
#
#   ruby sketchup/tools/icons.rb          writes sketchup/su_render/icons/
#   ruby sketchup/tools/icons.rb --check  fails when those files differ from what it would write
#
# Shapes are on a 24 x 24 grid, y downwards (as in SVG); the PDF writer turns y upwards.

module SURenderIcons
  BLUE = '#2f6fb5'
  DARK = '#3a3f45'
  WHITE = '#ffffff'
  KAPPA = 0.5523 # a quarter circle as one cubic Bézier

  Shape = Struct.new(:kind, :args, :stroke, :fill, :width)

  def self.rect(x, y, w, h, r, stroke: DARK, fill: nil, width: 1.6)
    Shape.new(:rect, [x, y, w, h, r], stroke, fill, width)
  end

  def self.circle(cx, cy, r, stroke: DARK, fill: nil, width: 1.6)
    Shape.new(:circle, [cx, cy, r], stroke, fill, width)
  end

  def self.line(*points, stroke: DARK, width: 1.6)
    Shape.new(:line, points, stroke, nil, width)
  end

  def self.gear_teeth
    (0...8).map do |i|
      angle = i * Math::PI / 4
      inner = [12 + 7 * Math.cos(angle), 12 + 7 * Math.sin(angle)]
      outer = [12 + 9.6 * Math.cos(angle), 12 + 9.6 * Math.sin(angle)]
      line(inner.map { |v| v.round(2) }, outer.map { |v| v.round(2) }, width: 2.6)
    end
  end

  ICONS = {
    # A camera: capture what is on screen.
    'render_view' => [
      rect(7.5, 4.5, 6, 3, 1, fill: WHITE),
      rect(2.5, 7, 19, 12.5, 2, fill: WHITE),
      circle(12, 13.25, 3.75, stroke: BLUE, width: 2)
    ],
    # Frames one behind the other, the front one with a lens: several scenes.
    'render_scenes' => [
      rect(7, 3, 14.5, 11, 1.5, fill: WHITE),
      rect(2.5, 8.5, 14.5, 12, 1.5, fill: WHITE),
      circle(9.75, 14.5, 3, stroke: BLUE, width: 2)
    ],
    # A window with an arrow out of it: open the app's page.
    'open_app' => [
      rect(2.5, 4, 19, 16, 2, fill: WHITE),
      line([2.5, 8.5], [21.5, 8.5]),
      line([9, 17], [15.5, 10.5], stroke: BLUE, width: 2),
      line([11, 10.5], [15.5, 10.5], [15.5, 15], stroke: BLUE, width: 2)
    ],
    # A gear: settings.
    'settings' => gear_teeth + [
      circle(12, 12, 6.2, fill: WHITE),
      circle(12, 12, 2.4, stroke: BLUE, width: 2)
    ]
  }.freeze

  def self.num(value)
    text = format('%.2f', value).sub(/\.?0+\z/, '')
    text == '-0' ? '0' : text
  end

  # --- SVG ---------------------------------------------------------------------------------

  def self.svg(shapes)
    body = shapes.map { |shape| svg_shape(shape) }
    ['<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">',
     *body.map { |element| "  #{element}" }, '</svg>', ''].join("\n")
  end

  def self.svg_paint(shape)
    fill = shape.fill || 'none'
    "fill=\"#{fill}\" stroke=\"#{shape.stroke}\" stroke-width=\"#{num(shape.width)}\" " \
      'stroke-linecap="round" stroke-linejoin="round"'
  end

  def self.svg_shape(shape)
    paint = svg_paint(shape)
    case shape.kind
    when :rect
      x, y, w, h, r = shape.args.map { |v| num(v) }
      "<rect x=\"#{x}\" y=\"#{y}\" width=\"#{w}\" height=\"#{h}\" rx=\"#{r}\" #{paint}/>"
    when :circle
      cx, cy, r = shape.args.map { |v| num(v) }
      "<circle cx=\"#{cx}\" cy=\"#{cy}\" r=\"#{r}\" #{paint}/>"
    when :line
      points = shape.args.map { |x, y| "#{num(x)},#{num(y)}" }.join(' ')
      "<polyline points=\"#{points}\" #{paint}/>"
    end
  end

  # --- PDF ---------------------------------------------------------------------------------

  def self.rgb(hex)
    hex.delete('#').scan(/../).map { |pair| num(pair.to_i(16) / 255.0) }.join(' ')
  end

  # Path operators for one shape, y turned upwards.
  def self.pdf_path(shape)
    flip = ->(x, y) { "#{num(x)} #{num(24 - y)}" }
    case shape.kind
    when :rect
      x, y, w, h, r = shape.args
      k = r * (1 - KAPPA)
      [
        "#{flip.call(x + r, y)} m",
        "#{flip.call(x + w - r, y)} l",
        "#{flip.call(x + w - k, y)} #{flip.call(x + w, y + k)} #{flip.call(x + w, y + r)} c",
        "#{flip.call(x + w, y + h - r)} l",
        "#{flip.call(x + w, y + h - k)} #{flip.call(x + w - k, y + h)} #{flip.call(x + w - r, y + h)} c",
        "#{flip.call(x + r, y + h)} l",
        "#{flip.call(x + k, y + h)} #{flip.call(x, y + h - k)} #{flip.call(x, y + h - r)} c",
        "#{flip.call(x, y + r)} l",
        "#{flip.call(x, y + k)} #{flip.call(x + k, y)} #{flip.call(x + r, y)} c",
        'h'
      ]
    when :circle
      cx, cy, r = shape.args
      d = r * KAPPA
      [
        "#{flip.call(cx + r, cy)} m",
        "#{flip.call(cx + r, cy + d)} #{flip.call(cx + d, cy + r)} #{flip.call(cx, cy + r)} c",
        "#{flip.call(cx - d, cy + r)} #{flip.call(cx - r, cy + d)} #{flip.call(cx - r, cy)} c",
        "#{flip.call(cx - r, cy - d)} #{flip.call(cx - d, cy - r)} #{flip.call(cx, cy - r)} c",
        "#{flip.call(cx + d, cy - r)} #{flip.call(cx + r, cy - d)} #{flip.call(cx + r, cy)} c",
        'h'
      ]
    when :line
      first, *rest = shape.args
      ["#{flip.call(*first)} m", *rest.map { |point| "#{flip.call(*point)} l" }]
    end
  end

  def self.pdf_content(shapes)
    ops = ['1 J 1 j']
    shapes.each do |shape|
      ops << "#{rgb(shape.stroke)} RG #{num(shape.width)} w"
      ops << "#{rgb(shape.fill)} rg" if shape.fill
      ops.concat(pdf_path(shape))
      ops << (shape.fill ? 'B' : 'S')
    end
    ops.join("\n") + "\n"
  end

  # A one-page PDF, 24 x 24 points, with a correct cross-reference table.
  def self.pdf(shapes)
    content = pdf_content(shapes)
    objects = [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 24 24] /Contents 4 0 R /Resources << >> >>',
      "<< /Length #{content.bytesize} >>\nstream\n#{content}endstream"
    ]
    out = +"%PDF-1.4\n"
    offsets = objects.each_with_index.map do |object, index|
      offset = out.bytesize
      out << "#{index + 1} 0 obj\n#{object}\nendobj\n"
      offset
    end
    xref = out.bytesize
    out << "xref\n0 #{objects.size + 1}\n0000000000 65535 f \n"
    offsets.each { |offset| out << format("%010d 00000 n \n", offset) }
    out << "trailer\n<< /Size #{objects.size + 1} /Root 1 0 R >>\nstartxref\n#{xref}\n%%EOF\n"
    out
  end

  def self.files
    ICONS.each_with_object({}) do |(name, shapes), files|
      files["#{name}.svg"] = svg(shapes)
      files["#{name}.pdf"] = pdf(shapes)
    end
  end

  DIR = File.expand_path('../su_render/icons', __dir__)

  def self.main(args)
    stale = files.reject do |name, text|
      path = File.join(DIR, name)
      File.file?(path) && File.binread(path) == text
    end
    if args.include?('--check')
      stale.each_key { |name| warn "icons: #{name} differs from sketchup/tools/icons.rb (run it)" }
      return stale.empty?
    end
    Dir.mkdir(DIR) unless File.directory?(DIR)
    stale.each { |name, text| File.binwrite(File.join(DIR, name), text) }
    true
  end
end

exit(SURenderIcons.main(ARGV)) if $PROGRAM_NAME == __FILE__
