#!/usr/bin/env python
"""Convert PASCAL VOC annotations to COCO json (like mmdet's tools/dataset_converters/pascal_voc.py).

    python datasets/pascal_voc_to_coco.py data/VOCdevkit -o data/voc_coco

writes voc07_train.json, voc07_val.json, voc07_trainval.json, voc07_test.json, voc12_*.json for every split list
found under VOC<year>/ImageSets/Main. Image file names are relative to the devkit folder, so use
``img_prefix='data/VOCdevkit/'`` with ``CocoDataset``.
"""
import argparse
import os.path as osp
import sys

from workbench.datasets.converters import save_json, voc_to_coco


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('devkit_path', help='the VOCdevkit folder')
    p.add_argument('-o', '--out-dir', default=None, help='output folder (default: <devkit_path>/../voc_coco)')
    p.add_argument('--years', nargs='+', default=['2007', '2012'])
    p.add_argument('--splits', nargs='+', default=['train', 'val', 'trainval', 'test'])
    args = p.parse_args(argv)
    out_dir = args.out_dir or osp.join(osp.dirname(osp.abspath(args.devkit_path)), 'voc_coco')
    written = 0
    for year in args.years:
        for split in args.splits:
            if not osp.isfile(osp.join(args.devkit_path, f'VOC{year}', 'ImageSets', 'Main', f'{split}.txt')):
                continue
            coco = voc_to_coco(args.devkit_path, year, split)
            path = save_json(coco, osp.join(out_dir, f'voc{year[2:]}_{split}.json'))
            print(f'{path}: {len(coco["images"])} images, {len(coco["annotations"])} objects')
            written += 1
    if not written:
        print(f'no VOC<year>/ImageSets/Main/<split>.txt found under {args.devkit_path}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
