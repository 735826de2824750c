#!/usr/bin/env python
"""List a folder of images as a COCO json without annotations, to run a detector on them (``--format-only``
style testing) with ``CocoDataset(..., test_mode=True)``.

    python datasets/images2coco.py IMG_DIR CLASSES_TXT OUT_NAME.json [--exclude-extensions png]

CLASSES_TXT has one class name per line; the json is written next to IMG_DIR (in its parent folder), as
mmdet's tools/dataset_converters/images2coco.py does; file names in it are relative to IMG_DIR.
"""
import argparse
import os.path as osp
import sys

from workbench.datasets.converters import images_to_coco, save_json


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('img_path', help='folder of images')
    p.add_argument('classes', help='text file with one class name per line')
    p.add_argument('out', help='output json file name (written in the parent folder of img_path)')
    p.add_argument('--exclude-extensions', nargs='+', default=None, help='image extensions to leave out')
    args = p.parse_args(argv)
    if not args.out.endswith('.json'):
        print(f'the output file name must end with .json, got {args.out}', file=sys.stderr)
        return 1
    coco = images_to_coco(args.img_path, args.classes, args.exclude_extensions)
    path = save_json(coco, osp.join(osp.dirname(osp.abspath(args.img_path.rstrip('/'))), args.out))
    print(f'{path}: {len(coco["images"])} images, {len(coco["categories"])} classes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
