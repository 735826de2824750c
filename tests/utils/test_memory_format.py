"""workbench.utils.memory_format: the `memory_format` config key."""
import pytest
import torch

from workbench.engine import load_checkpoint, save_checkpoint
from workbench.models import build_backbone
from workbench.utils import set_memory_format


def resnet18():
    torch.manual_seed(0)
    return build_backbone(dict(type='ResNet', depth=18, num_stages=4, out_indices=(0, 1, 2, 3),
                               norm_cfg=dict(type='BN'), norm_eval=False)).eval()


def test_channels_last_outputs_and_values():
    model = resnet18()
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        expected = model(x)
        assert set_memory_format(model, 'channels_last') is model
        assert model.conv1.weight.is_contiguous(memory_format=torch.channels_last)
        outs = model(x)  # a contiguous input: the converted weights carry the layout through the network
    for out, exp in zip(outs, expected):
        assert out.is_contiguous(memory_format=torch.channels_last) and not out.is_contiguous()
        torch.testing.assert_close(out, exp, atol=1e-4, rtol=1e-4)
    set_memory_format(model, 'contiguous')
    assert model.conv1.weight.is_contiguous()


def test_none_leaves_the_model_alone():
    model = resnet18()
    set_memory_format(model, None)
    assert model.conv1.weight.is_contiguous()


def test_unknown_format_is_named():
    with pytest.raises(ValueError, match=r"memory_format must be one of \['channels_last', 'contiguous'\].*'nhwc'"):
        set_memory_format(resnet18(), 'nhwc')


def test_checkpoint_round_trip_between_formats(tmp_path):
    """A checkpoint saved from a channels_last model loads into a contiguous one with the same values."""
    model = set_memory_format(resnet18(), 'channels_last')
    path = tmp_path / 'cl.pth'
    save_checkpoint(model, str(path))
    fresh = build_backbone(dict(type='ResNet', depth=18, num_stages=4, out_indices=(0, 1, 2, 3)))
    load_checkpoint(fresh, str(path), map_location='cpu', strict=True)
    for (name, a), b in zip(model.state_dict().items(), fresh.state_dict().values()):
        assert torch.equal(a, b), name
    assert fresh.conv1.weight.is_contiguous()
