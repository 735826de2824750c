"""``workbench make-shapes OUT_DIR``: write the synthetic COCO-format shapes dataset (offline default data)."""
from __future__ import annotations

DEFAULT_CLASSES = ('rect', 'ellipse', 'triangle', 'cross')
ALL_SHAPES = ('rect', 'ellipse', 'triangle', 'cross', 'star', 'diamond', 'hexagon')


def add_parser(subparsers, parents=()):
    p = subparsers.add_parser('make-shapes', parents=list(parents),
                              help='write the synthetic shapes dataset (COCO format, boxes and polygon masks)')
    p.add_argument('out_dir', help='output folder (train/, val/, annotations/instances_{train,val}.json)')
    p.add_argument('--num-train', type=int, default=200, help='training images (default 200)')
    p.add_argument('--num-val', type=int, default=50, help='validation images (default 50)')
    p.add_argument('--img-size', type=int, nargs=2, default=(320, 240), metavar=('W', 'H'),
                   help='image width and height (default 320 240)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--classes', nargs='+', default=list(DEFAULT_CLASSES), choices=ALL_SHAPES, metavar='SHAPE',
                   help=f'shape classes, category ids 1..K in this order (from {", ".join(ALL_SHAPES)})')
    p.add_argument('--max-objects', type=int, default=5, help='at most this many shapes per image')
    p.add_argument('--scale-range', type=float, nargs=2, default=(0.12, 0.4), metavar=('LO', 'HI'),
                   help='object size as a fraction of the short image side')
    p.add_argument('--max-occlusion', type=float, default=0.5, help='largest hidden fraction of an object')
    p.add_argument('--no-mixed-orientation', action='store_true', help='all images W x H (no portrait ones)')
    p.add_argument('--force', action='store_true', help='regenerate even if this dataset was already written')
    return p


def run(args) -> int:
    from workbench.datasets.shapes import make_shapes
    paths = make_shapes(args.out_dir, args.num_train, args.num_val, tuple(args.img_size), args.seed,
                        tuple(args.classes), args.max_objects, tuple(args.scale_range), args.max_occlusion,
                        not args.no_mixed_orientation, args.force)
    print(f"shapes dataset ready in {paths['root']}\n  train: {paths['train_ann']} (images {paths['train_img_dir']})"
          f"\n  val:   {paths['val_ann']} (images {paths['val_img_dir']})")
    return 0
