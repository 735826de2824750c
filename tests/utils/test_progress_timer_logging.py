"""Progress bars (on tqdm.auto), Timer, check_time, loggers (spec §10.1, §10.2, §10.3, §15.17)."""
import io
import logging
import re
import time

import pytest

from workbench.utils import (ProgressBar, Timer, TimerError, check_time, get_logger, print_log, track_iter_progress,
                             track_parallel_progress, track_progress)


def plus_one(n):
    return n + 1


def test_track_progress_results_and_output():
    out = io.StringIO()
    tasks = list(range(10))
    assert track_progress(plus_one, tasks, file=out) == [n + 1 for n in tasks]
    assert '10/10' in out.getvalue()


def test_track_progress_with_iterator_and_total():
    out = io.StringIO()
    assert track_progress(plus_one, (iter(range(3)), 3), file=out) == [1, 2, 3]
    with pytest.raises(TypeError, match='"tasks" must be a sequence, or a tuple'):
        track_progress(plus_one, iter(range(3)), file=out)


def test_track_iter_progress_yields_tasks():
    out = io.StringIO()
    tasks = ['a', 'b', 'c']
    seen = [t for t in track_iter_progress(tasks, file=out)]
    assert seen == tasks and '3/3' in out.getvalue()
    assert [i for i, _ in enumerate(track_iter_progress(tasks, file=io.StringIO()))] == [0, 1, 2]


def test_track_parallel_progress_keeps_order():
    out = io.StringIO()
    tasks = list(range(8))
    assert track_parallel_progress(plus_one, tasks, 2, file=out) == [n + 1 for n in tasks]
    assert sorted(track_parallel_progress(plus_one, tasks, 2, keep_order=False, file=out)) == [n + 1 for n in tasks]
    assert '8/8' in out.getvalue()


def test_track_parallel_progress_rejects_zero_workers():
    # erratum §14.17: the doc's demo passes nproc=0
    with pytest.raises(ValueError, match='nproc must be a positive int'):
        track_parallel_progress(plus_one, [1], 0, file=io.StringIO())


def test_progress_bar_update():
    out = io.StringIO()
    bar = ProgressBar(3, file=out)
    for _ in range(3):
        bar.update()
    assert bar.completed == 3 and '3/3' in out.getvalue()
    unknown = ProgressBar(file=io.StringIO())
    unknown.update(5)
    unknown.close()
    assert unknown.completed == 5
    with pytest.raises(ValueError, match='num_tasks must be >= 0'):
        ProgressBar(file=io.StringIO()).update(-1)


def test_timer_context_manager_prints(capsys):
    with Timer():
        time.sleep(0.05)
    assert re.fullmatch(r'0\.0[5-9]\d\n|0\.[1-9]\d\d\n', capsys.readouterr().out)
    with Timer(print_tmpl='it takes {:.1f} seconds'):
        time.sleep(0.05)
    assert capsys.readouterr().out in ('it takes 0.1 seconds\n', 'it takes 0.2 seconds\n')


def test_timer_since_start_and_last_check():
    timer = Timer()
    time.sleep(0.05)
    first = timer.since_start()
    time.sleep(0.05)
    last = timer.since_last_check()
    total = timer.since_start()
    assert 0.04 < first < 0.5 and 0.04 < last < 0.5 and total >= first + last - 1e-3
    assert timer.is_running
    stopped = Timer(start=False)
    assert not stopped.is_running
    with pytest.raises(TimerError, match='timer is not running'):
        stopped.since_start()
    with pytest.raises(TimerError):
        stopped.since_last_check()


def test_check_time_prints_from_the_second_call(capsys):
    assert check_time('test_task_xyz') == 0.0
    assert capsys.readouterr().out == ''
    time.sleep(0.02)
    elapsed = check_time('test_task_xyz')
    assert 0.015 < elapsed < 0.5
    assert capsys.readouterr().out == f'{elapsed:.3f}\n'


def test_get_logger_sets_up_once_and_writes_file(tmp_path):
    log_file = tmp_path / 'run.log'
    logger = get_logger('wb_test_logger', log_file=str(log_file), log_level=logging.DEBUG)
    n_handlers = len(logger.handlers)
    assert n_handlers == 2 and logger.level == logging.DEBUG
    assert get_logger('wb_test_logger') is logger and len(logger.handlers) == n_handlers
    assert get_logger('wb_test_logger.child').handlers == []  # children propagate to the set-up parent
    logger.info('hello file')
    for h in logger.handlers:
        h.flush()
    assert 'hello file' in log_file.read_text()
    for h in list(logger.handlers):
        h.close()
        logger.removeHandler(h)


def test_print_log(capsys, caplog):
    print_log('plain')
    assert capsys.readouterr().out == 'plain\n'
    print_log('quiet', logger='silent')
    assert capsys.readouterr().out == ''
    logger = logging.getLogger('wb_print_log_test')
    with caplog.at_level(logging.WARNING, logger='wb_print_log_test'):
        print_log('warned', logger=logger, level=logging.WARNING)
    assert any(r.message == 'warned' and r.levelno == logging.WARNING for r in caplog.records)
    with pytest.raises(TypeError, match='logger should be either a logging.Logger object, str, "silent" or None'):
        print_log('x', logger=3)


def test_log_file_handler_gives_each_run_its_own_file(tmp_path):
    from workbench.utils.logging import log_file_handler
    logger = get_logger('wb_test_runs', log_level=logging.WARNING)  # set up once, quieter than the runs want
    n_handlers = len(logger.handlers)
    for run in ('a', 'b'):
        with log_file_handler(logger, str(tmp_path / f'{run}.log')) as handler:
            assert handler in logger.handlers
            logger.info(f'run {run}')
        assert len(logger.handlers) == n_handlers and logger.level == logging.WARNING
    logger.info('after both runs')
    assert (tmp_path / 'a.log').read_text().rstrip().endswith('INFO - run a')
    assert 'run b' not in (tmp_path / 'a.log').read_text()
    assert (tmp_path / 'b.log').read_text().rstrip().endswith('INFO - run b')
    assert 'after both' not in (tmp_path / 'b.log').read_text()
