"""Look at the built site in a real browser: full-page screenshots of the landing page and the first lesson.

    python tools/screenshot_docs.py [--out _docs/screenshots] [PAGE ...]    # after `make docs`; make screenshots

Headless Chromium (Debian: `apt-get install -y chromium fonts-dejavu-core fonts-dejavu-extra`) loads each page from _docs/html over
file://, driven through the DevTools protocol on the loopback interface (websocket-client, already a dependency of
Jupyter). For each page it writes OUT/<page>.png and fails when:
- the page is blank: less than 2 % of the screenshot's pixels differ from the background, or no text;
- a picture is missing: an <img> that did not load (naturalWidth 0), or that the browser drew at zero size;
- a lesson (settings.ini `lessons`) shows no picture of at least 100x100 pixels.
Default pages: index and the lessons. Exit status 0 when every page passes, 1 otherwise, 2 when Chromium is missing.
"""
import argparse, base64, io, json, shutil, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from lessons import lesson_paths  # noqa: E402

HTML = ROOT / '_docs' / 'html'
WIDTH, MAX_HEIGHT = 1280, 16000
BROWSERS = ('chromium', 'chromium-browser', 'google-chrome')

_PAGE_FACTS = """(() => {
  const imgs = [...document.images].map(i => ({src: i.getAttribute('src'), loaded: i.complete && i.naturalWidth > 0,
      w: i.getBoundingClientRect().width, h: i.getBoundingClientRect().height}));
  const main = document.querySelector('article') || document.body;
  return {title: document.title, text: main.innerText.trim().length, images: imgs,
          height: Math.ceil(document.documentElement.scrollHeight)};
})()"""


class Browser:
    "One headless Chromium with a DevTools websocket to its first tab."

    def __init__(self, exe: str):
        import websocket
        self.profile = tempfile.mkdtemp(prefix='molmask-chromium-')
        self.proc = subprocess.Popen([exe, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
                                      '--no-first-run', '--no-default-browser-check', '--disable-extensions',
                                      '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0',
                                      f'--user-data-dir={self.profile}', f'--window-size={WIDTH},900', 'about:blank'],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile) / 'DevToolsActivePort'
        deadline = time.time() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.time() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError('Chromium did not start')
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        tabs = json.load(urllib.request.urlopen(f'http://127.0.0.1:{port}/json/list', timeout=30))
        url = next(t['webSocketDebuggerUrl'] for t in tabs if t.get('type') == 'page')
        self.ws = websocket.create_connection(url, timeout=120, suppress_origin=True)
        self.next_id = 0

    def call(self, method: str, wait_event: str = None, **params) -> dict:
        "Send one DevTools command; return its result (after `wait_event` arrives, when given)."
        self.next_id += 1
        self.ws.send(json.dumps(dict(id=self.next_id, method=method, params=params)))
        result, seen_event = None, wait_event is None
        while result is None or not seen_event:
            msg = json.loads(self.ws.recv())
            if msg.get('id') == self.next_id:
                if 'error' in msg: raise RuntimeError(f'{method}: {msg["error"]}')
                result = msg['result']
            elif msg.get('method') == wait_event: seen_event = True
        return result

    def evaluate(self, expression: str):
        return self.call('Runtime.evaluate', expression=expression, returnByValue=True, awaitPromise=True)['result']['value']

    def close(self):
        try: self.ws.close()
        except Exception: pass
        if self.proc.poll() is None:
            self.proc.terminate()
            try: self.proc.wait(10)
            except subprocess.TimeoutExpired: self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def shoot(browser: Browser, page: str, out: Path) -> dict:
    "Load one page, wait for its images, take a full-page screenshot; return the facts the checks use."
    url = (HTML / f'{page}.html').as_uri()
    browser.call('Page.enable')
    browser.call('Page.navigate', wait_event='Page.loadEventFired', url=url)
    browser.evaluate('Promise.all([...document.images].map(i => i.decode().catch(() => null)))')
    facts = browser.evaluate(_PAGE_FACTS)
    height = min(max(facts['height'], 600), MAX_HEIGHT)
    browser.call('Emulation.setDeviceMetricsOverride', width=WIDTH, height=height, deviceScaleFactor=1, mobile=False)
    shot = browser.call('Page.captureScreenshot', format='png', captureBeyondViewport=True)
    png = base64.b64decode(shot['data'])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(png)
    facts['ink'] = ink_fraction(png)
    return facts


def ink_fraction(png: bytes) -> float:
    "Share of pixels that differ clearly from the page's most common colour (its background)."
    from PIL import Image
    img = Image.open(io.BytesIO(png)).convert('L')
    img.thumbnail((640, 640 * img.height // img.width))
    hist = img.histogram()
    background = max(range(256), key=hist.__getitem__)
    return sum(n for value, n in enumerate(hist) if abs(value - background) > 24) / max(1, sum(hist))


def problems(page: str, facts: dict, lesson: bool) -> list:
    found = []
    if facts['ink'] < 0.02 or facts['text'] < 200:
        found.append(f'{page}: the page looks blank ({facts["ink"]:.1%} of pixels drawn, {facts["text"]} characters of text)')
    for img in facts['images']:
        if not img['loaded']: found.append(f'{page}: picture {img["src"]} did not load')
        elif img['w'] < 1 or img['h'] < 1: found.append(f'{page}: picture {img["src"]} is drawn at zero size')
    pictures = [i for i in facts['images'] if i['loaded'] and i['w'] >= 100 and i['h'] >= 100]
    if lesson and not pictures: found.append(f'{page}: the lesson shows no picture (no image of at least 100x100 pixels)')
    return found


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('pages', nargs='*', help='page names under _docs/html (default: index and the lessons)')
    ap.add_argument('--out', default=str(ROOT / '_docs' / 'screenshots'), help='folder for the PNG files')
    a = ap.parse_args(argv)
    lessons = [p.stem for p in lesson_paths()]
    pages = a.pages or ['index'] + lessons
    exe = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if exe is None:
        print('error: no Chromium found. Install it: apt-get install -y chromium fonts-dejavu-core fonts-dejavu-extra', file=sys.stderr)
        return 2
    missing = [p for p in pages if not (HTML / f'{p}.html').exists()]
    if missing:
        print(f'error: not built: {", ".join(missing)} (run `make docs` first)', file=sys.stderr)
        return 1
    found = []
    browser = Browser(exe)
    try:
        for page in pages:
            out = Path(a.out) / f'{page.replace("/", "_")}.png'
            facts = shoot(browser, page, out)
            big = sum(1 for i in facts['images'] if i['loaded'] and i['w'] >= 100 and i['h'] >= 100)
            print(f'{out}: {WIDTH}x{min(max(facts["height"], 600), MAX_HEIGHT)} px, "{facts["title"]}", '
                  f'{facts["ink"]:.0%} of pixels drawn, {len(facts["images"])} images ({big} pictures of 100x100 px or more)')
            found += problems(page, facts, page in lessons)
    finally:
        browser.close()
    for p in found: print('  ' + p, file=sys.stderr)
    if found: print(f'error: {len(found)} problem(s) seen in the browser', file=sys.stderr)
    return 1 if found else 0


if __name__ == '__main__': sys.exit(main())
