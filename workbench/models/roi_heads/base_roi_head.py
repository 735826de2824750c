"""Base class of second-stage (RoI) heads."""
from abc import ABCMeta, abstractmethod

from workbench.cnn import BaseModule


class BaseRoIHead(BaseModule, metaclass=ABCMeta):
    """Builds the box branch, the optional mask branch and shared head, and the assigner/sampler from
    ``train_cfg``."""

    def __init__(self, bbox_roi_extractor=None, bbox_head=None, mask_roi_extractor=None, mask_head=None,
                 shared_head=None, train_cfg=None, test_cfg=None, pretrained=None, init_cfg=None):
        super().__init__(init_cfg)
        from workbench.models.builder import build_shared_head
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        if shared_head is not None:
            shared_head = dict(shared_head, pretrained=pretrained)
            self.shared_head = build_shared_head(shared_head)
        if bbox_head is not None:
            self.init_bbox_head(bbox_roi_extractor, bbox_head)
        if mask_head is not None:
            self.init_mask_head(mask_roi_extractor, mask_head)
        self.init_assigner_sampler()

    @property
    def with_bbox(self):
        return hasattr(self, 'bbox_head') and self.bbox_head is not None

    @property
    def with_mask(self):
        return hasattr(self, 'mask_head') and self.mask_head is not None

    @property
    def with_shared_head(self):
        return hasattr(self, 'shared_head') and self.shared_head is not None

    @abstractmethod
    def init_bbox_head(self, bbox_roi_extractor, bbox_head):
        """Build the box RoI extractor and head."""

    @abstractmethod
    def init_mask_head(self, mask_roi_extractor, mask_head):
        """Build the mask RoI extractor and head."""

    @abstractmethod
    def init_assigner_sampler(self):
        """Build the assigner and sampler from ``train_cfg``."""

    @abstractmethod
    def forward_train(self, x, img_meta, proposal_list, gt_bboxes, gt_labels, gt_bboxes_ignore=None,
                      gt_masks=None, **kwargs):
        """Losses of the RoI head."""

    def simple_test(self, x, proposal_list, img_metas, proposals=None, rescale=False, **kwargs):
        raise NotImplementedError

    def aug_test(self, x, proposal_list, img_metas, rescale=False, **kwargs):
        raise NotImplementedError(f'{type(self).__name__} has no test-time augmentation')
