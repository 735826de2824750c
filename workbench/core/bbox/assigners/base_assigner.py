from abc import ABCMeta, abstractmethod


class BaseAssigner(metaclass=ABCMeta):
    """Base class of assigners: ``assign`` decides, per prior, which gt box it must predict."""

    @abstractmethod
    def assign(self, bboxes, gt_bboxes, gt_bboxes_ignore=None, gt_labels=None):
        """Return an :class:`AssignResult`."""
