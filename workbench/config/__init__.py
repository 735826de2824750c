"""Config files with MMCV 1.x semantics: Config, ConfigDict, DictAction.

Loading a ``.py`` config runs it as Python; ``.json``/``.yaml`` configs are data only. See docs/config.md.
"""
from .config import SET_IN_CODE, Config
from .config_dict import ConfigDict
from .dict_action import DictAction
from .loader import ConfigSyntaxError, PACKAGE_PREFIX, packaged_configs_dir, resolve_config_path

__all__ = ['Config', 'ConfigDict', 'DictAction', 'ConfigSyntaxError', 'PACKAGE_PREFIX', 'SET_IN_CODE',
           'packaged_configs_dir', 'resolve_config_path']
