"""``CustomDataset``: the base dataset of the middle annotation format.

Middle format (a list, one dict per image)::

    {'filename': 'a.jpg', 'width': 1280, 'height': 720,
     'ann': {'bboxes': float32 (n, 4) x1y1x2y2, 'labels': int64 (n,),
             'bboxes_ignore': float32 (k, 4), 'labels_ignore': int64 (k,), 'masks': optional}}

Subclasses override ``load_annotations`` and ``get_ann_info`` (COCO, VOC, ...). Items go through the pipeline as
``results = dict(img_info=..., ann_info=..., img_prefix=..., seg_prefix=..., proposal_file=..., bbox_fields=[],
mask_fields=[], seg_fields=[])``.

Robustness: bad annotations (negative-size boxes, unknown labels / category ids) raise a ``ValueError`` naming the
file and image; with ``skip_invalid=True`` they are dropped instead, unreadable images (missing, empty, corrupt)
are dropped as well, and ONE warning lists everything dropped (also kept in ``dataset.invalid_items``).
"""
import os.path as osp
import warnings
from collections import OrderedDict

import numpy as np
from torch.utils.data import Dataset

from ..evaluation.dataframes import map_results_to_dataframe
from ..evaluation.logging_utils import ascii_table, print_log
from ..evaluation.mean_ap import eval_map
from ..evaluation.recall import eval_recalls
from ..registry import DATASETS
from .pipelines import Compose
from .utils import InvalidItem, format_items, image_decode_problem, image_problem, list_from_file, load_file


class DataItemError(RuntimeError):
    """An item of a dataset could not be prepared; the message names the image file and id."""


