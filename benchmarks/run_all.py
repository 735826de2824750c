"""Run the whole benchmark suite and write a combined CSV and a Markdown report.

    python benchmarks/run_all.py [--quick] [--only ops,inference,...] [--out-dir DIR] [--threads N]

Runs, each in its own process: ops.py (CPU, plus CUDA when a GPU is present), inference.py, train_step.py,
data_pipeline.py, evaluation.py. Each writes its CSV into --out-dir; this script then writes
``combined.csv`` (one row per result, a ``benchmark`` column first, the union of all columns) and ``results.md``
(machine description, date, commit, one table per benchmark). With default settings the suite is sized to finish
in under 20 minutes on 2 idle CPU cores; --quick is a smoke run of a few minutes.
"""
from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _common as C  # noqa: E402

BENCHMARKS = ('ops', 'inference', 'train_step', 'data_pipeline', 'evaluation')


def command(name, out_dir, quick, threads):
    py = [sys.executable, str(HERE / f'{name}.py')]
    if name == 'ops':
        import torch
        device = 'all' if torch.cuda.is_available() else 'cpu'
        cmd = py + ['--device', device, '--csv', str(out_dir / 'ops.csv')]
        if quick:
            cmd += ['--quick', '--repeat', '1']
    else:
        cmd = py + ['--out-dir', str(out_dir)]
        if quick:
            cmd.append('--quick')
    if threads:
        cmd += ['--threads', str(threads)]
    return cmd


def read_csv(path):
    with open(path, newline='') as f:
        return list(csv.DictReader(f))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out-dir', default=str(C.DEFAULT_OUT))
    p.add_argument('--only', default=','.join(BENCHMARKS), help='comma-separated subset of ' + ','.join(BENCHMARKS))
    p.add_argument('--quick', action='store_true', help='smoke run: tiny sizes, one repeat')
    p.add_argument('--threads', type=int, default=0, help='torch CPU threads in every benchmark (0 = default)')
    p.add_argument('--combine-only', action='store_true',
                   help='run nothing: combine the CSVs already in --out-dir (e.g. of benchmarks run one by one)')
    args = p.parse_args(argv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = [n for n in args.only.split(',') if n]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f'--only: unknown benchmark(s) {unknown}; choose from {BENCHMARKS}')
    info = C.machine_info()
    print('machine:', ', '.join(f'{k}={v}' for k, v in info.items()), flush=True)
    t_start = time.perf_counter()
    status = {}
    for name in names:
        script = HERE / f'{name}.py'
        if args.combine_only:
            status[name] = ('ok', float('nan'))
            continue
        if not script.exists():
            status[name] = ('missing', 0.0)
            print(f'--- {name}: {script} does not exist, skipped', flush=True)
            continue
        cmd = command(name, out_dir, args.quick, args.threads)
        print(f'--- {name}: {" ".join(cmd)}', flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd)
        dt = time.perf_counter() - t0
        status[name] = ('ok' if rc == 0 else f'failed (exit {rc})', dt)
        print(f'--- {name}: {status[name][0]} in {dt:.0f} s', flush=True)
    total = time.perf_counter() - t_start

    combined, columns, sections = [], ['benchmark'], []
    for name in names:
        path = out_dir / f'{name}.csv'
        if status.get(name, ('',))[0] != 'ok' or not path.exists():
            sections.append(f'## {name}\n\n{status.get(name, ("not run",))[0]}\n')
            continue
        rows = read_csv(path)
        cols = list(rows[0].keys()) if rows else []
        for c in cols:
            if c not in columns:
                columns.append(c)
        combined += [dict(benchmark=name, **r) for r in rows]
        took = '' if args.combine_only else f'\n\n({status[name][1]:.0f} s)'
        sections.append(f'## {name}\n\n{C.markdown_table(rows, cols)}{took}\n')
    C.write_csv(out_dir / 'combined.csv', combined, columns)
    md = ['# Benchmark results', '',
          f'- date: {info["date"]}', f'- commit: {info["commit"]}',
          f'- CPU: {info["cpu"]}, {info["cores"]} cores, torch threads {info["torch_threads"]}',
          f'- CUDA device: {info["cuda_device"]}',
          f'- torch {info["torch"]}, torchvision {info["torchvision"]}, Python {info["python"]}',
          '- mode: ' + ('combined from separate runs' if args.combine_only else
                        ('quick (smoke)' if args.quick else 'default'))
          + ('' if args.combine_only else f'; total wall time {total:.0f} s'), '']
    (out_dir / 'results.md').write_text('\n'.join(md + sections))
    print(f'wrote {out_dir / "results.md"} (total {total:.0f} s)')
    failed = [n for n, (s, _) in status.items() if s not in ('ok', 'missing')]
    if failed:
        raise SystemExit(f'benchmarks failed: {failed}')


if __name__ == '__main__':
    main()
