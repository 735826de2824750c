#!/usr/bin/env python
"""Download and unpack COCO 2017 into the layout the configs expect:

    <out>/coco/annotations/instances_{train,val}2017.json
    <out>/coco/{train2017,val2017,test2017}/

    python datasets/download_coco.py --out data                 # annotations + train2017 + val2017 (~19 GB)
    python datasets/download_coco.py --out data --parts val2017 annotations   # ~1 GB, enough to evaluate

Each archive is checked against its official md5 before it is unpacked; an interrupted download is resumed from
scratch and never unpacked. ``--mirror URL`` fetches the same file names from another base URL (a local mirror:
file:///path/to/zips/). Not run in CI; the shapes dataset (datasets/make_shapes.py) needs no download.
"""
import argparse
import os.path as osp
import sys

from workbench.datasets.download import COCO2017, disk_free_gb, fetch

SIZES_GB = {'train2017': 18.0, 'val2017': 0.8, 'test2017': 6.2, 'annotations': 0.25}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='data', help='data root; files go to <out>/coco (default: data)')
    p.add_argument('--parts', nargs='+', default=['annotations', 'train2017', 'val2017'], choices=sorted(COCO2017))
    p.add_argument('--download-dir', default=None, help='where the archives are kept (default <out>/coco)')
    p.add_argument('--mirror', default=None, help='base URL to use instead of the official servers')
    p.add_argument('--no-checksum', action='store_true', help='skip md5 verification (mirrors with other files)')
    p.add_argument('--delete', action='store_true', help='delete each archive after unpacking it')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    root = osp.join(args.out, 'coco')
    download_dir = args.download_dir or root
    need = sum(SIZES_GB[p] for p in args.parts) * (1 if args.delete else 2)
    free = disk_free_gb(download_dir)
    if free < need:
        print(f'warning: about {need:.1f} GB needed, {free:.1f} GB free in {download_dir}', file=sys.stderr)
    for part in args.parts:
        url, md5 = COCO2017[part]
        if args.mirror:
            url = args.mirror.rstrip('/') + '/' + url.rsplit('/', 1)[1]
        fetch(part, url, None if args.no_checksum else md5, download_dir, root, delete=args.delete)
    print(f'COCO 2017 ready in {root}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
