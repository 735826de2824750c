#!/usr/bin/env python
"""Download and unpack PASCAL VOC 2007 (trainval + test) and 2012 (trainval):

    <out>/VOCdevkit/VOC2007/{Annotations,ImageSets,JPEGImages,...}
    <out>/VOCdevkit/VOC2012/...

    python datasets/download_voc.py --out data                         # VOC 2007 + 2012 (~2.8 GB)
    python datasets/download_voc.py --out data --parts 2007_trainval 2007_test
    python datasets/pascal_voc_to_coco.py data/VOCdevkit -o data/voc_coco   # optional: COCO-format json

Archives are verified against their md5 before unpacking. ``--mirror URL`` fetches the same file names from
another base URL (e.g. file:///path/to/tars/). Not run in CI.
"""
import argparse
import sys

from workbench.datasets.download import VOC, fetch


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default='data', help='data root; VOCdevkit/ is created inside (default: data)')
    p.add_argument('--parts', nargs='+', default=sorted(VOC), choices=sorted(VOC))
    p.add_argument('--download-dir', default=None, help='where the archives are kept (default <out>)')
    p.add_argument('--mirror', default=None, help='base URL to use instead of the official server')
    p.add_argument('--no-checksum', action='store_true', help='skip md5 verification')
    p.add_argument('--delete', action='store_true', help='delete each archive after unpacking it')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    for part in args.parts:
        url, md5 = VOC[part]
        if args.mirror:
            url = args.mirror.rstrip('/') + '/' + url.rsplit('/', 1)[1]
        # the tars hold VOCdevkit/VOC20xx/..., so they unpack straight into <out>
        fetch(part, url, None if args.no_checksum else md5, args.download_dir or args.out, args.out,
              delete=args.delete)
    print(f'VOC ready in {args.out}/VOCdevkit')
    return 0


if __name__ == '__main__':
    sys.exit(main())