@DATASETS.register_module()
class CustomDataset(Dataset):
    """Base detection dataset (mmdet 2.x semantics).

    Args:
        ann_file: annotation file (middle format as .pkl/.json for this class).
        pipeline: list of transform configs (built with ``Compose``).
        classes: class names (tuple/list) or a text file with one name per line; None keeps ``CLASSES``.
        data_root: joined in front of relative ``ann_file``, ``img_prefix``, ``seg_prefix``, ``proposal_file``.
        img_prefix, seg_prefix, seg_suffix, proposal_file: where images / seg maps / proposals are.
        test_mode: no filtering, items without annotations.
        filter_empty_gt: in training, drop images without (kept-class) gt.
        file_client_args: passed on to the loading transforms through the pipeline configs.
        skip_invalid: drop invalid annotations and unreadable images (with one warning) instead of raising.
    """

    CLASSES = None
    PALETTE = None

    def __init__(self, ann_file, pipeline, classes=None, data_root=None, img_prefix='', seg_prefix=None,
                 seg_suffix='.png', proposal_file=None, test_mode=False, filter_empty_gt=True,
                 file_client_args=dict(backend='disk'), skip_invalid=False):  # noqa: B006 - mmdet signature
        self.ann_file = ann_file
        self.data_root = data_root
        self.img_prefix = img_prefix
        self.seg_prefix = seg_prefix
        self.seg_suffix = seg_suffix
        self.proposal_file = proposal_file
        self.test_mode = test_mode
        self.filter_empty_gt = filter_empty_gt
        self.file_client_args = dict(file_client_args)
        self.skip_invalid = skip_invalid
        self.invalid_items = []
        self.eval_dataframes = {}
        self.CLASSES = self.get_classes(classes)

        if self.data_root is not None:
            join = lambda p: p if (p is None or osp.isabs(p)) else osp.join(self.data_root, p)  # noqa: E731
            if isinstance(self.ann_file, str):
                self.ann_file = join(self.ann_file)
            self.img_prefix = join(self.img_prefix)
            self.seg_prefix = join(self.seg_prefix)
            self.proposal_file = join(self.proposal_file)

        self.data_infos = self.load_annotations(self.ann_file)
        self.proposals = self.load_proposals(self.proposal_file) if self.proposal_file is not None else None
        if self.proposals is not None and len(self.proposals) != len(self.data_infos):
            raise ValueError(f"proposal file '{self.proposal_file}' has {len(self.proposals)} entries but "
                             f"'{self.ann_file}' has {len(self.data_infos)} images")
        self._check_and_drop_invalid()

        if not test_mode:
            valid_inds = self._filter_imgs()
            self._keep_images(valid_inds)
            if len(self.data_infos) == 0:
                raise ValueError(
                    f"{type(self).__name__}: no training image left in '{self.ann_file}' after filtering "
                    f'(filter_empty_gt={filter_empty_gt}, images smaller than 32 px dropped, classes={self.CLASSES})')
        self._set_group_flag()

        self.pipeline = Compose(pipeline)

    # ------------------------------------------------------------------ loading
    def __len__(self):
        return len(self.data_infos)

    def load_annotations(self, ann_file):
        infos = load_file(ann_file)
        if not isinstance(infos, list):
            raise ValueError(f"middle-format annotation file '{ann_file}' must hold a list of image dicts, "
                             f'got {type(infos).__name__}')
        for i, info in enumerate(infos):
            for key in ('filename', 'width', 'height'):
                if key not in info:
                    raise ValueError(f"'{ann_file}': image entry {i} has no '{key}' (keys: {sorted(info)})")
        return infos

    def load_proposals(self, proposal_file):
        return load_file(proposal_file)

    def get_ann_info(self, idx):
        return self.data_infos[idx]['ann']

    def get_cat_ids(self, idx):
        """Category ids (here: labels) of the objects of image ``idx`` (used by ClassBalancedDataset)."""
        return self.data_infos[idx]['ann']['labels'].astype(np.int64).tolist()

    def _image_id(self, idx):
        info = self.data_infos[idx]
        return info.get('id', idx)

    def _img_path(self, idx):
        filename = self.data_infos[idx]['filename']
        return osp.join(self.img_prefix, filename) if self.img_prefix else filename

    # ------------------------------------------------------------------ validation / skip_invalid
    def _find_invalid_annotations(self):
        """Problems in the middle-format annotations: negative-size boxes, labels outside the classes."""
        items = []
        num_classes = len(self.CLASSES) if self.CLASSES is not None else None
        for i, info in enumerate(self.data_infos):
            ann = info.get('ann')
            if ann is None:
                continue
            for box_key, label_key in (('bboxes', 'labels'), ('bboxes_ignore', 'labels_ignore')):
                boxes = ann.get(box_key)
                if boxes is None:
                    continue
                boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
                labels = ann.get(label_key)
                for r, b in enumerate(boxes):
                    if b[2] < b[0] or b[3] < b[1]:
                        items.append(InvalidItem('annotation', info['filename'], info.get('id', i),
                                                 f'{box_key}[{r}] = {b.tolist()} has negative size', i,
                                                 (box_key, r)))
                    elif labels is not None and num_classes is not None and r < len(labels) and \
                            not 0 <= int(labels[r]) < num_classes:
                        items.append(InvalidItem('annotation', info['filename'], info.get('id', i),
                                                 f'{label_key}[{r}] = {int(labels[r])} is not a class index '
                                                 f'(0..{num_classes - 1})', i, (box_key, r)))
        return items

    def _drop_annotations(self, items):
        """Remove the rows named by ``items`` from the middle-format arrays."""
        by_img = {}
        for it in items:
            by_img.setdefault(it.index, []).append(it.key)
        for i, keys in by_img.items():
            ann = dict(self.data_infos[i]['ann'])
            for box_key, label_key in (('bboxes', 'labels'), ('bboxes_ignore', 'labels_ignore')):
                rows = {r for k, r in keys if k == box_key}
                if not rows or ann.get(box_key) is None:
                    continue
                boxes = np.asarray(ann[box_key], dtype=np.float32).reshape(-1, 4)
                keep = np.array([r not in rows for r in range(len(boxes))], dtype=bool)
                ann[box_key] = boxes[keep]
                if ann.get(label_key) is not None:
                    ann[label_key] = np.asarray(ann[label_key])[keep]
                if box_key == 'bboxes' and ann.get('masks') is not None:
                    ann['masks'] = [m for m, k in zip(ann['masks'], keep) if k]
            self.data_infos[i] = dict(self.data_infos[i], ann=ann)

    def _find_unreadable_images(self):
        items = []
        for i in range(len(self.data_infos)):
            path = self._img_path(i)
            problem = image_problem(path)
            if problem is not None:
                items.append(InvalidItem('image', path, self._image_id(i), problem, i))
        return items

    def _keep_images(self, keep_inds):
        """Keep only the images at ``keep_inds`` (in data_infos, proposals and subclass id lists)."""
        keep_inds = list(keep_inds)
        self.data_infos = [self.data_infos[i] for i in keep_inds]
        if self.proposals is not None:
            self.proposals = [self.proposals[i] for i in keep_inds]

    def _check_and_drop_invalid(self):
        bad_anns = self._find_invalid_annotations()
        if bad_anns and not self.skip_invalid:
            raise ValueError(f"{type(self).__name__}: {len(bad_anns)} invalid annotation(s) in '{self.ann_file}':\n"
                             f'{format_items(bad_anns, limit=20)}\n'
                             'Fix the annotation file, or pass skip_invalid=True to drop them with a warning.')
        if bad_anns:
            self._drop_annotations(bad_anns)
        bad_imgs = self._find_unreadable_images() if self.skip_invalid else []
        if bad_imgs:
            bad = {it.index for it in bad_imgs}
            self._keep_images([i for i in range(len(self.data_infos)) if i not in bad])
        dropped = bad_anns + bad_imgs
        if dropped:
            self.invalid_items = dropped
            warnings.warn(
                f"{type(self).__name__} ('{self.ann_file}'): skip_invalid=True dropped {len(bad_anns)} "
                f'annotation(s) and {len(bad_imgs)} image(s):\n{format_items(dropped)}', UserWarning, stacklevel=3)

    # ------------------------------------------------------------------ filtering and grouping
    def _filter_imgs(self, min_size=32):
        """Indices of images at least ``min_size`` on their short side (empty-gt filtering: subclasses)."""
        if self.filter_empty_gt:
            warnings.warn('CustomDataset does not support filtering empty gt images.')
        return [i for i, info in enumerate(self.data_infos) if min(info['width'], info['height']) >= min_size]

    def _set_group_flag(self):
        """flag 1 for landscape (w / h > 1) images, 0 otherwise: GroupSampler batches images of one flag."""
        self.flag = np.zeros(len(self), dtype=np.uint8)
        for i, info in enumerate(self.data_infos):
            if info['width'] / info['height'] > 1:
                self.flag[i] = 1

    def _rand_another(self, idx):
        """A random index of the same aspect group, avoiding images found unreadable at run time."""
        bad = {it.index for it in self.invalid_items if it.at_runtime}
        pool = [i for i in np.where(self.flag == self.flag[idx])[0] if i not in bad]
        if not pool:  # the whole group is unreadable: fall back to any readable image
            pool = [i for i in range(len(self)) if i not in bad]
        if not pool:
            raise DataItemError(f"{type(self).__name__} ('{self.ann_file}'): no readable image left")
        return np.random.choice(pool)

    # ------------------------------------------------------------------ items
    def pre_pipeline(self, results):
        results['img_prefix'] = self.img_prefix
        results['seg_prefix'] = self.seg_prefix
        results['proposal_file'] = self.proposal_file
        results['bbox_fields'] = []
        results['mask_fields'] = []
        results['seg_fields'] = []

    def __getitem__(self, idx):
        if self.test_mode:
            return self.prepare_test_img(idx)
        while True:
            data = self.prepare_train_img(idx)
            if data is None:
                idx = self._rand_another(idx)
                continue
            return data

    def prepare_train_img(self, idx):
        results = dict(img_info=self.data_infos[idx], ann_info=self.get_ann_info(idx))
        if self.proposals is not None:
            results['proposals'] = self.proposals[idx]
        self.pre_pipeline(results)
        return self._run_pipeline(idx, results)

    def prepare_test_img(self, idx):
        results = dict(img_info=self.data_infos[idx])
        if self.proposals is not None:
            results['proposals'] = self.proposals[idx]
        self.pre_pipeline(results)
        return self._run_pipeline(idx, results)

    def _run_pipeline(self, idx, results):
        try:
            return self.pipeline(results)
        except Exception as e:
            path = self._img_path(idx)
            problem = image_decode_problem(path) if not path.startswith(('http://', 'https://', 's3://')) else None
            where = f"{type(self).__name__}[{idx}] (image id {self._image_id(idx)}, file '{path}')"
            if problem is not None and self.skip_invalid and not self.test_mode:
                item = InvalidItem('image', path, self._image_id(idx), problem, idx, at_runtime=True)
                if all(it.filename != path for it in self.invalid_items):
                    self.invalid_items.append(item)
                    warnings.warn(f'{where}: {problem}; skipped (skip_invalid=True), another image is used',
                                  UserWarning, stacklevel=3)
                return None
            if problem is not None:
                raise DataItemError(f'{where}: {problem}') from e
            # not the image's fault (a transform or annotation problem): keep the exception type, say where
            if hasattr(e, 'add_note'):
                e.add_note(f'while preparing {where}')
            raise

    # ------------------------------------------------------------------ classes
    @classmethod
    def get_classes(cls, classes=None):
        """Class names from ``classes`` (a tuple or list, kept as given, or a text file with one name per line,
        returned as a list); None -> CLASSES."""
        if classes is None:
            return cls.CLASSES
        if isinstance(classes, str):
            return list_from_file(classes)
        if isinstance(classes, (tuple, list)):
            return classes
        raise ValueError(f'classes must be a tuple/list of names or a file path, got {type(classes).__name__}')

    def get_cat2imgs(self):
        """{label: [image indices containing it]}."""
        if self.CLASSES is None:
            raise ValueError('get_cat2imgs needs the class names (CLASSES or classes=...)')
        cat2imgs = {i: [] for i in range(len(self.CLASSES))}
        for i in range(len(self)):
            for cat in set(self.get_cat_ids(i)):
                cat2imgs[cat].append(i)
        return cat2imgs

    # ------------------------------------------------------------------ evaluation
    def format_results(self, results, **kwargs):
        """Nothing to convert for the middle format (subclasses write submission files)."""
        return results, None

    def evaluate(self, results, metric='mAP', logger=None, proposal_nums=(100, 300, 1000), iou_thr=0.5,
                 scale_ranges=None, eval_mode='area', nproc=1):
        """VOC-style evaluation: metric 'mAP' (per IoU threshold, keys 'AP50', ..., 'mAP') or 'recall'
        ('recall@{num}@{iou}', 'AR@{num}'). Per-class tables are kept in ``self.eval_dataframes``."""
        if not isinstance(metric, str):
            if len(metric) != 1:
                raise ValueError(f'{type(self).__name__}.evaluate takes one metric, got {metric}')
            metric = metric[0]
        if metric not in ('mAP', 'recall'):
            raise KeyError(f"metric {metric!r} is not supported by {type(self).__name__}; use 'mAP' or 'recall'")
        if len(results) != len(self):
            raise ValueError(f'{len(results)} results for a dataset of {len(self)} images')
        annotations = [self.get_ann_info(i) for i in range(len(self))]
        eval_results = OrderedDict()
        iou_thrs = [iou_thr] if isinstance(iou_thr, float) else list(iou_thr)
        if metric == 'mAP':
            mean_aps = []
            for thr in iou_thrs:
                print_log(f'\n{"-" * 15}iou_thr: {thr}{"-" * 15}', logger=logger)
                mean_ap, per_class = eval_map(results, annotations, scale_ranges=scale_ranges, iou_thr=thr,
                                              dataset=self.CLASSES, logger=logger, eval_mode=eval_mode,
                                              nproc=nproc, **self._eval_map_kwargs())
                mean_aps.append(mean_ap)
                eval_results[f'AP{int(thr * 100):02d}'] = round(mean_ap, 3)
                self.eval_dataframes[f'mAP@{thr}'] = map_results_to_dataframe(per_class, self.CLASSES,
                                                                              scale_ranges)
            eval_results['mAP'] = sum(mean_aps) / len(mean_aps)
        else:
            gt_bboxes = [ann['bboxes'] for ann in annotations]
            recalls = eval_recalls(gt_bboxes, results, proposal_nums, iou_thrs, logger=logger,
                                   **self._eval_recall_kwargs())
            for i, num in enumerate(proposal_nums):
                for j, iou in enumerate(iou_thrs):
                    eval_results[f'recall@{num}@{iou}'] = recalls[i, j]
            if recalls.shape[1] > 1:
                for i, num in enumerate(proposal_nums):
                    eval_results[f'AR@{num}'] = recalls[i].mean()
        return eval_results

    def _eval_map_kwargs(self):
        return {}

    def _eval_recall_kwargs(self):
        return {}

    def __repr__(self):
        kind = 'Test' if self.test_mode else 'Train'
        head = f'\n{type(self).__name__} {kind} dataset with number of images {len(self)}, and instance counts: \n'
        if self.CLASSES is None:
            return head + 'Category names are not provided. \n'
        counts = np.zeros(len(self.CLASSES) + 1, dtype=int)
        for i in range(len(self)):
            labels = np.asarray(self.get_ann_info(i)['labels'], dtype=np.int64)
            if labels.size:
                u, c = np.unique(labels, return_counts=True)
                counts[u] += c
            else:
                counts[-1] += 1  # images without objects, counted as background
        rows = [['category', 'count']]
        rows += [[f'{k} [{name}]', counts[k]] for k, name in enumerate(self.CLASSES)]
        rows.append([f'-1 background', counts[-1]])
        return head + ascii_table(rows) + '\n'
