# frozen_string_literal: true

module SURender
  # One captured picture on disk, and what the app is told about it.
  Picture = Struct.new(:path, :type, :width, :height, :scene)

  # Capturing the view into a temporary picture file.
  module Capture
    # The app's inbox takes at most 30 MB a picture.
    MAX_BYTES = 30 * 1024 * 1024

    class Failed < StandardError; end

    # Width and height with the longest side `long_side`, in the shape the designer sees:
    # the camera's fixed aspect ratio when it has one (the view then shows bars), else the
    # viewport's. write_image frames whatever size it is given, so the shape must be chosen here.
    def self.size_for(view, long_side)
      ratio = view.camera.aspect_ratio.to_f
      ratio = view.vpwidth.to_f / [view.vpheight.to_i, 1].max unless ratio > 0
      ratio = 1.0 unless ratio.finite? && ratio > 0
      if ratio >= 1
        [long_side, [(long_side / ratio).round, 1].max]
      else
        [[(long_side * ratio).round, 1].max, long_side]
      end
    end

    # Captures the view as a PNG (antialiased), or as a JPEG when the PNG would be too large for
    # the inbox. `scene` is the scene's name, or nil for the view as it is.
    def self.take(view, long_side, scene = nil, max_bytes = MAX_BYTES)
      width, height = size_for(view, long_side)
      path = new_path('png')
      write(view, path, width, height)
      type = 'image/png'
      if File.size(path) > max_bytes
        jpeg = new_path('jpg')
        write(view, jpeg, width, height, compression: 0.9)
        File.delete(path)
        path = jpeg
        type = 'image/jpeg'
      end
      Picture.new(path, type, width, height, scene)
    end

    def self.write(view, path, width, height, extra = {})
      options = { filename: path, width: width, height: height, antialias: true }.merge(extra)
      written = view.write_image(options)
      return if written != false && File.file?(path) && File.size(path) > 0

      raise Failed, "write_image wrote no picture to #{path}"
    end

    # Where captures wait until the app has them: SketchUp's temporary folder, which SketchUp and
    # the system clear. A picture the app did not take stays here, and the message says where.
    def self.folder
      dir = File.join(Sketchup.temp_dir, 'SU Render')
      Dir.mkdir(dir) unless File.directory?(dir)
      dir
    end

    def self.new_path(extension)
      @count = (@count || 0) + 1
      stamp = Time.now.strftime('%Y%m%d-%H%M%S')
      File.join(folder, "su-render-#{stamp}-#{@count}.#{extension}")
    end
  end
end
