"""Session fixtures for the CLI end-to-end tests: one tiny shapes dataset + config, one `workbench train` run and
one `workbench test` run, shared by every test that needs a checkpoint, a log or a result pickle (tests that use
them are marked slow: the first one pays for the training)."""
import contextlib
import glob
import io
import os.path as osp

import pytest

from tests.cli.helpers import make_tiny_config
from workbench import cli


def run_main(argv):
    """``workbench <argv>`` in this process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope='session')
def tiny_config(tmp_path_factory):
    return make_tiny_config(tmp_path_factory.mktemp('cli_tiny'))


@pytest.fixture(scope='session')
def trained(tiny_config, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('cli_train') / 'work_dir')
    code, out, err = run_main(['train', tiny_config, '--work-dir', work_dir, '--seed', '0', '--deterministic'])
    assert code == 0, err
    logs = sorted(glob.glob(osp.join(work_dir, '*.log.json')))
    assert len(logs) == 1, glob.glob(osp.join(work_dir, '*'))
    return dict(config=tiny_config, work_dir=work_dir, checkpoint=osp.join(work_dir, 'latest.pth'), log_json=logs[0],
                stdout=out)


@pytest.fixture(scope='session')
def tested(trained, tmp_path_factory):
    root = tmp_path_factory.mktemp('cli_test')
    pkl, show_dir, eval_dir = str(root / 'results.pkl'), str(root / 'show'), str(root / 'eval')
    code, out, err = run_main(['test', trained['config'], trained['checkpoint'], '--out', pkl, '--eval', 'bbox',
                               '--show-dir', show_dir, '--work-dir', eval_dir])
    assert code == 0, err
    return dict(trained, results=pkl, show_dir=show_dir, eval_dir=eval_dir, stdout=out)
