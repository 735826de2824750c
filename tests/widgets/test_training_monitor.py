import json
import sys
import subprocess
import time

import pytest

from workbench.widgets.training_monitor import TrainingMonitor, TrainingStopped, progress_summary


def append(path, records):
    with open(path, 'a') as f:
        for r in records:
            f.write(json.dumps(r) + '\n')


def test_follows_a_growing_log(tmp_path):
    log = tmp_path / '20260101_000000.log.json'
    append(log, [dict(env_info='x', seed=0)])
    mon = TrainingMonitor(str(tmp_path), max_iters=100)
    assert not mon.poll()
    append(log, [dict(mode='train', epoch=1, iter=i, lr=0.01, time=0.5, loss=1.0 / i) for i in (10, 20)])
    assert mon.poll()
    assert mon.summary['step'] == 20 and mon.summary['sec_per_iter'] == pytest.approx(0.5)
    assert mon.summary['eta_sec'] == pytest.approx(40.0)
    assert 'iteration 20/100' in mon.status.value and 'ETA 00:00:40' in mon.status.value
    append(log, [dict(mode='val', epoch=1, iter=20, bbox_mAP=0.42)])
    mon.poll()
    assert 'bbox_mAP' in mon.key_select.options and '0.4200' in mon.metrics.value
    assert mon.chart.value[:4] == b'\x89PNG'


def test_half_written_line_is_skipped(tmp_path):
    log = tmp_path / 'x.log.json'
    append(log, [dict(mode='train', epoch=1, iter=1, time=0.1, loss=1.0)])
    with open(log, 'a') as f:
        f.write('{"mode": "train", "epo')
    mon = TrainingMonitor(str(log))
    mon.poll()  # no exception; keeps the previous state
    assert mon.logs is None or len(mon.logs) <= 1


def test_stop_terminates_a_background_process(tmp_path):
    mon = TrainingMonitor(str(tmp_path), interval=0.05)
    mon.process = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
    mon.start_following()
    mon.stop()
    mon.process.wait(timeout=10)
    assert mon.process.returncode != 0 and mon.stop_requested
    mon._thread.join(timeout=5)
    assert not mon._thread.is_alive()


class FakeRunner:
    def __init__(self, work_dir):
        self.work_dir, self.max_iters, self.iter, self.epoch = work_dir, 10, 3, 0
        self._max_iters, self._max_epochs = 10, 1


def test_in_kernel_hook_stops_the_runner(tmp_path):
    mon = TrainingMonitor()
    hook = mon.hook()
    runner = FakeRunner(str(tmp_path))
    hook.before_run(runner)
    assert mon.source == str(tmp_path) and mon.max_iters == 10
    hook.after_train_iter(runner)  # nothing requested: continues
    mon.stop()
    with pytest.raises(TrainingStopped, match='iteration 4'):
        hook.after_train_iter(runner)
    assert runner._max_iters == 4

    def train():
        hook.after_train_iter(runner)
    t = mon.run_in_thread(train)
    t.join(timeout=5)
    assert mon.error is None  # a user stop is not an error


def test_progress_summary_without_times():
    import pandas as pd
    logs = pd.DataFrame(dict(mode=['train'], step=[5], epoch=[1], iter=[5], run=['r']))
    s = progress_summary(logs, 10)
    assert s['step'] == 5 and s['eta_sec'] is None
