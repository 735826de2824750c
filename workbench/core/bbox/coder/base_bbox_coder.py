from abc import ABCMeta, abstractmethod


class BaseBBoxCoder(metaclass=ABCMeta):
    """Base class of box coders: ``encode`` boxes into regression targets and ``decode`` predictions back."""

    def __init__(self, **kwargs):
        pass

    @abstractmethod
    def encode(self, bboxes, gt_bboxes):
        """Encode ``gt_bboxes`` relative to ``bboxes`` (priors)."""

    @abstractmethod
    def decode(self, bboxes, bboxes_pred):
        """Decode predictions ``bboxes_pred`` relative to ``bboxes`` (priors) into boxes."""
