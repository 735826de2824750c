"""The engine's logging helpers are those of ``workbench.utils.logging`` (one 'workbench' logger set-up)."""
from workbench.utils.logging import get_logger, get_root_logger, print_log

__all__ = ['get_logger', 'get_root_logger', 'print_log']
