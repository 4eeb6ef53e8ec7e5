# frozen_string_literal: true

require 'json'

module SURender
  # Walking scenes: show each, capture it, and put everything back afterwards.
  module Scenes
    # The camera's values, kept apart from the live camera object the view hands out.
    class CameraCopy
      def initialize(camera)
        @eye = camera.eye
        @target = camera.target
        @up = camera.up
        @perspective = camera.perspective?
        # fov belongs to a perspective camera, height to a parallel one.
        @fov = @perspective ? camera.fov : 30.0
        @height = @perspective ? nil : camera.height
        @aspect_ratio = camera.aspect_ratio
      end

      def build
        camera = Sketchup::Camera.new(@eye, @target, @up, @perspective, @fov)
        camera.height = @height unless @perspective
        camera.aspect_ratio = @aspect_ratio
        camera
      end
    end

    # What showing scenes changes in the model, read before the walk and put back after it.
    # Selecting a scene applies its camera, style, shadows and tag visibility, none of which is
    # undoable; the designer may also have changed the view since selecting the current scene.
    class SavedState
      # Labels (I18n keys) of what could not be put back.
      attr_reader :failures

      def initialize(model)
        @model = model
        @view = model.active_view
        @page = model.pages.selected_page
        @camera = CameraCopy.new(@view.camera)
        @rendering = SavedState.snapshot(model.rendering_options)
        @shadows = SavedState.snapshot(model.shadow_info)
        @tags = model.layers.map { |layer| [layer, layer.visible?] }
        @page_options = {}
        @failures = []
      end

      # Scenes then change at once, without the animated transition, so each capture shows its
      # own scene rather than a frame on the way to it.
      def quiet_transitions
        options = @model.options['PageOptions']
        { 'ShowTransition' => false, 'TransitionTime' => 0.0 }.each do |key, value|
          next unless options.key?(key)

          @page_options[key] = options[key]
          options[key] = value
        end
      end

      # Each part on its own, so one that fails does not keep the others from being put back.
      # The scene first (it brings its own camera and style), the transitions last.
      def restore
        step(:restore_scene) { @model.pages.selected_page = @page if @page }
        step(:restore_camera) { @view.camera = @camera.build }
        step(:restore_style) { SavedState.put_back(@model.rendering_options, @rendering) }
        step(:restore_shadows) { SavedState.put_back(@model.shadow_info, @shadows) }
        step(:restore_tags) { put_back_tags }
        step(:restore_transitions) do
          options = @model.options['PageOptions']
          @page_options.each { |key, value| options[key] = value }
        end
      end

      def self.snapshot(provider)
        values = {}
        provider.keys.each { |key| values[key] = provider[key] }
        values
      end

      # Only what differs is written back. Some keys are read-only (ShadowInfo's SunDirection
      # follows ShadowTime), so a key SketchUp refuses is left as SketchUp computes it.
      def self.put_back(provider, values)
        values.each do |key, value|
          begin
            provider[key] = value unless provider[key] == value
          rescue StandardError
            next
          end
        end
      end

      private

      def step(label)
        yield
      rescue StandardError
        @failures << label
      end

      # Tag visibility is part of the model's undo history: one named step, and only when a
      # scene left a tag shown or hidden differently.
      def put_back_tags
        changed = @tags.reject { |layer, visible| layer.deleted? || layer.visible? == visible }
        return if changed.empty?

        @model.start_operation('SU Render', true)
        changed.each { |layer, visible| layer.visible = visible }
        @model.commit_operation
      end
    end

    # Shows each page in turn and captures it. Returns [pictures, problems]: a capture that fails
    # is reported and the walk goes on; whatever happens, the model is put back as it was.
    def self.capture(model, pages, long_side)
      pictures = []
      problems = []
      state = SavedState.new(model)
      begin
        state.quiet_transitions
        pages.each do |page|
          begin
            model.pages.selected_page = page
            pictures << Capture.take(model.active_view, long_side, page.name)
          rescue StandardError => e
            what = I18n.t(:scene_named, name: page.name)
            problems << I18n.t(:capture_failed, what: what, error: e.message)
          end
        end
      ensure
        state.restore
      end
      state.failures.each { |label| problems << I18n.t(:restore_failed, what: I18n.t(label)) }
      [pictures, problems]
    end

    # Which scenes to render. SketchUp's Ruby API does not say which scene tabs the designer has
    # selected (only the current one), so a small window lists every scene, all ticked; the block
    # gets the pages chosen. One scene needs no choice.
    def self.choose(model, &chosen)
      pages = model.pages.to_a
      return chosen.call(pages) if pages.size == 1

      @picker.close if @picker && @picker.visible?
      @picker = UI::HtmlDialog.new(
        dialog_title: I18n.t(:pick_title),
        preferences_key: 'SURender.scenes',
        width: 420,
        height: 520,
        resizable: true,
        scrollable: true,
        style: UI::HtmlDialog::STYLE_DIALOG
      )
      picker = @picker
      picker.set_html(picker_html(pages.map(&:name)))
      picker.add_action_callback('chosen') do |_context, json|
        names = parse_names(json)
        picker.close
        # Looked up again by name: scenes may have been renamed or deleted meanwhile.
        selected = names.map { |name| model.pages[name] }.compact
        chosen.call(selected) unless selected.empty?
      end
      picker.add_action_callback('cancel') { |_context| picker.close }
      picker.show
      picker
    end

    def self.parse_names(json)
      names = JSON.parse(json.to_s)
      names.is_a?(Array) ? names.map(&:to_s) : []
    rescue JSON::ParserError
      []
    end

    def self.escape_html(text)
      text.to_s.gsub(/[&<>"']/, '&' => '&amp;', '<' => '&lt;', '>' => '&gt;', '"' => '&quot;', "'" => '&#39;')
    end

    # The list of scenes: plain HTML and ES5, as old as SketchUp 2017's dialog Chromium.
    def self.picker_html(names)
      t = ->(key) { escape_html(I18n.t(key)) }
      items = names.map do |name|
        label = escape_html(name)
        "<li><label><input type=\"checkbox\" checked value=\"#{label}\"> <span>#{label}</span></label></li>"
      end
      <<-HTML
<!DOCTYPE html>
<html lang="#{I18n.language == :zh ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<title>#{t.call(:pick_title)}</title>
<style>
  body { font: 14px/1.4 -apple-system, "Segoe UI", "Microsoft YaHei", "PingFang SC", sans-serif;
         margin: 0; padding: 16px; color: #222; background: #fff; }
  p { margin: 0 0 12px; color: #444; }
  .quick button { font: inherit; margin-right: 8px; }
  ul { list-style: none; padding: 0; margin: 12px 0; border: 1px solid #ccc; border-radius: 4px;
       max-height: 300px; overflow-y: auto; }
  li { border-bottom: 1px solid #eee; }
  li:last-child { border-bottom: 0; }
  label { display: block; padding: 6px 10px; cursor: pointer; }
  .actions { text-align: right; }
  .actions button { font: inherit; padding: 6px 14px; margin-left: 8px; }
  .primary { background: #2f6fb5; color: #fff; border: 1px solid #2f6fb5; border-radius: 4px; }
  .primary:disabled { background: #9bb6d6; border-color: #9bb6d6; }
</style>
</head>
<body>
<p>#{t.call(:pick_intro)}</p>
<div class="quick">
  <button type="button" id="all">#{t.call(:pick_all)}</button>
  <button type="button" id="none">#{t.call(:pick_none)}</button>
</div>
<ul id="scenes">
#{items.join("\n")}
</ul>
<div class="actions">
  <button type="button" id="cancel">#{t.call(:pick_cancel)}</button>
  <button type="button" id="send" class="primary">#{t.call(:pick_ok)}</button>
</div>
<script>
(function () {
  var boxes = document.querySelectorAll('#scenes input');
  var send = document.getElementById('send');
  function chosen() {
    var names = [];
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].checked) { names.push(boxes[i].value); }
    }
    return names;
  }
  function update() { send.disabled = chosen().length === 0; }
  function tickAll(on) {
    for (var i = 0; i < boxes.length; i++) { boxes[i].checked = on; }
    update();
  }
  document.getElementById('all').onclick = function () { tickAll(true); };
  document.getElementById('none').onclick = function () { tickAll(false); };
  document.getElementById('scenes').onchange = update;
  send.onclick = function () { sketchup.chosen(JSON.stringify(chosen())); };
  document.getElementById('cancel').onclick = function () { sketchup.cancel(); };
  update();
})();
</script>
</body>
</html>
      HTML
    end
  end
end
