"""Toy models and datasets for engine tests (independent of the real detectors and datasets)."""
from collections import OrderedDict

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

from workbench.engine import Hook


class ToyDataset(Dataset):
    """``n`` samples of a noisy linear map; ``evaluate`` reports a made-up but deterministic metric sequence."""
    CLASSES = ('a', 'b')

    def __init__(self, n=8, in_dim=4, seed=0, scores=None):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, in_dim, generator=g)
        self.y = self.x @ torch.arange(1., in_dim + 1).unsqueeze(1) + 0.1 * torch.randn(n, 1, generator=g)
        self.scores = list(scores) if scores is not None else None
        self.eval_calls = 0

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(x=self.x[i], y=self.y[i])

    def evaluate(self, results, logger=None, **kwargs):
        self.eval_calls += 1
        if self.scores is not None:
            return OrderedDict(acc=self.scores[self.eval_calls - 1])
        err = torch.stack([r for r in results]).sub(self.y).abs().mean().item()
        return OrderedDict(mae_loss=err)


class ToyModel(nn.Module):
    """Linear regression with optional dropout/BN; mmdet's model contract (train_step/val_step/forward)."""

    def __init__(self, in_dim=4, hidden=8, dropout=0.0, bn=False, nan_at=None):
        super().__init__()
        self.fc1 = nn.Linear(in_dim, hidden)
        self.bn = nn.BatchNorm1d(hidden) if bn else nn.Identity()
        self.drop = nn.Dropout(dropout) if dropout else nn.Identity()
        self.fc2 = nn.Linear(hidden, 1)
        self.nan_at = nan_at
        self.calls = 0

    def forward(self, x, y=None, return_loss=True, **kwargs):
        pred = self.fc2(self.drop(torch.relu(self.bn(self.fc1(x)))))
        if not return_loss:
            return list(pred.detach())
        loss_a = (pred - y).pow(2).mean()
        loss_b = 0.1 * (pred - y).abs().mean()
        self.calls += 1
        if self.nan_at is not None and self.calls == self.nan_at:
            loss_a = loss_a * float('nan')
        return dict(loss_a=loss_a, loss_b=loss_b)

    def train_step(self, data, optimizer=None, **kwargs):
        losses = self(**data)
        loss = sum(losses.values())
        log_vars = OrderedDict((k, v.item()) for k, v in losses.items())
        log_vars['loss'] = loss.item()
        return dict(loss=loss, log_vars=log_vars, num_samples=len(data['x']))

    def val_step(self, data, optimizer=None, **kwargs):
        return self.train_step(data, optimizer)


class RecordHook(Hook):
    """Records lr, momentum and losses after every training iteration (register with priority LOWEST)."""

    def __init__(self):
        self.records = []

    def after_train_iter(self, runner):
        self.records.append(dict(iter=runner.iter, epoch=runner.epoch, lr=runner.current_lr()[0],
                                 momentum=runner.current_momentum()[0],
                                 loss=float(runner.outputs['loss'].detach())))


def make_loader(n=8, batch_size=2, shuffle=False, seed=0, **kwargs):
    return DataLoader(ToyDataset(n=n, seed=seed, **kwargs), batch_size=batch_size, shuffle=shuffle, num_workers=0)
