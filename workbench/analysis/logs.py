"""Training-log analysis: ``log.json`` files (mmdet 2.x's JSON-lines format) into a DataFrame, curves, train time.

Each line of a ``*.log.json`` is a JSON object; the first usually holds ``env_info``/``config``/``seed`` (no
``epoch``) and is skipped. Train lines carry ``mode='train'``, ``epoch``, ``iter`` (within the epoch for
epoch-based runs), ``lr``, ``time``, ``data_time``, ``memory`` and the loss terms; evaluation lines carry
``mode='val'`` and the metrics (``bbox_mAP``, ...).

A resumed run writes a second log file whose first records may repeat iterations of the first; give both files the
same run name and the later record of a repeated (mode, epoch, iter) wins.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import numpy as np

PathLike = Union[str, Path]


def load_json_logs(paths: Union[PathLike, Sequence[PathLike]], run_names: Optional[Sequence[str]] = None):
    """Parse one or more ``log.json`` files into one long DataFrame.

    Columns: ``run``, ``mode``, ``epoch``, ``iter``, ``step`` (a monotonically increasing training iteration
    count, used as the x axis), then every logged key. ``run_names`` defaults to each file's stem; files sharing
    a run name are treated as one resumed run.
    """
    import pandas as pd

    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if run_names is None:
        run_names = [p.name.replace('.log.json', '').replace('.json', '') for p in paths]
    if len(run_names) != len(paths):
        raise ValueError(f'{len(run_names)} run names for {len(paths)} log files')
    records: List[Dict] = []
    for file_order, (path, run) in enumerate(zip(paths, run_names)):
        if not path.is_file():
            raise FileNotFoundError(f'log file not found: {path}')
        with open(path, encoding='utf-8') as f:
            for line_no, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    log = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValueError(f'{path}:{line_no}: not a JSON line ({e.msg})') from None
                if 'epoch' not in log and 'iter' not in log:
                    continue  # the env/config header
                log = dict(log)
                log.setdefault('mode', 'train')
                log['run'] = run
                log['_order'] = (file_order, line_no)
                records.append(log)
    if not records:
        return pd.DataFrame(columns=['run', 'mode', 'epoch', 'iter', 'step'])
    df = pd.DataFrame.from_records(records)
    for col in ('epoch', 'iter'):
        if col not in df:
            df[col] = 1
    df = df.sort_values('_order', kind='stable')
    # resumed runs repeat records: the last one wins
    df = df.drop_duplicates(subset=['run', 'mode', 'epoch', 'iter'], keep='last')
    df = df.drop(columns='_order').reset_index(drop=True)
    df['step'] = _global_steps(df)
    front = ['run', 'mode', 'epoch', 'iter', 'step']
    return df[front + [c for c in df.columns if c not in front]]


def _global_steps(df) -> np.ndarray:
    """A training-iteration x value for each record: for epoch-based logs, iterations of earlier epochs are added;
    val records sit at the end of their epoch; iter-based logs already count globally. The epoch length is the
    largest ``iter`` of any record: a val record carries the full epoch length, train records only the last logged
    iteration (so without evaluation records the x values are a lower bound when the log interval does not divide
    the epoch)."""
    steps = np.zeros(len(df), dtype=np.int64)
    for run, sub in df.groupby('run', sort=False):
        train = sub[sub['mode'] == 'train']
        epochs = sub['epoch'].astype(int)
        per_epoch = int(sub['iter'].max()) if len(sub) else 0
        iter_based = train['epoch'].nunique() <= 1 if len(train) else True
        if iter_based:
            s = sub['iter'].astype(np.int64).values
        else:
            s = ((epochs - 1) * per_epoch + np.where(sub['mode'] == 'train', sub['iter'], per_epoch)).values
        steps[sub.index.values] = s
    return steps


def cal_train_time(df_or_paths, include_outliers: bool = False):
    """Per-run training speed as mmdet's ``analyze_logs.py cal_train_time``.

    Returns ``(table, text)``: a DataFrame per run (slowest/fastest epoch, their mean iteration time, std over
    epochs, mean iteration time) and the text mmdet prints. The first iteration of each epoch is an outlier
    (data loader start-up) and is left out unless ``include_outliers``.
    """
    import pandas as pd

    df = df_or_paths if isinstance(df_or_paths, pd.DataFrame) else load_json_logs(df_or_paths)
    rows, lines = [], []
    for run, sub in df[(df['mode'] == 'train') & df.get('time', pd.Series(dtype=float)).notna()].groupby(
            'run', sort=False):
        per_epoch = []
        for _, ep in sub.groupby('epoch', sort=True):
            times = ep['time'].astype(float).values
            per_epoch.append(times if include_outliers else times[1:])
        per_epoch = [t for t in per_epoch if len(t)]
        if not per_epoch:
            raise ValueError(f'run {run}: no iteration times left; reduce the log interval or pass '
                             'include_outliers=True')
        epoch_means = np.array([t.mean() for t in per_epoch])
        slowest, fastest = int(epoch_means.argmax()), int(epoch_means.argmin())
        mean_iter = float(np.concatenate(per_epoch).mean())
        rows.append(dict(run=run, slowest_epoch=slowest + 1, slowest_time=float(epoch_means[slowest]),
                         fastest_epoch=fastest + 1, fastest_time=float(epoch_means[fastest]),
                         std_over_epochs=float(epoch_means.std()), avg_iter_time=mean_iter))
        lines += [f'-----Analyze train time of {run}-----',
                  f'slowest epoch {slowest + 1}, average time is {epoch_means[slowest]:.4f}',
                  f'fastest epoch {fastest + 1}, average time is {epoch_means[fastest]:.4f}',
                  f'time std over epochs is {epoch_means.std():.4f}',
                  f'average iter time: {mean_iter:.4f} s/iter']
    return pd.DataFrame(rows), '\n'.join(lines)


def plot_curve(df_or_paths, keys: Iterable[str] = ('loss',), runs: Optional[Sequence[str]] = None, ax=None,
               title: Optional[str] = None, smooth: int = 1):
    """Plot logged keys against the training step for one or more runs (eval metrics as markers at their epoch
    ends, so the evaluation interval is visible). ``smooth`` > 1 applies a running mean. Returns the Figure."""
    import matplotlib.pyplot as plt
    import pandas as pd

    df = df_or_paths if isinstance(df_or_paths, pd.DataFrame) else load_json_logs(df_or_paths)
    keys = [keys] if isinstance(keys, str) else list(keys)
    missing = [k for k in keys if k not in df.columns]
    if missing:
        available = sorted(c for c in df.columns if c not in ('run', 'mode', 'epoch', 'iter', 'step'))
        raise KeyError(f'{missing} not in the logs; available keys: {available}')
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    else:
        fig = ax.figure
    for run, sub in df.groupby('run', sort=False):
        if runs is not None and run not in runs:
            continue
        for key in keys:
            pts = sub[sub[key].notna()]
            if pts.empty:
                continue
            is_eval = (pts['mode'] != 'train').all()
            y = pts[key].astype(float)
            if smooth > 1 and not is_eval:
                y = y.rolling(smooth, min_periods=1).mean()
            label = f'{run}: {key}' if df['run'].nunique() > 1 else key
            if is_eval:
                ax.plot(pts['step'], y, marker='o', ls='--', label=label)
            else:
                ax.plot(pts['step'], y, label=label)
    ax.set_xlabel('iteration')
    ax.set_ylabel(', '.join(keys))
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
