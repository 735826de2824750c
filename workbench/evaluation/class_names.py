"""Class-name lists of the standard datasets and ``get_classes`` to look them up by (alias) name."""

COCO_CLASSES = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
    'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
    'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
    'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
    'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
    'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch',
    'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone',
    'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
    'hair drier', 'toothbrush')

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
               'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
               'tvmonitor')

CITYSCAPES_CLASSES = ('person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle')

WIDER_FACE_CLASSES = ('face', )

# The synthetic dataset of datasets/make_shapes.py (and the golden fixtures).
SHAPES_CLASSES = ('rect', 'ellipse', 'triangle', 'cross')


def coco_classes():
    return list(COCO_CLASSES)


def voc_classes():
    return list(VOC_CLASSES)


def cityscapes_classes():
    return list(CITYSCAPES_CLASSES)


def wider_face_classes():
    return list(WIDER_FACE_CLASSES)


def shapes_classes():
    return list(SHAPES_CLASSES)


DATASET_ALIASES = {
    'coco': ['coco', 'mscoco', 'ms_coco'],
    'voc': ['voc', 'pascal_voc', 'voc07', 'voc12'],
    'cityscapes': ['cityscapes'],
    'wider_face': ['WIDERFaceDataset', 'wider_face', 'WIDERFace'],
    'shapes': ['shapes'],
}


def get_classes(dataset):
    """The class names of a dataset given by name or alias (e.g. 'coco', 'voc07'), as a list."""
    if not isinstance(dataset, str):
        raise TypeError(f'get_classes: dataset must be a name (str), got {type(dataset).__name__}')
    for name, aliases in DATASET_ALIASES.items():
        if dataset in aliases:
            return globals()[name + '_classes']()
    known = sorted(a for aliases in DATASET_ALIASES.values() for a in aliases)
    raise ValueError(f'get_classes: unknown dataset {dataset!r}; known names: {known}')
