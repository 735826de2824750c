"""pycocotools' COCO with the snake_case method names mmdet 2.x code calls (get_ann_ids, load_anns, ...)."""
import contextlib
import io

from pycocotools.coco import COCO as _COCO
from pycocotools.cocoeval import COCOeval


class COCO(_COCO):
    """``COCO(annotation_file_or_dict, quiet=True)``: the pycocotools index, also accepting an in-memory dict."""

    def __init__(self, annotation_file=None, quiet=True):
        out = io.StringIO() if quiet else None
        with contextlib.redirect_stdout(out) if quiet else contextlib.nullcontext():
            if isinstance(annotation_file, dict):
                super().__init__()
                self.dataset = annotation_file
                self.createIndex()
            else:
                super().__init__(annotation_file)
        self.img_ann_map = self.imgToAnns
        self.cat_img_map = self.catToImgs

    def createIndex(self):  # noqa: N802 - pycocotools name
        super().createIndex()
        self.img_ann_map = self.imgToAnns
        self.cat_img_map = self.catToImgs

    def get_ann_ids(self, img_ids=[], cat_ids=[], area_rng=[], iscrowd=None):  # noqa: B006 - pycocotools defaults
        return self.getAnnIds(img_ids, cat_ids, area_rng, iscrowd)

    def get_cat_ids(self, cat_names=[], sup_names=[], cat_ids=[]):  # noqa: B006
        return self.getCatIds(cat_names, sup_names, cat_ids)

    def get_img_ids(self, img_ids=[], cat_ids=[]):  # noqa: B006
        return self.getImgIds(img_ids, cat_ids)

    def load_anns(self, ids):
        return self.loadAnns(ids)

    def load_cats(self, ids):
        return self.loadCats(ids)

    def load_imgs(self, ids):
        return self.loadImgs(ids)


__all__ = ['COCO', 'COCOeval']
