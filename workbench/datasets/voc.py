"""``VOCDataset``: PASCAL VOC 2007 / 2012 (XML annotations, legacy +1 pixel coordinates in evaluation)."""
from ..evaluation.class_names import VOC_CLASSES
from ..registry import DATASETS
from .xml_style import XMLDataset


@DATASETS.register_module()
class VOCDataset(XMLDataset):
    """PASCAL VOC 2007 / 2012. The year is read from ``img_prefix`` ('VOC2007' / 'VOC2012' in it) unless given
    as ``year``. Evaluation: 'mAP' and 'recall' with legacy coordinates (box width = x2 - x1 + 1)."""

    CLASSES = VOC_CLASSES
    PALETTE = [(106, 0, 228), (119, 11, 32), (165, 42, 42), (0, 0, 192), (197, 226, 255), (0, 60, 100),
               (0, 0, 142), (255, 77, 255), (153, 69, 1), (120, 166, 157), (0, 182, 199), (0, 226, 252),
               (182, 182, 255), (0, 0, 230), (220, 20, 60), (163, 255, 0), (0, 82, 0), (3, 95, 161),
               (0, 80, 100), (183, 130, 88)]

    def __init__(self, year=None, **kwargs):
        super().__init__(**kwargs)
        if year is not None:
            self.year = int(year)
        elif 'VOC2007' in self.img_prefix:
            self.year = 2007
        elif 'VOC2012' in self.img_prefix:
            self.year = 2012
        else:
            raise ValueError(f"VOCDataset: cannot infer the year from img_prefix '{self.img_prefix}' (expected "
                             "'VOC2007' or 'VOC2012' in it); pass year=2007 or year=2012")

    def _eval_map_kwargs(self):
        return dict(use_legacy_coordinate=True)

    def _eval_recall_kwargs(self):
        return dict(use_legacy_coordinate=True)

    def evaluate(self, results, metric='mAP', logger=None, proposal_nums=(100, 300, 1000), iou_thr=0.5,
                 scale_ranges=None, eval_mode=None, nproc=1):
        """As ``CustomDataset.evaluate`` with legacy coordinates. Area AP for both years, as mmdet 2.x does;
        pass eval_mode='11points' for the VOC2007 11-point metric."""
        return super().evaluate(results, metric=metric, logger=logger, proposal_nums=proposal_nums, iou_thr=iou_thr,
                                scale_ranges=scale_ranges, eval_mode=eval_mode or 'area', nproc=nproc)
