"""``CocoDataset``: COCO-format annotations through pycocotools, COCO-style evaluation (mmdet 2.x keys)."""
import os
import os.path as osp
import tempfile
from collections import OrderedDict

import numpy as np

from ..evaluation.class_names import COCO_CLASSES
from ..evaluation.coco_eval import classwise_ap, coco_evaluate, coco_metric_names
from ..evaluation.dataframes import coco_eval_to_dataframe
from ..evaluation.logging_utils import ascii_table, print_log
from ..evaluation.recall import eval_recalls
from ..registry import DATASETS
from .api_wrappers import COCO
from .custom import CustomDataset
from .utils import InvalidItem, dump_file


@DATASETS.register_module(name=['CocoDataset', 'COCODataset'])
class CocoDataset(CustomDataset):
    """COCO-format dataset.

    ``cat_ids`` are the category ids of ``CLASSES`` in the order of ``CLASSES`` and ``cat2label`` maps them to
    labels 0..K-1 (non-contiguous ids such as 1, 3, 16 become 0, 1, 2). Crowd annotations become ``bboxes_ignore``;
    annotations of categories not in ``CLASSES`` are left out (class subsetting). Masks are kept as the COCO
    ``segmentation`` (polygon lists or RLE dicts) for ``LoadAnnotations(with_mask=True)``.
    Extra args beyond CustomDataset: ``eval_backend`` ('pycocotools' or 'faster_coco_eval').
    """

    CLASSES = COCO_CLASSES
    PALETTE = None

    def __init__(self, *args, eval_backend='pycocotools', **kwargs):
        self.eval_backend = eval_backend
        super().__init__(*args, **kwargs)

    # ------------------------------------------------------------------ loading
    def load_annotations(self, ann_file):
        raw = ann_file if isinstance(ann_file, dict) else None
        if raw is None:
            if not isinstance(ann_file, str) or not osp.isfile(ann_file):
                raise FileNotFoundError(f"COCO annotation file '{ann_file}' does not exist")
            from .utils import load_file
            raw = load_file(ann_file)
        self._check_coco_structure(raw, ann_file)
        self.coco = COCO(raw)
        self._resolve_cat_ids(ann_file)
        self.img_ids = self.coco.get_img_ids()
        data_infos, all_ann_ids = [], []
        for img_id in self.img_ids:
            info = dict(self.coco.load_imgs([img_id])[0])
            info['filename'] = info['file_name']
            data_infos.append(info)
            all_ann_ids.extend(self.coco.get_ann_ids(img_ids=[img_id]))
        if len(set(all_ann_ids)) != len(all_ann_ids):
            seen, dup = set(), set()
            for a in all_ann_ids:
                (dup if a in seen else seen).add(a)
            raise ValueError(f"Annotation ids in '{ann_file}' are not unique: {sorted(dup)[:10]}")
        return data_infos

    def _check_coco_structure(self, raw, ann_file):
        if not isinstance(raw, dict):
            raise ValueError(f"COCO annotation file '{ann_file}' must hold a dict, got {type(raw).__name__}")
        for key in ('images', 'categories'):
            if key not in raw:
                raise ValueError(f"COCO annotation file '{ann_file}' has no '{key}' list (keys: {sorted(raw)})")
        if not raw['images']:
            raise ValueError(f"COCO annotation file '{ann_file}' lists no images")
        raw.setdefault('annotations', [])
        if not raw['annotations'] and not self.test_mode:
            raise ValueError(f"COCO annotation file '{ann_file}' has an empty annotation list; training needs "
                             'annotations (for inference on unlabelled images use test_mode=True)')
        for img in raw['images']:
            missing = [k for k in ('id', 'file_name', 'width', 'height') if k not in img]
            if missing:
                raise ValueError(f"COCO annotation file '{ann_file}': image entry {img} lacks {missing}")

    def _resolve_cat_ids(self, ann_file):
        name_to_ids = {}
        for cat in self.coco.dataset['categories']:
            name_to_ids.setdefault(cat['name'], []).append(cat['id'])
        if self.CLASSES is None:
            self.CLASSES = tuple(c['name'] for c in self.coco.dataset['categories'])
        missing = [c for c in self.CLASSES if c not in name_to_ids]
        if missing:
            raise ValueError(f"classes {missing} are not categories of '{ann_file}' "
                             f'(its categories: {list(name_to_ids)})')
        # label i is CLASSES[i]: ids follow the order of CLASSES (the file's order when classes match it)
        self.cat_ids = [cid for name in self.CLASSES for cid in name_to_ids[name]]
        if len(self.cat_ids) != len(self.CLASSES):
            raise ValueError(f"'{ann_file}': several categories share a name among {self.CLASSES}")
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}

    def get_ann_info(self, idx):
        img_id = self.data_infos[idx]['id']
        anns = self.coco.load_anns(self.coco.get_ann_ids(img_ids=[img_id]))
        return self._parse_ann_info(self.data_infos[idx], anns)

    def get_cat_ids(self, idx):
        """COCO category ids of the objects in image ``idx``."""
        img_id = self.data_infos[idx]['id']
        return [a['category_id'] for a in self.coco.load_anns(self.coco.get_ann_ids(img_ids=[img_id]))]

    def _image_id(self, idx):
        return self.data_infos[idx]['id']

    def _parse_ann_info(self, img_info, ann_info):
        """Boxes (x1y1x2y2), labels, ignored (crowd) boxes, mask annotations and seg map name of one image.

        Boxes entirely outside the image, with area <= 0 or a side < 1 px, and of categories not in CLASSES are
        left out, as in mmdet.
        """
        gt_bboxes, gt_labels, gt_bboxes_ignore, gt_masks = [], [], [], []
        for ann in ann_info:
            if ann.get('ignore', False):
                continue
            x1, y1, w, h = ann['bbox']
            inter_w = max(0, min(x1 + w, img_info['width']) - max(x1, 0))
            inter_h = max(0, min(y1 + h, img_info['height']) - max(y1, 0))
            if inter_w * inter_h == 0:
                continue
            if ann['area'] <= 0 or w < 1 or h < 1:
                continue
            if ann['category_id'] not in self.cat2label:
                continue
            bbox = [x1, y1, x1 + w, y1 + h]
            if ann.get('iscrowd', False):
                gt_bboxes_ignore.append(bbox)
            else:
                gt_bboxes.append(bbox)
                gt_labels.append(self.cat2label[ann['category_id']])
                gt_masks.append(ann.get('segmentation', None))
        bboxes = np.array(gt_bboxes, dtype=np.float32).reshape(-1, 4)
        labels = np.array(gt_labels, dtype=np.int64)
        bboxes_ignore = np.array(gt_bboxes_ignore, dtype=np.float32).reshape(-1, 4)
        seg_map = img_info['filename'].rsplit('.', 1)[0] + self.seg_suffix
        return dict(bboxes=bboxes, labels=labels, bboxes_ignore=bboxes_ignore, masks=gt_masks, seg_map=seg_map)

    # ------------------------------------------------------------------ validation
    def _find_invalid_annotations(self):
        items = []
        for ann in self.coco.dataset['annotations']:
            img = self.coco.imgs.get(ann.get('image_id'))
            fname = img['file_name'] if img else '?'
            img_id = ann.get('image_id')
            aid = ann.get('id')
            if img is None:
                items.append(InvalidItem('annotation', fname, img_id,
                                         f'annotation id {aid} refers to an image id that is not in "images"',
                                         None, aid))
                continue
            bbox = ann.get('bbox')
            if bbox is None or len(bbox) != 4:
                items.append(InvalidItem('annotation', fname, img_id,
                                         f'annotation id {aid} has no valid [x, y, w, h] bbox: {bbox}', None, aid))
            elif bbox[2] < 0 or bbox[3] < 0:
                items.append(InvalidItem('annotation', fname, img_id,
                                         f'annotation id {aid} has a negative-size bbox {bbox}', None, aid))
            elif ann.get('category_id') not in self.coco.cats:
                items.append(InvalidItem('annotation', fname, img_id,
                                         f"annotation id {aid} has unknown category id {ann.get('category_id')} "
                                         f'(categories: {sorted(self.coco.cats)})', None, aid))
        return items

    def _drop_annotations(self, items):
        drop = {it.key for it in items}
        self.coco.dataset['annotations'] = [a for a in self.coco.dataset['annotations'] if a.get('id') not in drop]
        self.coco.createIndex()

    def _keep_images(self, keep_inds):
        keep_inds = list(keep_inds)
        super()._keep_images(keep_inds)
        self.img_ids = [self.img_ids[i] for i in keep_inds]

    def _filter_imgs(self, min_size=32):
        """Images at least ``min_size`` on the short side; with filter_empty_gt, only those holding an
        annotation of a kept class."""
        ids_with_ann = {a['image_id'] for a in self.coco.anns.values()}
        ids_in_cat = set()
        for cid in self.cat_ids:
            ids_in_cat |= set(self.coco.cat_img_map[cid])
        ids_in_cat &= ids_with_ann
        return [i for i, info in enumerate(self.data_infos)
                if not (self.filter_empty_gt and self.img_ids[i] not in ids_in_cat)
                and min(info['width'], info['height']) >= min_size]

    # ------------------------------------------------------------------ results -> COCO json
    @staticmethod
    def xyxy2xywh(bbox):
        b = bbox.tolist()
        return [b[0], b[1], b[2] - b[0], b[3] - b[1]]

    @staticmethod
    def _xywh_and_scores(bboxes):
        """COCO [x, y, w, h] lists and float scores of (n, 5) rows, the numbers ``xyxy2xywh`` gives row by row
        (w = x2 - x1 computed in float64 after the conversion, as there), for a whole array at once."""
        b = np.array(bboxes[:, :4], dtype=np.float64)
        b[:, 2:] -= b[:, :2]
        return b.tolist(), np.asarray(bboxes[:, 4], dtype=np.float64).tolist()

    def _proposal2json(self, results):
        out = []
        for idx in range(len(self)):
            img_id = self.img_ids[idx]
            xywh, scores = self._xywh_and_scores(np.asarray(results[idx]).reshape(-1, 5))
            out.extend({'image_id': img_id, 'bbox': box, 'score': score, 'category_id': 1}
                       for box, score in zip(xywh, scores))
        return out

    def _det2json(self, results):
        out = []
        cat_ids = np.asarray(self.cat_ids)
        for idx in range(len(self)):
            img_id = self.img_ids[idx]
            per_class = results[idx]
            counts = [len(b) for b in per_class]
            if not any(counts):
                continue
            # all classes of an image in one array: one conversion per image, not one per (image, class)
            xywh, scores = self._xywh_and_scores(np.concatenate([np.asarray(b).reshape(-1, 5) for b in per_class]))
            labels = np.repeat(cat_ids[:len(counts)], counts).tolist()
            out.extend({'image_id': img_id, 'bbox': box, 'score': score, 'category_id': category_id}
                       for box, score, category_id in zip(xywh, scores, labels))
        return out

    def _segm2json(self, results):
        from pycocotools import mask as mask_utils
        bbox_json, segm_json = [], []
        for idx in range(len(self)):
            det, seg = results[idx]
            for label, bboxes in enumerate(det):
                for row in bboxes:
                    bbox_json.append(dict(image_id=self.img_ids[idx], bbox=self.xyxy2xywh(row), score=float(row[4]),
                                          category_id=self.cat_ids[label]))
                if isinstance(seg, tuple):  # (masks, mask scores)
                    segms, scores = seg[0][label], seg[1][label]
                else:
                    segms, scores = seg[label], [row[4] for row in bboxes]
                for i in range(bboxes.shape[0]):
                    rle = segms[i]
                    if isinstance(rle, np.ndarray):  # a binary mask, not yet encoded
                        rle = mask_utils.encode(np.asfortranarray(rle.astype(np.uint8)))
                    rle = dict(rle)
                    if isinstance(rle['counts'], bytes):
                        rle['counts'] = rle['counts'].decode()
                    segm_json.append(dict(image_id=self.img_ids[idx], bbox=self.xyxy2xywh(bboxes[i]),
                                          score=float(scores[i]), category_id=self.cat_ids[label],
                                          segmentation=rle))
        return bbox_json, segm_json

    def _results2json_lists(self, results):
        """{'bbox'|'proposal'|'segm': list of COCO result dicts} — what ``results2json`` writes, in memory."""
        if isinstance(results[0], list):
            det = self._det2json(results)
            return {'bbox': det, 'proposal': det}
        if isinstance(results[0], tuple):
            bbox_json, segm_json = self._segm2json(results)
            return {'bbox': bbox_json, 'proposal': bbox_json, 'segm': segm_json}
        if isinstance(results[0], np.ndarray):
            return {'proposal': self._proposal2json(results)}
        raise TypeError(f'results2json: unsupported result type {type(results[0]).__name__}')

    def _write_json_lists(self, lists, outfile_prefix):
        parent = osp.dirname(osp.abspath(outfile_prefix))
        os.makedirs(parent, exist_ok=True)
        files = {}
        for kind, content in lists.items():
            # detections are written once, as .bbox.json, and serve the proposal metric too (as in mmdet)
            suffix = 'bbox' if kind == 'proposal' and 'bbox' in lists else kind
            files[kind] = f'{outfile_prefix}.{suffix}.json'
            if suffix == kind:
                dump_file(content, files[kind])
        return files

    def results2json(self, results, outfile_prefix):
        """Write results as COCO json files; returns {'bbox'|'proposal'|'segm': path}.

        results: per image, a list per class of (n, 5) arrays (det), a (det, segm) tuple (instance segmentation),
        or one (n, 5) array (proposals).
        """
        return self._write_json_lists(self._results2json_lists(results), outfile_prefix)

    def _check_results(self, results):
        if not isinstance(results, list):
            raise TypeError(f'results must be a list, got {type(results).__name__}')
        if len(results) != len(self):
            raise ValueError(f'The length of results is not equal to the dataset len: {len(results)} != {len(self)}')

    def format_results(self, results, jsonfile_prefix=None, **kwargs):
        """Write the json files (to a temporary folder unless ``jsonfile_prefix``); returns (files, tmp_dir)."""
        self._check_results(results)
        tmp_dir = None
        if jsonfile_prefix is None:
            tmp_dir = tempfile.TemporaryDirectory()
            jsonfile_prefix = osp.join(tmp_dir.name, 'results')
        return self.results2json(results, jsonfile_prefix), tmp_dir

    # ------------------------------------------------------------------ evaluation
    def fast_eval_recall(self, results, proposal_nums, iou_thrs, logger=None):
        gt_bboxes = []
        for img_id in self.img_ids:
            anns = self.coco.load_anns(self.coco.get_ann_ids(img_ids=img_id))
            boxes = [[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2], a['bbox'][1] + a['bbox'][3]]
                     for a in anns if not (a.get('ignore', False) or a.get('iscrowd', 0))]
            gt_bboxes.append(np.array(boxes, dtype=np.float32).reshape(-1, 4))
        recalls = eval_recalls(gt_bboxes, results, proposal_nums, iou_thrs, logger=logger)
        return recalls.mean(axis=1)

    def evaluate(self, results, metric='bbox', logger=None, jsonfile_prefix=None, classwise=False,
                 proposal_nums=(100, 300, 1000), iou_thrs=None, metric_items=None, backend=None):
        """COCO evaluation. metric: 'bbox', 'segm', 'proposal', 'proposal_fast' (or a list).

        Returns an OrderedDict with mmdet's keys: '{metric}_mAP', '_mAP_50', '_mAP_75', '_mAP_s/m/l',
        '{metric}_mAP_copypaste' for bbox/segm; 'AR@100', ... for proposals. ``classwise`` prints the per-class AP
        table; per-class DataFrames are kept in ``self.eval_dataframes[metric]``. ``backend`` overrides
        ``eval_backend`` ('pycocotools' or 'faster_coco_eval').
        """
        metrics = metric if isinstance(metric, list) else [metric]
        allowed = ['bbox', 'segm', 'proposal', 'proposal_fast']
        for m in metrics:
            if m not in allowed:
                raise KeyError(f'metric {m!r} is not supported; choose from {allowed}')
        if iou_thrs is None:
            iou_thrs = np.linspace(.5, 0.95, int(np.round((0.95 - .5) / .05)) + 1, endpoint=True)
        iou_thrs = np.asarray(iou_thrs, dtype=np.float64)
        if metric_items is not None and not isinstance(metric_items, list):
            metric_items = [metric_items]
        backend = backend or self.eval_backend
        names = coco_metric_names(proposal_nums) if set(metrics) - {'proposal_fast'} else None
        self._check_results(results)
        # the COCO result dicts stay in memory (the json round trip gives back the same numbers); they are written
        # to files only when the caller asks for them with jsonfile_prefix
        result_lists = self._results2json_lists(results)
        if jsonfile_prefix is not None:
            self._write_json_lists(result_lists, jsonfile_prefix)
        eval_results = OrderedDict()
        used = set()
        for m in metrics:
            print_log(f'Evaluating {m}...', logger=logger)
            if m == 'proposal_fast':
                if isinstance(results[0], tuple):
                    raise KeyError('proposal_fast is not supported for instance segmentation results')
                props = results if isinstance(results[0], np.ndarray) else \
                    [np.vstack(r) for r in results]
                ar = self.fast_eval_recall(props, proposal_nums, iou_thrs, logger='silent')
                print_log('\n' + '\n'.join(f'AR@{n}\t{ar[i]:.4f}' for i, n in enumerate(proposal_nums)),
                          logger=logger)
                for i, n in enumerate(proposal_nums):
                    eval_results[f'AR@{n}'] = ar[i]
                continue
            iou_type = 'bbox' if m == 'proposal' else m
            if m not in result_lists:
                raise KeyError(f'{m} is not in results')
            predictions = result_lists[m]
            if id(predictions) in used:  # loadRes adds keys to the dicts: a second metric gets fresh ones
                predictions = [dict(p) for p in predictions]
            used.add(id(predictions))
            if not predictions:
                print_log('The testing results of the whole dataset is empty.', logger=logger,
                          level=30)
                break
            coco_eval = coco_evaluate(self.coco, predictions, iou_type, cat_ids=self.cat_ids,
                                      img_ids=self.img_ids, max_dets=list(proposal_nums), iou_thrs=iou_thrs,
                                      use_cats=(m != 'proposal'), backend=backend, logger=logger)
            if m == 'proposal':
                items = metric_items or [k for k in names if k.startswith('AR')]
                self._check_items(items, names, proposal_nums)
                for item in items:
                    eval_results[item] = float(f'{coco_eval.stats[names[item]]:.4f}')
                self.eval_dataframes[m] = coco_eval_to_dataframe(coco_eval)
                continue
            self.eval_dataframes[m] = coco_eval_to_dataframe(coco_eval, list(self.CLASSES))
            if classwise:
                per_class = classwise_ap(coco_eval, list(self.CLASSES))
                cells = [(name, f'{ap:0.3f}') for name, ap in per_class]
                ncol = min(6, len(cells) * 2)
                flat = [x for pair in cells for x in pair]
                header = ['category', 'AP'] * (ncol // 2)
                rows = [flat[i:i + ncol] for i in range(0, len(flat), ncol)]
                print_log('\n' + ascii_table([header] + rows), logger=logger)
            items = metric_items or ['mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l']
            self._check_items(items, names, proposal_nums)
            for item in items:
                eval_results[f'{m}_{item}'] = float(f'{coco_eval.stats[names[item]]:.4f}')
            ap = coco_eval.stats[:6]
            eval_results[f'{m}_mAP_copypaste'] = ' '.join(f'{v:.4f}' for v in ap)
        return eval_results

    @staticmethod
    def _check_items(items, names, proposal_nums):
        for item in items:
            if item not in names:
                raise KeyError(f'metric item {item!r} is not supported with proposal_nums {tuple(proposal_nums)}; '
                               f'choose from {list(names)}')
