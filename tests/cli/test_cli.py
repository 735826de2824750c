"""The workbench command line: subcommand plumbing, env, print-config, demo, and one-line errors."""
import json
import subprocess
import sys

import pytest

from workbench import cli


def run(argv, capsys):
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_subcommand_has_a_module_with_add_parser_and_run():
    import importlib
    for name in cli.SUBCOMMANDS:
        module = importlib.import_module(f'workbench.cli.{name.replace("-", "_")}')
        assert callable(module.add_parser) and callable(module.run)
    assert {'env', 'print-config', 'demo'} <= set(cli.SUBCOMMANDS)


def test_no_subcommand_prints_help(capsys):
    code, out, _ = run([], capsys)
    assert code == 2 and 'print-config' in out and 'env' in out


def test_env(capsys):
    code, out, _ = run(['env'], capsys)
    assert code == 0
    for key in ['Python:', 'PyTorch:', 'TorchVision:', 'CUDA available:', 'CuPy:', 'OpenCV:', 'workbench:']:
        assert key in out
    assert 'PyTorch compiling details' not in out


def test_print_config_with_cfg_options(capsys, tmp_path):
    cfg = tmp_path / 'c.py'
    cfg.write_text("_base_ = 'workbench::_base_/schedules/schedule_1x.py'\nmodel = dict(depth=50)\n")
    code, out, _ = run(['print-config', str(cfg), '--cfg-options', 'model.depth=101', 'lr_config.step=[7,9]'],
                       capsys)
    assert code == 0
    assert 'model = dict(depth=101)' in out and 'step=[7, 9]' in out and "optimizer = dict(type='SGD'" in out


def test_print_config_json_and_origins(capsys):
    code, out, _ = run(['print-config', 'workbench::_base_/schedules/schedule_2x.py', '--format', 'json'], capsys)
    assert code == 0 and json.loads(out)['runner'] == {'type': 'EpochBasedRunner', 'max_epochs': 24}
    code, out, _ = run(['print-config', 'workbench::_base_/schedules/schedule_2x.py', '--origins',
                        '--cfg-options', 'runner.max_epochs=3'], capsys)
    lines = dict(line.split(None, 1) for line in out.splitlines() if not line.startswith('#'))
    assert lines['runner.max_epochs'] == '--cfg-options' and lines['lr_config.step'].endswith('schedule_2x.py')


def test_errors_are_one_line_plus_hint(capsys, tmp_path):
    code, out, err = run(['print-config', str(tmp_path / 'missing.py')], capsys)
    lines = err.splitlines()
    assert code == 1 and out == ''
    assert lines[0].startswith('workbench print-config: error: FileNotFoundError: config file ')
    assert str(tmp_path / 'missing.py') in lines[0]
    assert lines[-1].startswith('hint: check the path') and len(lines) == 2
    bad = tmp_path / 'bad.py'
    bad.write_text('a = (\n')
    code, _, err = run(['print-config', str(bad)], capsys)
    assert code == 1 and f'{bad}, line 1' in err and err.splitlines()[-1].startswith('hint: fix the config file')


def test_key_error_message_has_no_extra_quotes(capsys, tmp_path):
    bad = tmp_path / 'ref.py'
    (tmp_path / 'base.py').write_text('a = 1\n')
    bad.write_text("_base_ = './base.py'\nb = {{ _base_.zz }}\n")
    code, _, err = run(['print-config', str(bad)], capsys)
    assert code == 1 and 'error: KeyError: ' + str(bad) in err


def test_debug_shows_the_exception(capsys, tmp_path):
    with pytest.raises(FileNotFoundError):
        cli.main(['print-config', str(tmp_path / 'missing.py'), '--debug'])
    with pytest.raises(FileNotFoundError):
        cli.main(['--debug', 'print-config', str(tmp_path / 'missing.py')])


def test_bad_cfg_options_are_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(['print-config', 'x.py', '--cfg-options', 'novalue'])
    assert info.value.code == 2 and "expected KEY=VALUE, got 'novalue'" in capsys.readouterr().err


def test_demo_tour(capsys):
    code, out, _ = run(['demo', '--tour'], capsys)
    assert code == 0
    for section in ['== environment', '== config', '== Config.diff(schedule_1x, schedule_2x)', '== model registry']:
        assert section in out
    assert '-    step=[8, 11])' in out and '+    step=[16, 22])' in out
    assert 'schedule_1x.py' in out


def test_console_script_entry_point():
    out = subprocess.run([sys.executable, '-m', 'workbench.cli', '--version'], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith('workbench ')
