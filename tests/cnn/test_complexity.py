"""get_model_complexity_info / complexity_table (FlopCounterMode-based; FLOPs = 2 x multiply-adds)."""
import io

import pytest
import torch.nn as nn

from workbench.cnn import ConvModule, complexity_table, get_model_complexity_info, params_to_string
from workbench.models import ResNet


def test_conv_flops_by_hand():
    # Conv 3->8, k3, pad 1 on 16x16: MACs = out elements (8*16*16) * (3*3*3) = 55296; FLOPs = 2 * MACs
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 16 * 16, 10))
    flops, params = get_model_complexity_info(model, (3, 16, 16), print_per_layer_stat=False, as_strings=False)
    macs_conv = 8 * 16 * 16 * 3 * 3 * 3
    macs_fc = 8 * 16 * 16 * 10
    assert flops == 2 * (macs_conv + macs_fc)
    assert params == (8 * 3 * 9 + 8) + (8 * 16 * 16 * 10 + 10)
    macs, _ = get_model_complexity_info(model, (3, 16, 16), print_per_layer_stat=False, as_strings=False,
                                        count='macs')
    assert macs == macs_conv + macs_fc


def test_strings_and_printed_table():
    out = io.StringIO()
    flops, params = get_model_complexity_info(ConvModule(3, 8, 3, padding=1), (3, 100, 100), ost=out)
    # 8*100*100*27 MACs = 2.16 M MACs = 4.32 MFLOPs
    assert flops == '4.32 MFLOPs' and params == '224'
    text = out.getvalue()
    assert 'FLOPs (2 per multiply-add)' in text and 'activate' in text and 'conv' in text
    macs, _ = get_model_complexity_info(ConvModule(3, 8, 3, padding=1), (3, 100, 100), print_per_layer_stat=False,
                                        count='macs')
    assert macs == '2.16 MMACs'
    assert params_to_string(23_508_032) == '23.51 M'
    with pytest.raises(ValueError):
        get_model_complexity_info(nn.Conv2d(1, 1, 1), (1, 4, 4), count='gflops')
    with pytest.raises(ValueError):
        get_model_complexity_info(nn.Conv2d(1, 1, 1), [1, 4, 4])


def test_resnet50_params_and_table():
    model = ResNet(50)
    _, params = get_model_complexity_info(model, (3, 32, 32), print_per_layer_stat=False, as_strings=False)
    assert params == 23_508_032
    table = complexity_table(ResNet(18, base_channels=8), (3, 32, 32), max_depth=1)
    assert list(table.columns) == ['module', 'type', 'depth', 'params', 'flops', 'macs', 'flops_%', 'params_%']
    assert table.module.tolist() == ['', 'conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4']
    root = table.iloc[0]
    assert root.flops == table[table.depth == 1].flops.sum()  # every counted op sits in a child
    assert root['flops_%'] == 100.0 and table.set_index('module').loc['bn1', 'flops'] == 0
    # conv1: 7x7, 3->8, stride 2 on 32x32 -> 16x16 output
    assert table.set_index('module').loc['conv1', 'macs'] == 8 * 16 * 16 * 3 * 49


def test_training_mode_restored():
    model = ResNet(18, base_channels=8, norm_eval=False)
    model.train()
    get_model_complexity_info(model, (3, 32, 32), print_per_layer_stat=False)
    assert model.training
