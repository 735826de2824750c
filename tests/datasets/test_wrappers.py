import math
import pickle

import numpy as np
import pytest

from workbench.datasets import (ClassBalancedDataset, ConcatDataset, CustomDataset, MultiImageMixDataset,
                                RepeatDataset, build_dataset)
from workbench.registry import PIPELINES


def write_middle(tmp_path, name, label_sets, sizes=None):
    infos = []
    for i, labels in enumerate(label_sets):
        w, h = sizes[i] if sizes else (64, 48)
        n = len(labels)
        infos.append(dict(filename=f'{name}_{i}.png', width=w, height=h,
                          ann=dict(bboxes=np.tile(np.array([[1, 1, 10, 10]], np.float32), (n, 1)),
                                   labels=np.array(labels, np.int64))))
    path = tmp_path / f'{name}.pkl'
    path.write_bytes(pickle.dumps(infos))
    return str(path)


def custom(path, **kw):
    return CustomDataset(ann_file=path, pipeline=[], classes=('a', 'b', 'c'), test_mode=True, **kw)


def test_repeat_dataset(tmp_path):
    ds = custom(write_middle(tmp_path, 'x', [[0], [1, 2], [2]], [(64, 48), (40, 60), (64, 48)]))
    rep = RepeatDataset(ds, 3)
    assert len(rep) == 9 and rep.CLASSES == ds.CLASSES
    np.testing.assert_array_equal(rep.flag, np.tile(ds.flag, 3))
    assert rep.get_cat_ids(4) == [1, 2] and rep[7]['img_info']['filename'] == 'x_1.png'
    np.testing.assert_array_equal(rep.get_ann_info(5)['labels'], [2])


def test_class_balanced_repeat_factors(tmp_path):
    # 'a' in 4 of 5 images, 'c' in 1 of 5: with thr 0.5, r(c) = sqrt(0.5 / 0.2) = 1.58 -> 2 copies
    ds = custom(write_middle(tmp_path, 'x', [[0], [0], [0], [0, 2], [1]]))
    cbd = ClassBalancedDataset(ds, oversample_thr=0.5)
    r_c = math.sqrt(0.5 / 0.2)
    r_b = math.sqrt(0.5 / 0.2)
    assert cbd.repeat_factors == pytest.approx([1, 1, 1, r_c, r_b])
    assert cbd.repeat_indices == [0, 1, 2, 3, 3, 4, 4]
    assert len(cbd) == 7 and cbd.get_cat_ids(4) == [0, 2] and len(cbd.flag) == 7
    # images without objects count as a pseudo-class when filter_empty_gt=False
    ds2 = custom(write_middle(tmp_path, 'y', [[0], [0], [0], []]))
    assert ClassBalancedDataset(ds2, 0.5).repeat_indices == [0, 1, 2, 3]
    assert ClassBalancedDataset(ds2, 0.5, filter_empty_gt=False).repeat_indices == [0, 1, 2, 3, 3]


def test_concat_dataset_and_separate_eval(tmp_path):
    a = custom(write_middle(tmp_path, 'a', [[0], [1]], [(64, 48), (40, 60)]))
    b = custom(write_middle(tmp_path, 'b', [[2]]))
    cat = ConcatDataset([a, b])
    assert len(cat) == 3 and cat.get_cat_ids(2) == [2] and cat.get_cat_ids(-1) == [2]
    np.testing.assert_array_equal(cat.flag, [1, 0, 1])
    box = np.array([[1, 1, 10, 10, 0.9]], np.float32)
    empty = np.zeros((0, 5), np.float32)
    results = [[box, empty, empty], [empty, box, empty], [empty, empty, box]]
    sep = cat.evaluate(results, logger='silent')
    assert set(sep) == {'0_AP50', '0_mAP', '1_AP50', '1_mAP'} and sep['1_mAP'] == pytest.approx(1.0)
    whole = ConcatDataset([a, b], separate_eval=False).evaluate(results, logger='silent')
    assert whole['mAP'] == pytest.approx(1.0) and len(a.data_infos) == 2  # restored
    with pytest.raises(ValueError, match='2 results for a ConcatDataset of 3'):
        cat.evaluate(results[:2])


def test_concat_rejects_whole_coco_eval(tmp_path):
    from tests.datasets.helpers import basic_coco
    from workbench.datasets import CocoDataset
    ann, prefix = basic_coco(str(tmp_path))
    coco = CocoDataset(ann_file=ann, pipeline=[], classes=('a', 'b', 'c'), test_mode=True)
    with pytest.raises(NotImplementedError, match='separate_eval=True'):
        ConcatDataset([coco, coco], separate_eval=False)


@PIPELINES.register_module(force=True)
class _PairUp:
    """Test transform: records the indices of a mixed-in item (needs MultiImageMixDataset)."""

    def get_indexes(self, dataset):
        return 0

    def __call__(self, results):
        results['mixed_with'] = [r['img_info']['filename'] for r in results['mix_results']]
        return results


@PIPELINES.register_module(force=True)
class _Tag:
    def __call__(self, results):
        results['tagged'] = True
        return results


def test_multi_image_mix_dataset(tmp_path):
    ds = custom(write_middle(tmp_path, 'x', [[0], [1]]))
    mix = MultiImageMixDataset(ds, [dict(type='_PairUp'), dict(type='_Tag')])
    out = mix[1]
    assert out['mixed_with'] == ['x_0.png'] and out['tagged'] and 'mix_results' not in out
    assert len(mix) == 2 and mix.get_cat_ids(1) == [1]
    mix.update_skip_type_keys(['_Tag'])
    assert 'tagged' not in mix[1]
    with pytest.raises(TypeError, match='config dicts'):
        MultiImageMixDataset(ds, [_Tag()])


def test_build_dataset_variants(tmp_path):
    pa = write_middle(tmp_path, 'a', [[0], [1]])
    pb = write_middle(tmp_path, 'b', [[2]])
    base = dict(type='CustomDataset', pipeline=[], classes=('a', 'b', 'c'), test_mode=True)
    assert isinstance(build_dataset(dict(base, ann_file=pa)), CustomDataset)
    multi = build_dataset(dict(base, ann_file=[pa, pb], separate_eval=False))
    assert isinstance(multi, ConcatDataset) and len(multi) == 3 and not multi.separate_eval
    lst = build_dataset([dict(base, ann_file=pa), dict(base, ann_file=pb)])
    assert isinstance(lst, ConcatDataset) and lst.separate_eval
    rep = build_dataset(dict(type='RepeatDataset', times=2, dataset=dict(base, ann_file=pa)))
    assert isinstance(rep, RepeatDataset) and len(rep) == 4
    cbd = build_dataset(dict(type='ClassBalancedDataset', oversample_thr=1e-3, dataset=dict(base, ann_file=pa)))
    assert isinstance(cbd, ClassBalancedDataset)
    cc = build_dataset(dict(type='ConcatDataset', datasets=[dict(base, ann_file=pa), dict(base, ann_file=pb)],
                            separate_eval=False))
    assert not cc.separate_eval
    mix = build_dataset(dict(type='MultiImageMixDataset', dataset=dict(base, ann_file=pa),
                             pipeline=[dict(type='_Tag')]))
    assert isinstance(mix, MultiImageMixDataset) and mix[0]['tagged']
    with pytest.raises(ValueError, match='img_prefix has 1 entries but ann_file has 2'):
        build_dataset(dict(base, ann_file=[pa, pb], img_prefix=['x']))
    with pytest.raises(KeyError, match='type'):
        build_dataset(dict(ann_file=pa))
