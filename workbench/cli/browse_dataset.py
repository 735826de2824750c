"""``workbench browse-dataset CONFIG``: draw what the training pipeline produces (augmented image, GT boxes and
masks) for each training image into PNG files (mmdet's ``tools/misc/browse_dataset.py``).

As in mmdet, the pipeline steps named by ``--skip-type`` (default: DefaultFormatBundle, Normalize, Collect) are
removed, so the images are drawn in their original colours; the other steps (resizing, flipping, cropping, ...) run
as in training, with fresh random draws every call.
"""
from __future__ import annotations

import os.path as osp

from ._common import add_cfg_options, add_config_arg

DEFAULT_SKIP = ['DefaultFormatBundle', 'Normalize', 'Collect']


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'browse-dataset', parents=list(parents), help='save the training pipeline output as images',
        description='Run the training pipeline of a config and save each result (image + GT) as a PNG.')
    add_config_arg(parser)
    parser.add_argument('--skip-type', type=str, nargs='*', default=DEFAULT_SKIP,
                        help=f'pipeline steps to skip (default: {" ".join(DEFAULT_SKIP)}); give none to run the '
                             'whole pipeline (the normalisation is then undone for drawing)')
    parser.add_argument('--output-dir', default=None,
                        help='where to write the PNGs (default: ./work_dirs/browse_dataset/<config name>)')
    parser.add_argument('--not-show', default=False, action='store_true',
                        help='accepted for compatibility; images are only written, never shown in a window')
    parser.add_argument('--show-interval', type=float, default=2, help='accepted for compatibility (unused)')
    parser.add_argument('--max-images', type=int, default=None, help='draw at most this many images')
    add_cfg_options(parser)
    return parser


def strip_pipeline(train_cfg, skip_types):
    """Remove ``skip_types`` from the pipeline of a training dataset config, looking through dataset wrappers."""
    if isinstance(train_cfg, (list, tuple)):
        for c in train_cfg:
            strip_pipeline(c, skip_types)
        return train_cfg
    if 'pipeline' in train_cfg:
        train_cfg['pipeline'] = [step for step in train_cfg['pipeline'] if step['type'] not in skip_types]
    for key in ('dataset', 'datasets'):
        if key in train_cfg:
            strip_pipeline(train_cfg[key], skip_types)
    return train_cfg


def sample_to_drawable(item: dict):
    """(image, channel order, boxes, labels, masks) from one pipeline result, whether or not it went through
    Normalize / DefaultFormatBundle / Collect."""
    import numpy as np

    from workbench.visualization.dataset_view import _unwrap

    def to_np(x):
        x = _unwrap(x)
        return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)

    img = to_np(item['img'])
    if img.ndim == 3 and img.shape[0] in (1, 3) and img.shape[-1] not in (1, 3):
        img = img.transpose(1, 2, 0)
    metas = _unwrap(item.get('img_metas', {}))
    norm = item.get('img_norm_cfg') or (metas.get('img_norm_cfg') if isinstance(metas, dict) else None)
    channel_order = 'bgr'
    if norm is not None:  # Normalize ran: undo it for drawing
        img = img * np.asarray(norm['std'], np.float32) + np.asarray(norm['mean'], np.float32)
        channel_order = 'rgb' if norm.get('to_rgb', False) else 'bgr'
    img = np.clip(img, 0, 255).astype(np.uint8)
    boxes = to_np(item.get('gt_bboxes', np.zeros((0, 4)))).reshape(-1, 4)
    labels = to_np(item.get('gt_labels', np.zeros(0))).astype(np.int64).reshape(-1)
    masks = _unwrap(item.get('gt_masks')) if item.get('gt_masks') is not None else None
    if masks is not None:
        masks = masks.to_ndarray() if hasattr(masks, 'to_ndarray') else np.asarray(masks)
        masks = masks.astype(bool)
        if masks.shape[1:] != img.shape[:2]:
            masks = None
    return img, channel_order, boxes, labels, masks


def run(args) -> int:
    import copy
    import os

    from tqdm.auto import tqdm

    from workbench.datasets import build_dataset
    from workbench.visualization import imshow_det_bboxes

    from ._common import load_config, use_agg_backend

    use_agg_backend()
    cfg = load_config(args.config, args.cfg_options)
    skip = list(args.skip_type or [])
    train_cfg = strip_pipeline(copy.deepcopy(cfg.to_dict()['data']['train']), skip)
    dataset = build_dataset(train_cfg)
    out_dir = args.output_dir or osp.join('.', 'work_dirs', 'browse_dataset',
                                          osp.splitext(osp.basename(args.config.split('::')[-1]))[0])
    os.makedirs(out_dir, exist_ok=True)
    names = list(getattr(dataset, 'CLASSES', None) or []) or None
    n = len(dataset) if args.max_images is None else min(args.max_images, len(dataset))
    written = 0
    for i in tqdm(range(n), desc='browse', unit='img', leave=False):
        item = dataset[i]
        if item is None:
            continue
        img, order, boxes, labels, masks = sample_to_drawable(item)
        fname = item.get('ori_filename') or item.get('filename') or f'{i:06d}.png'
        out_file = osp.join(out_dir, osp.splitext(osp.basename(str(fname)))[0] + '.png')
        imshow_det_bboxes(img, boxes, labels, segms=masks, class_names=names, channel_order=order,
                          out_file=out_file)
        written += 1
    print(f'{written} images written to {out_dir} (pipeline without {", ".join(skip) or "nothing"})')
    return 0
