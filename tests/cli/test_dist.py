"""`workbench dist-train` / `dist-test`: the torchrun command, and a real 2-process gloo run on CPU whose gathered
test results equal the single-process ones."""
import os.path as osp
import shlex
import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.cli.conftest import run_main
from workbench import fileio

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_dist_train_command(monkeypatch):
    monkeypatch.delenv('PORT', raising=False)
    code, out, _ = run_main(['dist-train', 'cfg.py', '2', '--work-dir', 'wd', '--seed', '0', '--dry-run'])
    cmd = shlex.split(out.strip().splitlines()[-1])
    assert code == 0
    assert cmd[:3] == [sys.executable, '-m', 'torch.distributed.run']
    assert '--nproc_per_node=2' in cmd and '--master_port=29500' in cmd and '--nnodes=1' in cmd
    assert cmd[cmd.index('-m', 3):] == ['-m', 'workbench.cli', 'train', 'cfg.py', '--launcher', 'pytorch',
                                        '--work-dir', 'wd', '--seed', '0']


def test_dist_test_command_port_from_env(monkeypatch):
    monkeypatch.setenv('PORT', '29555')
    code, out, _ = run_main(['dist-test', 'cfg.py', 'ckpt.pth', '3', '--out', 'r.pkl', '--dry-run'])
    cmd = shlex.split(out.strip().splitlines()[-1])
    assert '--nproc_per_node=3' in cmd and '--master_port=29555' in cmd
    assert cmd[-7:] == ['test', 'cfg.py', 'ckpt.pth', '--launcher', 'pytorch', '--out', 'r.pkl']
    code, out, _ = run_main(['dist-test', 'cfg.py', 'ckpt.pth', '1', '--port', '1234', '--dry-run'])
    assert '--master_port=1234' in out


def test_launcher_is_not_forwarded_twice():
    code, _, err = run_main(['dist-train', 'cfg.py', '2', '--launcher', 'pytorch', '--dry-run'])
    assert code == 1 and '--launcher is set by dist-train' in err


@pytest.mark.parametrize('script,args,expected', [
    ('dist_train.sh', ['cfg.py', '2', '--no-validate'], 'workbench.cli train cfg.py --launcher pytorch --no-validate'),
    ('dist_test.sh', ['cfg.py', 'c.pth', '2', '--eval', 'bbox'],
     'workbench.cli test cfg.py c.pth --launcher pytorch --eval bbox'),
])
def test_shell_scripts_forward_to_the_cli(script, args, expected):
    out = subprocess.run(['bash', osp.join(ROOT, 'tools', script)] + args + ['--dry-run'], capture_output=True,
                         text=True, env=dict(PYTHON=sys.executable, PATH='/usr/bin:/bin', PORT='29600'))
    assert out.returncode == 0, out.stderr
    assert '--nproc_per_node=2' in out.stdout and '--master_port=29600' in out.stdout and expected in out.stdout


@pytest.mark.slow
def test_two_process_gloo_train_and_test(tested, tmp_path):
    work_dir = tmp_path / 'wd'
    code, out, err = run_main(['dist-train', tested['config'], '2', '--port', free_port(), '--work-dir', work_dir,
                               '--no-validate', '--seed', '0'])
    assert code == 0
    assert osp.isfile(work_dir / 'latest.pth')
    pkl = tmp_path / 'dist.pkl'
    code, out, err = run_main(['dist-test', tested['config'], tested['checkpoint'], '2', '--port', free_port(),
                               '--out', pkl])
    assert code == 0
    dist_results, single = fileio.load(str(pkl)), fileio.load(tested['results'])
    assert len(dist_results) == len(single) == 4
    for a, b in zip(dist_results, single):
        for ca, cb in zip(a, b):
            np.testing.assert_allclose(ca, cb, atol=1e-4)
