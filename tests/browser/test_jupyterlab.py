"""Real-browser check of the widgets: JupyterLab on localhost, a notebook run in headless Chromium via Playwright.

It checks what unit tests cannot: that the widget views load in the browser (the ipywidgets lab extension, the
comm messages) and that interaction reaches the kernel and comes back — moving the DatasetBrowser's image slider
changes the image shown, clicking a confusion-matrix cell shows its gallery. Screenshots go to ``test-artifacts/``.

Needs the Playwright Python package and Debian's ``chromium`` (no browser download); skips with the reason when
either is missing. Run it with ``bash dev.sh browser-test`` (installs both, then runs this file).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / 'test-artifacts'
CHROMIUM = os.environ.get('WORKBENCH_CHROMIUM', '/usr/bin/chromium')
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run']

# The notebook the browser runs: the two widgets under test on small, fast inputs (no training).
CELLS = [
    """import numpy as np
from workbench.datasets import make_shapes, CocoDataset
from workbench.widgets import DatasetBrowser, ConfusionMatrixView
d = make_shapes('shapes_data', num_train=12, num_val=2, img_size=(160, 120), seed=0)
ds = CocoDataset(ann_file=d['train_ann'], img_prefix=d['train_img_dir'] + '/', pipeline=[],
                 classes=('rect', 'ellipse', 'triangle', 'cross'))
browser = DatasetBrowser(ds)
browser""",
    """# detections: every GT box, with 'rect' always predicted as 'ellipse', so the (rect, ellipse) cell is non-empty
results = []
for i in range(len(ds)):
    ann = ds.get_ann_info(i)
    per_class = [np.zeros((0, 5), np.float32) for _ in range(4)]
    for box, label in zip(ann['bboxes'], ann['labels']):
        k = 1 if label == 0 else int(label)
        per_class[k] = np.vstack([per_class[k], np.append(box, 0.9)[None].astype(np.float32)])
    results.append(per_class)
cm = ConfusionMatrixView(results, ds)
cm""",
]


def _notebook() -> dict:
    return dict(nbformat=4, nbformat_minor=5, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3',
                                                                            language='python')),
                cells=[dict(cell_type='code', id=f'cell-{i}', metadata={}, execution_count=None, outputs=[],
                            source=src) for i, src in enumerate(CELLS)])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def playwright_sync():
    sync_api = pytest.importorskip('playwright.sync_api', reason='Playwright is not installed (bash dev.sh '
                                                                  'browser-test installs it)')
    if not os.path.isfile(CHROMIUM) or not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f'no Chromium at {CHROMIUM} (apt-get install chromium, or set WORKBENCH_CHROMIUM)')
    return sync_api


@pytest.fixture(scope='module')
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on a free localhost port, token auth, its own runtime/config/data dirs."""
    root = tmp_path_factory.mktemp('lab')
    (root / 'widgets_check.ipynb').write_text(json.dumps(_notebook()))
    home = tmp_path_factory.mktemp('jupyter_home')
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / 'runtime'), JUPYTER_CONFIG_DIR=str(home / 'config'),
               JUPYTER_DATA_DIR=str(home / 'data'), IPYTHONDIR=str(home / 'ipython'), OMP_NUM_THREADS='1',
               JUPYTER_PLATFORM_DIRS='1', MPLBACKEND='Agg')
    port, token = _free_port(), uuid.uuid4().hex
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', f'--port={port}', '--ServerApp.ip=127.0.0.1',
           '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}',
           '--LabApp.expose_app_in_browser=True', '--LabApp.news_url=', '--LabApp.check_for_updates_class='
           'jupyterlab.NeverCheckForUpdate', '--LabApp.extension_manager=readonly']
    if hasattr(os, 'geteuid') and os.geteuid() == 0:
        cmd.append('--allow-root')  # containers run as root; the server binds to 127.0.0.1 with a token anyway
    log = open(home / 'server.log', 'w')
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f'http://127.0.0.1:{port}'
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f'{base}/api/status?token={token}', timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.flush()
                    raise RuntimeError(f'JupyterLab did not start:\n{(home / "server.log").read_text()[-4000:]}')
                time.sleep(0.5)
        yield dict(base=base, token=token, root=root, log=home / 'server.log')
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _widget_img_src(output):
    return output.locator('img').first.get_attribute('src')


def test_widgets_render_and_respond(playwright_sync, jupyterlab):
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_sync.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport=dict(width=1400, height=1100))
        try:
            page.goto(f"{jupyterlab['base']}/lab/tree/widgets_check.ipynb?token={jupyterlab['token']}")
            page.wait_for_selector('.jp-NotebookPanel .jp-Cell', timeout=90_000)
            # the kernel must be up before running; then run every cell through JupyterLab's own command
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                                   "&& window.jupyterapp.shell.currentWidget.sessionContext "
                                   "&& window.jupyterapp.shell.currentWidget.sessionContext.session "
                                   "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel "
                                   "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
                                   " === 'idle'", timeout=90_000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

            # 1. DatasetBrowser: the widget view renders an image
            cells = page.locator('.jp-NotebookPanel .jp-CodeCell')
            browser_out = cells.nth(0).locator('.jp-OutputArea-output')
            browser_out.locator('img').first.wait_for(state='visible', timeout=180_000)
            page.wait_for_function("el => el.querySelector('img') && el.querySelector('img').naturalWidth > 0",
                                   arg=browser_out.element_handle(), timeout=60_000)
            before = _widget_img_src(browser_out)
            page.screenshot(path=str(ARTIFACTS / 'browser_01_dataset_browser.png'), full_page=True)

            # move the 'image' slider one step with the keyboard: the kernel redraws, the image source changes
            slider = browser_out.locator('.widget-slider', has=page.locator('label', has_text='image')).first
            slider.locator('.noUi-handle').first.focus()
            page.keyboard.press('ArrowRight')
            page.wait_for_function("([el, old]) => el.querySelector('img').getAttribute('src') !== old",
                                   arg=[browser_out.element_handle(), before], timeout=60_000)
            caption = browser_out.locator('.widget-html').filter(has_text='image #').first.inner_text()
            assert '2/12' in caption, caption
            page.screenshot(path=str(ARTIFACTS / 'browser_02_dataset_browser_next_image.png'), full_page=True)

            # 2. ConfusionMatrixView: clicking the (rect, ellipse) cell shows its gallery
            cm_out = cells.nth(1).locator('.jp-OutputArea-output')
            cell_button = cm_out.locator('button[title="GT rect / predicted ellipse"]')
            cell_button.wait_for(state='visible', timeout=180_000)
            assert cm_out.locator('.widget-gridbox img').count() == 0
            cell_button.scroll_into_view_if_needed()
            cell_button.click()
            cm_out.locator('.widget-gridbox img').first.wait_for(state='visible', timeout=60_000)
            title = cm_out.locator('.widget-html', has_text='predicted ellipse').first.inner_text()
            assert 'GT rect' in title and 'instance' in title, title
            assert cm_out.locator('.widget-gridbox img').count() >= 1
            cm_out.locator('.widget-gridbox').last.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / 'browser_03_confusion_matrix_gallery.png'), full_page=True)
        except Exception:
            page.screenshot(path=str(ARTIFACTS / 'browser_failure.png'), full_page=True)
            shutil.copy(jupyterlab['log'], ARTIFACTS / 'browser_failure_server.log')
            raise
        finally:
            browser.close()
