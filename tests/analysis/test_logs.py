import json

import numpy as np
import pytest

from workbench.analysis.logs import cal_train_time, load_json_logs, plot_curve


def write_log(path, epochs, iters, times, start_epoch=1, with_val=True):
    lines = [json.dumps(dict(env_info='x', config='y', seed=0))]
    t = iter(times)
    for e in range(start_epoch, start_epoch + epochs):
        for i in iters:
            lines.append(json.dumps(dict(mode='train', epoch=e, iter=i, lr=0.01, time=next(t), data_time=0.1,
                                         loss=1.0 / (e * i))))
        if with_val:
            lines.append(json.dumps(dict(mode='val', epoch=e, iter=iters[-1], lr=0.01, bbox_mAP=0.1 * e)))
    path.write_text('\n'.join(lines) + '\n')
    return path


def test_load_and_steps(tmp_path):
    log = write_log(tmp_path / 'a.log.json', epochs=2, iters=[50, 100], times=[1, 2, 3, 4])
    df = load_json_logs(log)
    assert list(df[df['mode'] == 'train'].step) == [50, 100, 150, 200]
    assert list(df[df['mode'] == 'val'].step) == [100, 200]
    assert list(df[df['mode'] == 'val'].bbox_mAP) == pytest.approx([0.1, 0.2])
    assert set(df.run) == {'a'}


def test_epoch_length_from_val_records(tmp_path):
    # 38 iterations per epoch, logged every 10: only the val record knows the epoch length
    lines = [dict(mode='train', epoch=e, iter=i, time=0.1, loss=1.0) for e in (1, 2) for i in (10, 20, 30)]
    lines.insert(3, dict(mode='val', epoch=1, iter=38, bbox_mAP=0.1))
    log = tmp_path / 'v.log.json'
    log.write_text('\n'.join(json.dumps(x) for x in lines))
    df = load_json_logs(log)
    assert list(df[df['mode'] == 'train'].step) == [10, 20, 30, 48, 58, 68]
    assert list(df[df['mode'] == 'val'].step) == [38]


def test_resumed_run_deduplicates(tmp_path):
    first = write_log(tmp_path / 'r1.log.json', epochs=2, iters=[50, 100], times=[1, 2, 3, 4])
    # resumed from epoch 2: epoch 2 is logged again with new values, epoch 3 is new
    second = write_log(tmp_path / 'r2.log.json', epochs=2, iters=[50, 100], times=[5, 6, 7, 8], start_epoch=2)
    df = load_json_logs([first, second], run_names=['run', 'run'])
    train = df[df['mode'] == 'train']
    assert list(train.epoch) == [1, 1, 2, 2, 3, 3]
    assert list(train.time) == [1, 2, 5, 6, 7, 8]


def test_cal_train_time_matches_mmdet_formula(tmp_path):
    times = [9.0, 1.0, 1.2, 9.0, 2.0, 2.2]  # first iteration of each epoch is an outlier
    log = write_log(tmp_path / 'exp.log.json', epochs=2, iters=[1, 2, 3], times=times)
    table, text = cal_train_time(log)
    row = table.iloc[0]
    assert row.slowest_epoch == 2 and row.slowest_time == pytest.approx(2.1)
    assert row.fastest_epoch == 1 and row.fastest_time == pytest.approx(1.1)
    assert row.std_over_epochs == pytest.approx(0.5)
    assert row.avg_iter_time == pytest.approx(1.6)
    assert text.splitlines() == ['-----Analyze train time of exp-----',
                                 'slowest epoch 2, average time is 2.1000',
                                 'fastest epoch 1, average time is 1.1000',
                                 'time std over epochs is 0.5000',
                                 'average iter time: 1.6000 s/iter']
    table, _ = cal_train_time(log, include_outliers=True)
    assert table.iloc[0].avg_iter_time == pytest.approx(np.mean(times))


def test_plot_curve_and_errors(tmp_path):
    import matplotlib
    matplotlib.use('Agg')
    a = write_log(tmp_path / 'a.log.json', epochs=2, iters=[50, 100], times=[1, 2, 3, 4])
    b = write_log(tmp_path / 'b.log.json', epochs=2, iters=[50, 100], times=[1, 2, 3, 4])
    fig = plot_curve([a, b], keys=['loss', 'bbox_mAP'])
    assert len(fig.axes[0].lines) == 4
    with pytest.raises(KeyError, match="available keys"):
        plot_curve(a, keys=['los'])
    bad = tmp_path / 'bad.log.json'
    bad.write_text('{"mode": "train", "epoch": 1, "iter": 1}\nnot json\n')
    with pytest.raises(ValueError, match='bad.log.json:2'):
        load_json_logs(bad)
