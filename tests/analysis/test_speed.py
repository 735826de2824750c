"""measure_fps: warm-up excluded, timed iterations and images counted, loader cycled, conv+bn fused."""
import time

import pytest
import torch
import torch.nn as nn

from workbench.analysis.speed import measure_fps


class SleepyDetector(nn.Module):
    """Sleeps a known time per call and returns one result per image, as a detector's simple_test would."""

    def __init__(self, delay_s=0.01):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.delay_s = delay_s
        self.calls = 0

    def forward(self, img, return_loss=True, rescale=False):
        assert not return_loss and rescale
        self.calls += 1
        time.sleep(self.delay_s)
        out = self.bn(self.conv(img))
        return [out[i] for i in range(len(img))]


def loader(num_batches, batch_size=1):
    return [dict(img=torch.rand(batch_size, 3, 8, 8)) for _ in range(num_batches)]


def test_warmup_not_timed_and_loader_cycled():
    model = SleepyDetector(delay_s=0.02)
    stats = measure_fps(model, loader(2), max_iter=3, warmup=2, log=lambda s: None)
    assert model.calls == 5  # 2 warm-up + 3 timed, over a loader of 2 batches
    assert stats['iterations'] == 3 and stats['images'] == 3 and stats['warmup'] == 2
    assert len(stats['iter_times_ms']) == 3
    assert stats['ms_per_img'] >= 20.0 - 1e-6  # at least the sleep
    assert stats['img_per_s'] == pytest.approx(1000.0 / stats['ms_per_img'])
    assert stats['ms_per_img'] == pytest.approx(sum(stats['iter_times_ms']) / 3)


def test_images_counted_per_batch_and_logging():
    lines = []
    stats = measure_fps(SleepyDetector(0.0), loader(4, batch_size=2), max_iter=4, warmup=0, log_interval=2,
                        log=lines.append)
    assert stats['images'] == 8 and stats['iterations'] == 4
    assert stats['ms_per_img'] == pytest.approx(sum(stats['iter_times_ms']) / 8)
    assert len(lines) == 2 and lines[0].startswith('Done image [2')


def test_fuse_conv_bn_keeps_outputs():
    torch.manual_seed(0)
    model = SleepyDetector(0.0)
    model.bn.running_mean.uniform_(-1, 1)
    model.bn.running_var.uniform_(0.5, 2)
    model.eval()
    data = loader(1)
    with torch.no_grad():
        before = model(return_loss=False, rescale=True, **data[0])[0]
    stats = measure_fps(model, data, max_iter=1, warmup=0, fuse_conv_bn=True)
    assert stats['fused'] and isinstance(model.bn, nn.Identity)
    with torch.no_grad():
        after = model(return_loss=False, rescale=True, **data[0])[0]
    torch.testing.assert_close(after, before, atol=1e-5, rtol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match='max_iter'):
        measure_fps(SleepyDetector(0), loader(1), max_iter=0)
    with pytest.raises(ValueError, match='no batches'):
        measure_fps(SleepyDetector(0), [], max_iter=1, warmup=0)
