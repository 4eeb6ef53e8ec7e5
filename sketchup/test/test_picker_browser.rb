# frozen_string_literal: true

require_relative 'helper'
require 'open3'
require 'cgi'

# The scene picker's own JavaScript, run in headless Chromium (what `cargo xtask setup --browser`
# installs; SketchUp's dialogs are Chromium too): a script added after the page's clicks its buttons
# and records what reaches `sketchup.chosen` / `sketchup.cancel`, which SketchUp would hand to Ruby.
class PickerBrowserTest < SURenderTest
  CHROMIUM = ENV.fetch('SU_RENDER_CHROMIUM', '/usr/bin/chromium')

  DRIVE = <<-HTML
<script>
(function () {
  function log(text) {
    var line = document.createElement('pre');
    line.className = 'log';
    line.textContent = text;
    document.body.appendChild(line);
  }
  window.sketchup = {
    chosen: function (json) { log('chosen ' + json); },
    cancel: function () { log('cancel'); }
  };
  var send = document.getElementById('send');
  var boxes = document.querySelectorAll('#scenes input');
  log('disabled ' + send.disabled);
  document.getElementById('none').click();
  log('disabled ' + send.disabled);
  boxes[2].click();
  log('disabled ' + send.disabled);
  send.click();
  document.getElementById('all').click();
  send.click();
  document.getElementById('cancel').click();
})();
</script>
  HTML

  def test_the_pickers_buttons_hand_the_chosen_names_to_ruby
    skip "no Chromium at #{CHROMIUM} (cargo xtask setup --browser installs it)" unless File.executable?(CHROMIUM)

    names = ['Hall', 'A <b>"bold"</b> & name', '客厅']
    html = SURender::Scenes.picker_html(names).sub('</body>', "#{DRIVE}</body>")
    page = File.join(@temp, 'picker.html')
    File.write(page, html)
    out, err, status = Open3.capture3(CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
                                      '--user-data-dir=' + File.join(@temp, 'chromium'), '--dump-dom',
                                      "file://#{page}")
    assert status.success?, err
    log = out.scan(%r{<pre class="log">(.*?)</pre>}m).flatten.map { |line| CGI.unescapeHTML(line) }
    assert_equal ['disabled false', 'disabled true', 'disabled false', 'chosen ["客厅"]',
                  "chosen #{JSON.generate(names)}", 'cancel'], log
    # What Ruby gets back from that JSON is the scenes' own names.
    assert_equal names, SURender::Scenes.parse_names(JSON.generate(names))
  end
end
