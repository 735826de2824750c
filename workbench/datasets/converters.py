"""Converting other layouts to COCO format: PASCAL VOC XML folders and plain image folders (no annotations).

``voc_to_coco(devkit_path, year, split)`` follows mmdet's ``pascal_voc.py`` converter: boxes 0-based (VOC's
1-based integer pixel coordinates minus 1), width = x2 - x1, difficult objects written as crowd (so training
and COCO evaluation ignore them), category ids 0..19 in VOC order, a rectangle as the segmentation.
``images_to_coco`` lists the images of a folder with their sizes, for testing without ground truth.
"""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET

from ..evaluation.class_names import VOC_CLASSES

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def _image_size(path):
    from PIL import Image
    with Image.open(path) as im:
        return im.size  # (width, height)


def voc_to_coco(devkit_path, year, split, classes=VOC_CLASSES):
    """The COCO dict of ``VOC<year>/ImageSets/Main/<split>.txt``. File names are relative to the devkit
    (``VOC2007/JPEGImages/000001.jpg``), so use ``img_prefix=<devkit_path>``."""
    base = osp.join(devkit_path, f'VOC{year}')
    list_file = osp.join(base, 'ImageSets', 'Main', f'{split}.txt')
    if not osp.isfile(list_file):
        raise FileNotFoundError(f"'{list_file}' does not exist (is '{devkit_path}' a VOCdevkit folder?)")
    with open(list_file) as f:
        img_ids = [line.strip() for line in f if line.strip()]
    cat_id = {name: i for i, name in enumerate(classes)}
    images, annotations = [], []
    for n, img_id in enumerate(img_ids):
        xml_path = osp.join(base, 'Annotations', f'{img_id}.xml')
        if not osp.isfile(xml_path):
            raise FileNotFoundError(f"annotation '{xml_path}' (image id {img_id} of '{list_file}') does not exist")
        try:
            root = ET.parse(xml_path).getroot()
        except ET.ParseError as e:
            raise ValueError(f"'{xml_path}' is not valid XML: {e}") from e
        size = root.find('size')
        file_name = osp.join(f'VOC{year}', 'JPEGImages', f'{img_id}.jpg')
        if size is not None:
            w, h = int(size.find('width').text), int(size.find('height').text)
        else:
            w, h = _image_size(osp.join(devkit_path, file_name))
        images.append(dict(id=n, file_name=file_name, width=w, height=h))
        for obj in root.findall('object'):
            name = obj.find('name').text
            if name not in cat_id:
                continue  # other classes are left out, as class subsetting would
            difficult = obj.find('difficult')
            difficult = int(difficult.text) if difficult is not None and difficult.text else 0
            bnd = obj.find('bndbox')
            x1, y1, x2, y2 = (int(float(bnd.find(k).text)) - 1 for k in ('xmin', 'ymin', 'xmax', 'ymax'))
            if x2 < x1 or y2 < y1:
                raise ValueError(f"'{xml_path}': object {name} has a negative-size box {[x1, y1, x2, y2]}")
            w_box, h_box = x2 - x1, y2 - y1
            annotations.append(dict(
                id=len(annotations) + 1, image_id=n, category_id=cat_id[name], bbox=[x1, y1, w_box, h_box],
                area=int(w_box * h_box), iscrowd=difficult, ignore=0,
                segmentation=[[x1, y1, x1, y2, x2, y2, x2, y1]]))
    categories = [dict(supercategory='none', id=i, name=name) for name, i in cat_id.items()]
    return dict(images=images, annotations=annotations, categories=categories, type='instance')


def images_to_coco(img_dir, classes, exclude_extensions=None):
    """A COCO dict listing every image under ``img_dir`` (recursively, sorted), no annotations.

    classes: class names or a text file with one per line (category ids 1..K).
    """
    if isinstance(classes, str):
        with open(classes) as f:
            classes = [line.strip() for line in f if line.strip()]
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f"image folder '{img_dir}' does not exist")
    excluded = tuple(e.lower() if e.startswith('.') else '.' + e.lower() for e in (exclude_extensions or ()))
    files = []
    for dirpath, _, names in os.walk(img_dir):
        for name in names:
            ext = osp.splitext(name)[1].lower()
            if ext in IMG_EXTENSIONS and ext not in excluded:
                files.append(osp.relpath(osp.join(dirpath, name), img_dir))
    images = []
    for i, rel in enumerate(sorted(files)):
        try:
            w, h = _image_size(osp.join(img_dir, rel))
        except Exception as e:  # noqa: BLE001 - PIL raises several types for bad files
            raise ValueError(f"'{osp.join(img_dir, rel)}' cannot be read as an image: {e}") from e
        images.append(dict(id=i, file_name=rel, width=w, height=h))
    return dict(images=images, annotations=[], categories=[dict(id=i + 1, name=c) for i, c in enumerate(classes)])


def save_json(obj, path):
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(obj, f)
    return path
