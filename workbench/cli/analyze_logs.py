"""``workbench analyze-logs plot_curve|cal_train_time LOG.json ...`` (mmdet's
``tools/analysis_tools/analyze_logs.py``): plot logged values against the iteration, or print training speed."""
from __future__ import annotations

import os.path as osp


def add_parser(subparsers, parents=()):
    parser = subparsers.add_parser(
        'analyze-logs', parents=list(parents), help='plot curves from log.json files / compute training time',
        description='Analyse TIMESTAMP.log.json files written during training. Several files with the same '
                    '--legend name are one resumed run.')
    tasks = parser.add_subparsers(dest='task', metavar='TASK', required=True)
    plot = tasks.add_parser('plot_curve', parents=list(parents), help='plot keys (losses, lr, bbox_mAP, ...)')
    plot.add_argument('json_logs', type=str, nargs='+', help='path of train log in json format')
    plot.add_argument('--keys', type=str, nargs='+', default=['bbox_mAP'], help='the metric(s) to plot')
    plot.add_argument('--start-epoch', type=int, default=1, help='the epoch that plotting starts from')
    plot.add_argument('--eval-interval', type=int, default=None,
                      help='accepted for compatibility: evaluation points are placed at the end of the epoch they '
                           'were logged in, whatever the interval')
    plot.add_argument('--title', type=str, help='title of figure')
    plot.add_argument('--legend', type=str, nargs='+', default=None,
                      help='a name per log file (files sharing a name are one resumed run)')
    plot.add_argument('--backend', type=str, default=None, help='accepted for compatibility (always Agg)')
    plot.add_argument('--style', type=str, default='whitegrid', help='seaborn style of the figure')
    plot.add_argument('--smooth', type=int, default=1, help='running-mean window for training curves')
    plot.add_argument('--out', type=str, default=None,
                      help='figure file (.png/.pdf/.svg; default: <first log without .log.json>_<keys>.png); the '
                           'plotted values go to a .csv next to it')
    cal = tasks.add_parser('cal_train_time', parents=list(parents), help='average iteration time per run')
    cal.add_argument('json_logs', type=str, nargs='+', help='path of train log in json format')
    cal.add_argument('--include-outliers', action='store_true',
                     help='include the first iteration of each epoch when computing the average time')
    cal.add_argument('--legend', type=str, nargs='+', default=None, help='a name per log file')
    cal.add_argument('--out', type=str, default=None, help='also write the table to this .csv or .json file')
    return parser


def _load(args):
    from workbench.analysis import load_json_logs
    if args.legend is not None and len(args.legend) != len(args.json_logs):
        raise ValueError(f'--legend has {len(args.legend)} names for {len(args.json_logs)} log files')
    for path in args.json_logs:
        if not path.endswith('.json'):
            raise ValueError(f'{path}: expected a .log.json file (the text .log cannot be parsed)')
    return load_json_logs(args.json_logs, run_names=args.legend)


def run(args) -> int:
    from ._common import save_figure, use_agg_backend, write_json, write_table

    use_agg_backend()
    df = _load(args)
    if args.task == 'cal_train_time':
        from workbench.analysis import cal_train_time
        table, text = cal_train_time(df, include_outliers=args.include_outliers)
        print(text)
        if args.out:
            if args.out.endswith('.json'):
                write_json(table.to_dict(orient='records'), args.out)
            else:
                write_table(table, args.out)
            print(f'table written to {args.out}')
        return 0

    import seaborn as sns

    from workbench.analysis import plot_curve
    df = df[df['epoch'].astype(int) >= args.start_epoch]
    if args.style:
        sns.set_style(args.style)
    fig = plot_curve(df, keys=args.keys, title=args.title, smooth=args.smooth)
    out = args.out
    if out is None:
        first = args.json_logs[0]
        stem = first[:-len('.log.json')] if first.endswith('.log.json') else osp.splitext(first)[0]
        out = f'{stem}_{"-".join(args.keys)}.png'
    save_figure(fig, out)
    cols = ['run', 'mode', 'epoch', 'iter', 'step'] + [k for k in args.keys]
    values = df[df[args.keys].notna().any(axis=1)][cols]
    csv = osp.splitext(out)[0] + '.csv'
    write_table(values, csv)
    print(f'figure written to {out}; values to {csv}')
    return 0
