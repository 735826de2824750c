"""`workbench dataset-stats CONFIG --out-dir DIR`: per-class counts agree with the annotation file; anchor
coverage is reported."""
import json
import os.path as osp
from collections import Counter

import pandas as pd

from tests.cli.conftest import run_main


def test_dataset_stats(tiny_config, tmp_path):
    code, out, err = run_main(['dataset-stats', tiny_config, '--out-dir', tmp_path])
    assert code == 0, err
    ann = json.load(open(osp.join(osp.dirname(tiny_config), 'shapes', 'annotations', 'instances_train.json')))
    names = {c['id']: c['name'] for c in ann['categories']}
    expected = Counter(names[a['category_id']] for a in ann['annotations'])
    per_class = pd.read_csv(tmp_path / 'per_class.csv').set_index('class_name')
    assert per_class.instances.to_dict() == {n: expected.get(n, 0) for n in names.values()}
    boxes = pd.read_csv(tmp_path / 'boxes.csv')
    assert len(boxes) == len(ann['annotations']) and boxes.best_anchor_iou.between(0, 1).all()
    summary = json.load(open(tmp_path / 'summary.json'))
    assert summary['images'] == len(ann['images']) == 8
    assert summary['img_scale'] == [96, 72]
    assert summary['covered_fraction'] == boxes.covered.mean()
    assert (tmp_path / 'dataset_stats.png').stat().st_size > 0
    assert '% of the boxes have an anchor with IoU >= 0.5' in out
