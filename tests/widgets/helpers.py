"""A tiny in-memory dataset and results for widget tests (no files, no browser)."""
import numpy as np


class InMemoryDataset:
    CLASSES = ('cat', 'dog')

    def __init__(self):
        self.data_infos = [dict(filename=f'{i}.png', width=80, height=60) for i in range(3)]
        self._anns = [
            dict(bboxes=np.array([[5, 5, 25, 25], [40, 10, 70, 50]], np.float32), labels=np.array([0, 1])),
            dict(bboxes=np.array([[10, 10, 30, 40]], np.float32), labels=np.array([1])),
            dict(bboxes=np.zeros((0, 4), np.float32), labels=np.zeros(0, np.int64)),
        ]

    def __len__(self):
        return len(self._anns)

    def get_ann_info(self, i):
        return self._anns[i]

    def load_image(self, i):
        rng = np.random.RandomState(i)
        return rng.randint(0, 255, (60, 80, 3)).astype(np.uint8)


def results():
    e = np.zeros((0, 5), np.float32)
    return [
        [np.array([[5, 5, 25, 25, 0.9]], np.float32),          # TP cat
         np.array([[40, 10, 70, 50, 0.8], [41, 10, 70, 50, 0.4]], np.float32)],  # TP dog + duplicate
        [np.array([[10, 10, 30, 40, 0.7]], np.float32), e],    # dog predicted as cat
        [e, np.array([[50, 30, 70, 55, 0.6]], np.float32)],    # background FP
    ]
