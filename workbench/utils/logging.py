"""get_logger / print_log with MMCV 1.x behaviour: one set-up per logger name, file logs only on rank 0."""
from __future__ import annotations

import contextlib
import logging
import os
from typing import Iterator, Optional, Union

_initialized = set()


def _rank() -> int:
    try:
        import torch.distributed as dist
        if dist.is_available() and dist.is_initialized():
            return dist.get_rank()
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
    return 0


def get_logger(name: str, log_file: Optional[str] = None, log_level: int = logging.INFO,
               file_mode: str = 'w') -> logging.Logger:
    """A logger named ``name``, set up on first use with a stream handler (and a file handler for ``log_file`` on
    rank 0). Loggers whose name is a prefix of ``name`` count as set up (child loggers propagate to them).
    Non-zero ranks log errors only."""
    logger = logging.getLogger(name)
    if name in _initialized:
        return logger
    for parent in _initialized:
        if name.startswith(parent + '.'):
            return logger
    # torch.distributed may have attached a root StreamHandler; quieten it so lines are not printed twice
    for handler in logger.root.handlers:
        if type(handler) is logging.StreamHandler:
            handler.setLevel(logging.ERROR)

    handlers = [logging.StreamHandler()]
    rank = _rank()
    if rank == 0 and log_file is not None:
        handlers.append(logging.FileHandler(log_file, file_mode))
    formatter = logging.Formatter('%(asctime)s - %(name)s - %(levelname)s - %(message)s')
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.setLevel(log_level)
        logger.addHandler(handler)
    logger.setLevel(log_level if rank == 0 else logging.ERROR)
    _initialized.add(name)
    return logger


def print_log(msg: str, logger: Union[logging.Logger, str, None] = None, level: int = logging.INFO) -> None:
    """Print ``msg`` with ``print`` (logger None), not at all ('silent'), with a Logger, or with the logger of that
    name (set up with get_logger)."""
    if logger is None:
        print(msg)
    elif isinstance(logger, logging.Logger):
        logger.log(level, msg)
    elif logger == 'silent':
        pass
    elif isinstance(logger, str):
        get_logger(logger).log(level, msg)
    else:
        raise TypeError('logger should be either a logging.Logger object, str, "silent" or None, '
                        f'but got {type(logger).__name__}')


def get_root_logger(log_file: Optional[str] = None, log_level: int = logging.INFO) -> logging.Logger:
    """The 'workbench' logger (mmdet's ``get_root_logger``)."""
    return get_logger('workbench', log_file=log_file, log_level=log_level)


@contextlib.contextmanager
def log_file_handler(logger: logging.Logger, log_file: str, log_level: int = logging.INFO,
                     file_mode: str = 'w') -> Iterator[Optional[logging.FileHandler]]:
    """Inside the block, ``logger`` also writes its records of ``log_level`` and above to ``log_file`` (rank 0
    only); the handler is removed and closed afterwards. get_logger sets a logger up once per process (mmcv
    semantics), so without this a second run in one process (a notebook, a test session) would write no log file
    of its own, and the first run's file would collect every later run's lines."""
    if _rank() != 0 or any(isinstance(h, logging.FileHandler) and
                           os.path.abspath(h.baseFilename) == os.path.abspath(log_file) for h in logger.handlers):
        # other ranks log nowhere; a logger first set up with this very file already writes it
        yield None
        return
    handler = logging.FileHandler(log_file, file_mode)
    handler.setFormatter(logging.Formatter('%(asctime)s - %(name)s - %(levelname)s - %(message)s'))
    handler.setLevel(log_level)
    old_level = logger.level
    if logger.level == logging.NOTSET or logger.level > log_level:
        logger.setLevel(log_level)  # a logger first set up quieter would drop the records before the handler
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(old_level)


__all__ = ['get_logger', 'print_log', 'get_root_logger', 'log_file_handler']
