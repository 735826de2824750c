"""TrainingMonitor: live curves, speed, ETA and a stop button for a training run.

One code path for every kind of run: the monitor follows the run's ``TIMESTAMP.log.json`` (written by the
TextLoggerHook). For a run in a background process (``TrainingMonitor.launch``, also multi-process with
``torchrun``) a thread polls the file and the stop button terminates the process; for a run inside the kernel,
``monitor.hook()`` returns a hook to register on the runner, which polls after every iteration and stops the
runner when the button is pressed. Training in the kernel should itself run in a thread (``run_in_thread``) so the
notebook stays responsive; multi-process training never runs inside the kernel.
"""
from __future__ import annotations

import glob
import os
import subprocess
import sys
import threading
import time
from typing import List, Optional, Sequence

import ipywidgets as W
import numpy as np

from workbench.analysis.logs import load_json_logs, plot_curve

from .gallery import figure_png


class TrainingStopped(RuntimeError):
    """Raised inside a training loop when the user pressed stop."""


def latest_log_json(work_dir: str) -> Optional[str]:
    """The newest ``*.log.json`` in ``work_dir`` (None when there is none yet)."""
    files = glob.glob(os.path.join(work_dir, '*.log.json'))
    return max(files, key=os.path.getmtime) if files else None


def progress_summary(logs, max_iters: Optional[int] = None) -> dict:
    """Current step, mean iteration time over the last 20 logged records, iterations/s and ETA in seconds."""
    train = logs[logs['mode'] == 'train'] if len(logs) else logs
    if len(train) == 0:
        return dict(step=0, sec_per_iter=None, iters_per_sec=None, eta_sec=None)
    step = int(train['step'].iloc[-1])
    times = train['time'].dropna().astype(float).values[-20:] if 'time' in train else np.array([])
    sec = float(times.mean()) if len(times) else None
    eta = sec * max(max_iters - step, 0) if sec is not None and max_iters else None
    return dict(step=step, sec_per_iter=sec, iters_per_sec=1.0 / sec if sec else None, eta_sec=eta)


