"""Where evaluation summaries go (mmcv ``print_log`` semantics) and the ASCII tables they are printed as."""
import logging


def print_log(msg, logger=None, level=logging.INFO):
    """Print ``msg`` (logger None), drop it ('silent'), or send it to a ``logging.Logger`` / logger name."""
    if logger is None:
        print(msg)
    elif logger == 'silent':
        return
    elif isinstance(logger, logging.Logger):
        logger.log(level, msg)
    elif isinstance(logger, str):
        logging.getLogger(logger).log(level, msg)
    else:
        raise TypeError(f"logger must be None, 'silent', a logging.Logger or a logger name, got {type(logger)}")


def ascii_table(rows, title=None, footer_rows=0):
    """An ASCII table (first row = header); the last ``footer_rows`` rows are separated by a rule."""
    rows = [[str(c) for c in r] for r in rows]
    ncol = max(len(r) for r in rows)
    rows = [r + [''] * (ncol - len(r)) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(ncol)]
    rule = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'

    def line(r):
        return '|' + '|'.join(f' {c:<{w}} ' for c, w in zip(r, widths)) + '|'

    out = []
    if title:
        out.append(title)
    out += [rule, line(rows[0]), rule]
    body = rows[1:]
    for i, r in enumerate(body):
        if footer_rows and i == len(body) - footer_rows:
            out.append(rule)
        out.append(line(r))
    out.append(rule)
    return '\n'.join(out)
