"""``XMLDataset``: PASCAL-VOC-style XML annotations (one ``<img_id>.xml`` per image, an image-id list file)."""
import os.path as osp
import xml.etree.ElementTree as ET

import numpy as np

from ..registry import DATASETS
from .custom import CustomDataset
from .utils import InvalidItem, list_from_file


@DATASETS.register_module()
class XMLDataset(CustomDataset):
    """Dataset of VOC-style XML files.

    ``ann_file`` lists image ids; image ``<img_prefix>/<img_subdir>/<id>.jpg`` is described by
    ``<img_prefix>/<ann_subdir>/<id>.xml``. Objects marked ``difficult`` (and, with ``min_size``, smaller boxes)
    become ignored boxes. Boxes are read as integers and shifted by -1 (VOC's 1-based pixel coordinates).
    """

    def __init__(self, min_size=None, img_subdir='JPEGImages', ann_subdir='Annotations', **kwargs):
        if not (self.CLASSES or kwargs.get('classes', None)):
            raise ValueError(f'{type(self).__name__}: CLASSES in the class or classes=... must be given')
        self.img_subdir = img_subdir
        self.ann_subdir = ann_subdir
        self.min_size = min_size
        classes = type(self).get_classes(kwargs.get('classes', None))
        self.cat2label = {cat: i for i, cat in enumerate(classes)}
        super().__init__(**kwargs)
        self.cat2label = {cat: i for i, cat in enumerate(self.CLASSES)}

    def _xml_path(self, img_id):
        return osp.join(self.img_prefix, self.ann_subdir, f'{img_id}.xml')

    def _parse_xml(self, img_id):
        path = self._xml_path(img_id)
        if not osp.isfile(path):
            raise FileNotFoundError(f"annotation '{path}' of image id {img_id} (listed in '{self.ann_file}') "
                                    'does not exist')
        try:
            return ET.parse(path).getroot()
        except ET.ParseError as e:
            raise ValueError(f"annotation '{path}' of image id {img_id} is not valid XML: {e}") from e

    def load_annotations(self, ann_file):
        data_infos = []
        for img_id in list_from_file(ann_file):
            filename = osp.join(self.img_subdir, f'{img_id}.jpg')
            root = self._parse_xml(img_id)
            size = root.find('size')
            if size is not None:
                width, height = int(size.find('width').text), int(size.find('height').text)
            else:
                from PIL import Image
                img_path = osp.join(self.img_prefix, filename)
                if not osp.isfile(img_path):
                    raise FileNotFoundError(f"'{self._xml_path(img_id)}' has no <size> and image '{img_path}' "
                                            'does not exist to read it from')
                with Image.open(img_path) as im:
                    width, height = im.size
            data_infos.append(dict(id=img_id, filename=filename, width=width, height=height))
        return data_infos

    def _objects(self, idx):
        """(name, difficult, [x1, y1, x2, y2] as read) of every object in the XML of image ``idx``."""
        img_id = self.data_infos[idx]['id']
        out = []
        for obj in self._parse_xml(img_id).findall('object'):
            name = obj.find('name').text
            difficult = obj.find('difficult')
            difficult = 0 if difficult is None or difficult.text is None else int(difficult.text)
            bnd = obj.find('bndbox')
            bbox = [int(float(bnd.find(k).text)) for k in ('xmin', 'ymin', 'xmax', 'ymax')]
            out.append((name, difficult, bbox))
        return out

    def _filter_imgs(self, min_size=32):
        valid = []
        for i, info in enumerate(self.data_infos):
            if min(info['width'], info['height']) < min_size:
                continue
            if self.filter_empty_gt:
                if any(name in self.CLASSES for name, _, _ in self._objects(i)):
                    valid.append(i)
            else:
                valid.append(i)
        return valid

    def _find_invalid_annotations(self):
        items = []
        for i, info in enumerate(self.data_infos):
            for k, (name, _, b) in enumerate(self._objects(i)):
                if b[2] < b[0] or b[3] < b[1]:
                    items.append(InvalidItem('annotation', self._xml_path(info['id']), info['id'],
                                             f'object {k} ({name}) has a negative-size box {b}', i, k))
        return items

    def _drop_annotations(self, items):
        self._dropped_objects = {(self.data_infos[it.index]['id'], it.key) for it in items}

    def get_ann_info(self, idx):
        dropped = getattr(self, '_dropped_objects', set())
        img_id = self.data_infos[idx]['id']
        bboxes, labels, bboxes_ignore, labels_ignore = [], [], [], []
        for k, (name, difficult, bbox) in enumerate(self._objects(idx)):
            if name not in self.CLASSES or (img_id, k) in dropped:
                continue
            label = self.cat2label[name]
            ignore = False
            if self.min_size:
                if self.test_mode:
                    raise ValueError('min_size (small boxes -> ignored) is a training option; unset it in test mode')
                ignore = (bbox[2] - bbox[0]) < self.min_size or (bbox[3] - bbox[1]) < self.min_size
            if difficult or ignore:
                bboxes_ignore.append(bbox)
                labels_ignore.append(label)
            else:
                bboxes.append(bbox)
                labels.append(label)
        # VOC pixel indices start at 1
        bboxes = np.array(bboxes, dtype=np.float32).reshape(-1, 4) - 1
        bboxes_ignore = np.array(bboxes_ignore, dtype=np.float32).reshape(-1, 4) - 1
        return dict(bboxes=bboxes.astype(np.float32), labels=np.array(labels, dtype=np.int64),
                    bboxes_ignore=bboxes_ignore.astype(np.float32),
                    labels_ignore=np.array(labels_ignore, dtype=np.int64))

    def get_cat_ids(self, idx):
        return [self.cat2label[name] for name, _, _ in self._objects(idx) if name in self.CLASSES]
