"""Running the official COCO evaluation (pycocotools, the reference) or faster-coco-eval (same numbers, faster).

``coco_evaluate`` returns the evaluated ``COCOeval`` object; its ``stats`` hold the 12 summary numbers and
``eval['precision']`` the (iou, recall, class, area, max_dets) precision array used for per-class tables.
"""
import contextlib
import copy
import io

import numpy as np

from .logging_utils import print_log

BACKENDS = ('pycocotools', 'faster_coco_eval')

# index into COCOeval.stats of every metric item mmdet reports (with the default proposal_nums 100, 300, 1000)
COCO_METRIC_NAMES = {
    'mAP': 0, 'mAP_50': 1, 'mAP_75': 2, 'mAP_s': 3, 'mAP_m': 4, 'mAP_l': 5,
    'AR@100': 6, 'AR@300': 7, 'AR@1000': 8, 'AR_s@1000': 9, 'AR_m@1000': 10, 'AR_l@1000': 11,
}


def coco_metric_names(proposal_nums=(100, 300, 1000)) -> dict:
    """Metric item -> index into COCOeval.stats when COCOeval ran with ``maxDets = proposal_nums``: its summary
    reports recall at each of the three numbers and the per-size recalls at the last one, so the AR items are named
    after them (``AR@10``, ``AR_s@50``, ... for ``proposal_nums=(10, 20, 50)``)."""
    nums = tuple(int(n) for n in proposal_nums)
    if len(nums) != 3:
        raise ValueError(f'proposal_nums must hold 3 numbers (COCOeval summarises at three maxDets), got '
                         f'{tuple(proposal_nums)}')
    names = {k: v for k, v in COCO_METRIC_NAMES.items() if not k.startswith('AR')}
    names.update({f'AR@{nums[0]}': 6, f'AR@{nums[1]}': 7, f'AR@{nums[2]}': 8,
                  f'AR_s@{nums[2]}': 9, f'AR_m@{nums[2]}': 10, f'AR_l@{nums[2]}': 11})
    return names


def get_coco_api(backend='pycocotools'):
    """The (COCO, COCOeval) classes of an evaluation backend."""
    if backend == 'pycocotools':
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
        return COCO, COCOeval
    if backend == 'faster_coco_eval':
        try:
            from faster_coco_eval import COCO, COCOeval_faster
        except ImportError as e:
            raise ImportError("backend='faster_coco_eval' needs the faster-coco-eval package: "
                              'pip install faster-coco-eval (or pip install workbench[fast-eval])') from e
        return COCO, COCOeval_faster
    raise ValueError(f'unknown COCO evaluation backend {backend!r}; choose one of {BACKENDS}')


def _gt_for_backend(coco_gt, backend, private=False):
    """The ground truth as the backend's own COCO object (faster-coco-eval needs its own class).

    private: work on a copy of the annotations (segm evaluation replaces polygons by RLE in place).
    """
    COCO, _ = get_coco_api(backend)
    if isinstance(coco_gt, COCO) and not private:
        return coco_gt
    if isinstance(coco_gt, str):
        with contextlib.redirect_stdout(io.StringIO()):
            return COCO(coco_gt)
    gt = COCO()
    gt.dataset = coco_gt if isinstance(coco_gt, dict) else coco_gt.dataset
    if private:
        gt.dataset = dict(gt.dataset, annotations=copy.deepcopy(gt.dataset['annotations']))
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
    return gt


def coco_evaluate(coco_gt, predictions, iou_type='bbox', cat_ids=None, img_ids=None, max_dets=(100, 300, 1000),
                  iou_thrs=None, use_cats=True, backend='pycocotools', logger=None):
    """Evaluate COCO-format predictions against ground truth; returns the evaluated, summarised COCOeval.

    coco_gt: a COCO object (either backend), an annotation-file path or an annotation dict.
    predictions: a list of result dicts (image_id, category_id, bbox / segmentation, score) or a json path.
    iou_type: 'bbox' or 'segm'. max_dets, iou_thrs, cat_ids, img_ids: the COCOeval params (None keeps defaults).
    use_cats: False for class-agnostic proposal evaluation. The summary is printed through ``logger``.
    Raises ValueError when there are no predictions (pycocotools cannot load an empty result list).
    """
    if iou_type not in ('bbox', 'segm'):
        raise ValueError(f"coco_evaluate: iou_type must be 'bbox' or 'segm', got {iou_type!r}")
    _, COCOeval = get_coco_api(backend)
    gt = _gt_for_backend(coco_gt, backend, private=(iou_type == 'segm'))
    if isinstance(predictions, list):
        if len(predictions) == 0:
            raise ValueError('coco_evaluate: the detection results are empty (no box in any image)')
        if iou_type == 'segm':
            # with a 'bbox' key present, loadRes would take boxes instead of the masks for the areas
            predictions = [{k: v for k, v in p.items() if k != 'bbox'} for p in predictions]
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(predictions)
    lines = []
    kwargs = {'print_function': lines.append} if backend == 'faster_coco_eval' else {}
    coco_eval = COCOeval(gt, dt, iou_type, **kwargs)
    if cat_ids is not None:
        coco_eval.params.catIds = list(cat_ids)
    if img_ids is not None:
        coco_eval.params.imgIds = list(img_ids)
    if max_dets is not None:
        coco_eval.params.maxDets = list(max_dets)
    if iou_thrs is not None:
        coco_eval.params.iouThrs = np.asarray(iou_thrs, dtype=np.float64)
    coco_eval.params.useCats = int(bool(use_cats))
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        coco_eval.evaluate()
        coco_eval.accumulate()
        coco_eval.summarize()
    summary = buf.getvalue() + '\n'.join(str(x) for x in lines)
    print_log('\n' + summary.strip(), logger=logger)
    return coco_eval


def classwise_ap(coco_eval, class_names=None):
    """Per-class AP averaged over IoU thresholds (all areas, the largest max_dets), NaN where undefined.

    Returns a list of (name, ap) in the order of ``coco_eval.params.catIds``.
    """
    precisions = coco_eval.eval['precision']
    cat_ids = coco_eval.params.catIds
    if class_names is None:
        class_names = [coco_eval.cocoGt.cats[int(c)]['name'] for c in cat_ids]
    out = []
    for k, name in enumerate(class_names):
        p = precisions[:, :, k, 0, -1]
        p = p[p > -1]
        out.append((name, float(np.mean(p)) if p.size else float('nan')))
    return out
