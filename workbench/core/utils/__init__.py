from .misc import (center_of_mass, filter_scores_and_topk, flip_tensor, generate_coordinate, mask2ndarray,
                   multi_apply, reduce_mean, select_single_mlvl, unmap)

__all__ = ['center_of_mass', 'filter_scores_and_topk', 'flip_tensor', 'generate_coordinate', 'mask2ndarray',
           'multi_apply', 'reduce_mean', 'select_single_mlvl', 'unmap']
