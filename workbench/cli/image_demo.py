"""``workbench image-demo IMG CONFIG CHECKPOINT``: detect objects in one image and save the drawing
(mmdet's ``demo/image_demo.py``)."""
from __future__ import annotations

import os.path as osp


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'image-demo', parents=list(parents), help='run a detector on one image and save the drawing',
        description='Run a detector on one image, print the detections above --score-thr and save the drawing.')
    parser.add_argument('img', help='image file')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-file', default=None,
                        help='path to the output drawing (default: <image name>_result.png in the current folder)')
    parser.add_argument('--device', default=None, help='device used for inference, e.g. cpu or cuda:0 (default: '
                                                       'cuda:0 when available, else cpu)')
    parser.add_argument('--palette', default='tab',
                        help="colours of the classes: 'tab' (matplotlib's qualitative palette), 'random', or a "
                             "colour name for all classes; mmdet's 'coco'/'voc'/'citys' fall back to 'tab'")
    parser.add_argument('--score-thr', type=float, default=0.3, help='bbox score threshold')
    parser.add_argument('--async-test', action='store_true', help='whether to set async options for async inference')
    return parser


def run(args) -> int:
    import numpy as np

    from workbench.apis import async_inference_detector, inference_detector, init_detector, show_result_pyplot

    from ._common import default_device, use_agg_backend

    use_agg_backend()
    if not osp.isfile(args.img):
        raise FileNotFoundError(f'image file not found: {args.img}')
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    model = init_detector(args.config, args.checkpoint, device=args.device or default_device())
    if args.async_test:
        import asyncio
        result = asyncio.run(async_inference_detector(model, args.img))
    else:
        result = inference_detector(model, args.img)
    bbox_result = result[0] if isinstance(result, tuple) else result
    names = list(model.CLASSES)
    print(f'detections with score >= {args.score_thr}:')
    found = 0
    for label, dets in enumerate(bbox_result):
        dets = np.asarray(dets).reshape(-1, 5)
        for x1, y1, x2, y2, score in dets[dets[:, 4] >= args.score_thr]:
            print(f'  {names[label]:<16} {score:.3f}  [{x1:.1f}, {y1:.1f}, {x2:.1f}, {y2:.1f}]')
            found += 1
    if not found:
        print('  (none)')
    out_file = args.out_file or osp.splitext(osp.basename(args.img))[0] + '_result.png'
    palette = None if args.palette in ('coco', 'voc', 'citys', 'tab') else args.palette
    import matplotlib.pyplot as plt
    fig = show_result_pyplot(model, args.img, result, score_thr=args.score_thr, palette=palette, out_file=out_file)
    plt.close(fig)
    print(f'drawing written to {out_file}')
    return 0
