from .base_sampler import BaseSampler
from .ohem_sampler import OHEMSampler
from .pseudo_sampler import PseudoSampler
from .random_sampler import RandomSampler
from .sampling_result import SamplingResult

__all__ = ['BaseSampler', 'OHEMSampler', 'PseudoSampler', 'RandomSampler', 'SamplingResult']