class TrainingMonitor(W.VBox):
    """Follow a run's log. ``source``: a work_dir (the newest ``*.log.json`` in it is followed) or a log file.
    ``max_iters`` enables the ETA. State: ``logs`` (DataFrame), ``summary`` (dict), ``stop_requested``."""

    def __init__(self, source: Optional[str] = None, keys: Sequence[str] = ('loss',), max_iters: Optional[int] = None,
                 interval: float = 2.0):
        self.source = source
        self.max_iters = max_iters
        self.interval = interval
        self.process: Optional[subprocess.Popen] = None
        self.stop_requested = False
        self.logs = None
        self.summary = {}
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        self.key_select = W.SelectMultiple(options=list(keys), value=list(keys), description='curves')
        self.stop_button = W.Button(description='stop', icon='stop', button_style='danger')
        self.stop_button.on_click(lambda _b: self.stop())
        self.status = W.HTML('<i>waiting for the first log record…</i>')
        self.chart = W.Image(format='png')
        self.lr_chart = W.Image(format='png')
        self.metrics = W.HTML()
        self.key_select.observe(lambda _c: self._draw(), names='value')
        super().__init__([W.HBox([self.key_select, self.stop_button]), self.status,
                          W.HBox([self.chart, self.lr_chart]), self.metrics])

    # -- following ----------------------------------------------------------------------------------------------
    def log_file(self) -> Optional[str]:
        if self.source is None:
            return None
        if os.path.isdir(self.source):
            return latest_log_json(self.source)
        return self.source if os.path.isfile(self.source) else None

    def poll(self) -> bool:
        """Read the log again and refresh the view; returns whether there were records."""
        path = self.log_file()
        if path is None:
            return False
        with self._lock:
            try:
                logs = load_json_logs(path, run_names=['run'])
            except ValueError:
                return False  # a line being written right now; the next poll sees it whole
            self.logs = logs
            self.summary = progress_summary(logs, self.max_iters)
            numeric = [c for c in logs.columns if c not in ('run', 'mode', 'epoch', 'iter', 'step')
                       and logs[c].dtype.kind in 'fi']
            if set(numeric) - set(self.key_select.options):
                chosen = [k for k in self.key_select.value if k in numeric] or numeric[:1]
                self.key_select.options = numeric
                self.key_select.value = chosen
            self._draw()
        return len(logs) > 0

    def _draw(self):
        import matplotlib.pyplot as plt

        if self.logs is None or len(self.logs) == 0:
            return
        keys = [k for k in self.key_select.value if k in self.logs.columns]
        if keys:
            fig = plot_curve(self.logs, keys=keys)
            self.chart.value = figure_png(fig)
            plt.close(fig)
        if 'lr' in self.logs.columns:
            fig = plot_curve(self.logs[self.logs['mode'] == 'train'], keys=['lr'])
            self.lr_chart.value = figure_png(fig)
            plt.close(fig)
        s = self.summary
        parts = [f'iteration {s["step"]}' + (f'/{self.max_iters}' if self.max_iters else '')]
        if s.get('sec_per_iter'):
            parts.append(f'{s["sec_per_iter"]:.3f} s/iter ({s["iters_per_sec"]:.2f} it/s)')
        if s.get('eta_sec') is not None:
            parts.append(f'ETA {time.strftime("%H:%M:%S", time.gmtime(s["eta_sec"]))}')
        if self.process is not None:
            code = self.process.poll()
            parts.append('running' if code is None else f'process exited with code {code}')
        if self.stop_requested:
            parts.append('<b>stop requested</b>')
        self.status.value = ' · '.join(parts)
        val = self.logs[self.logs['mode'] != 'train']
        if len(val):
            self.metrics.value = val.dropna(axis=1, how='all').tail(5).to_html(index=False, float_format='%.4f')

    def start_following(self):
        """Poll in a background thread until the followed process ends (or forever for a plain log)."""
        def loop():
            while True:
                self.poll()
                if self.process is not None and self.process.poll() is not None:
                    self.poll()
                    break
                if self.stop_requested and self.process is None:
                    break
                time.sleep(self.interval)
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    # -- stopping ------------------------------------------------------------------------------------------------
    def stop(self):
        """Stop the run: terminate the background process, or make the in-kernel hook stop the runner."""
        self.stop_requested = True
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
        self.stop_button.disabled = True

    # -- in-kernel runs ------------------------------------------------------------------------------------------
    def hook(self):
        """A runner hook that polls the log after each iteration and stops the runner on request. Register it after
        the logger hooks: ``runner.register_hook(monitor.hook(), priority='LOWEST')``."""
        from workbench.engine.hooks.hook import Hook

        monitor = self

        class MonitorHook(Hook):
            def before_run(self, runner):
                if monitor.source is None:
                    monitor.source = runner.work_dir
                if monitor.max_iters is None:
                    monitor.max_iters = runner.max_iters

            def after_train_iter(self, runner):
                monitor.poll()
                if monitor.stop_requested:
                    # IterBasedRunner checks max_iters; EpochBasedRunner must leave its epoch loop
                    runner._max_iters = runner.iter + 1
                    runner._max_epochs = runner.epoch + 1
                    raise TrainingStopped(f'training stopped by the user at iteration {runner.iter + 1}')

            def after_run(self, runner):
                monitor.poll()

        return MonitorHook()

    def run_in_thread(self, fn, *args, **kwargs) -> threading.Thread:
        """Run ``fn(*args, **kwargs)`` (e.g. ``runner.run``) in a thread so the notebook stays usable; a stop request
        ends it cleanly. The thread's exception, if any other, is kept in ``self.error``."""
        self.error = None

        def target():
            try:
                fn(*args, **kwargs)
            except TrainingStopped:
                pass
            except BaseException as e:  # noqa: BLE001 - shown in the widget and kept for the caller
                self.error = e
                self.status.value = f'<span style="color:#c00">training failed: {type(e).__name__}: {e}</span>'
            finally:
                self.poll()

        t = threading.Thread(target=target, daemon=True)
        t.start()
        self._thread = t
        return t

    # -- background processes -----------------------------------------------------------------------------------
    @classmethod
    def launch(cls, config: str, work_dir: str, nproc: int = 1, extra_args: Sequence[str] = (),
               max_iters: Optional[int] = None, keys: Sequence[str] = ('loss',), interval: float = 2.0
               ) -> 'TrainingMonitor':
        """Start ``workbench train CONFIG --work-dir WORK_DIR`` in a background process (``torchrun`` with
        ``nproc`` processes when nproc > 1) and follow it."""
        os.makedirs(work_dir, exist_ok=True)
        cmd: List[str] = [sys.executable]
        if nproc > 1:
            cmd += ['-m', 'torch.distributed.run', f'--nproc_per_node={nproc}', '-m', 'workbench.cli', 'train',
                    config, '--work-dir', work_dir, '--launcher', 'pytorch']
        else:
            cmd += ['-m', 'workbench.cli', 'train', config, '--work-dir', work_dir]
        cmd += list(extra_args)
        monitor = cls(work_dir, keys=keys, max_iters=max_iters, interval=interval)
        log = open(os.path.join(work_dir, 'monitor_stdout.txt'), 'w')
        monitor.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        monitor.command = cmd
        return monitor.start_following()
