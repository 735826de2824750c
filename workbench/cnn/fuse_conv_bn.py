"""``fuse_conv_bn``: fold each BatchNorm that directly follows a conv into the conv, for inference."""
import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm


def _fuse(conv: nn.Module, bn: _BatchNorm) -> nn.Module:
    # BN(y) = (y - mean) / sqrt(var + eps) * gamma + beta, folded into the conv's weight and bias
    conv_w = conv.weight
    conv_b = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
    factor = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    conv.weight = nn.Parameter(conv_w * factor.reshape([conv.out_channels] + [1] * (conv_w.dim() - 1)))
    conv.bias = nn.Parameter((conv_b - bn.running_mean) * factor + bn.bias)
    return conv


def fuse_conv_bn(module: nn.Module) -> nn.Module:
    """Recursively fuse every (conv, bn) pair of consecutive children; the bn is replaced by ``nn.Identity`` so
    state_dict layouts stay navigable. Use in eval mode only (running statistics are folded)."""
    last_conv, last_conv_name = None, None
    for name, child in module.named_children():
        if isinstance(child, (_BatchNorm, nn.SyncBatchNorm)):
            if last_conv is None or not child.track_running_stats:
                continue
            fused = _fuse(last_conv, child)
            module._modules[last_conv_name] = fused
            module._modules[name] = nn.Identity()
            last_conv = None
        elif isinstance(child, nn.Conv2d):
            last_conv, last_conv_name = child, name
        else:
            fuse_conv_bn(child)
    return module
