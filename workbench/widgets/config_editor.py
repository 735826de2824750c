"""ConfigEditor: the resolved config as an editable form, with origins, a live diff and validation."""
from __future__ import annotations

from typing import Dict, Tuple, Union

import ipywidgets as W

from workbench.config import Config
from workbench.config.inspect import (leaves, leaves_table, parse_value, registry_for_key, save_config, set_by_key,
                                      type_signature, validate_model)


def _load(config_or_path) -> Config:
    if isinstance(config_or_path, Config):
        return config_or_path
    return Config.fromfile(str(config_or_path))


class ConfigEditor(W.VBox):
    """Edit a config in a notebook.

    Every leaf is a field (checkbox, number, text, or — for ``type`` fields — a dropdown of the registry's names
    showing the chosen type's constructor signature), labelled with the file its value comes from. Each edit
    re-validates by building the model (parameter count and FLOPs at ``input_shape``, or the error with the path of
    the faulty node) and refreshes the diff against the loaded config. State: ``cfg`` (the edited Config),
    ``original``, ``validation`` (the last result of :func:`validate_model`), ``diff`` (text).
    """

    def __init__(self, config_or_path: Union[str, Config], input_shape: Tuple[int, int, int] = (3, 256, 256),
                 validate: bool = True, count_flops: bool = True):
        self.original = _load(config_or_path)
        self.cfg = self.original
        self.input_shape = input_shape
        self.auto_validate = validate
        self.count_flops = count_flops
        self.validation = None
        self.diff = ''
        self.fields: Dict[str, W.Widget] = {}
        self.status = W.HTML()
        self.diff_view = W.HTML()
        self.chain_view = W.HTML(self._chain_html())
        self.save_path = W.Text(value='edited_config.py', description='save as')
        self.save_button = W.Button(description='save', icon='save')
        self.save_button.on_click(lambda _b: self.save(self.save_path.value))
        self.signature = W.HTML()
        self.form = self._build_form()
        tabs = W.Tab([self.form, W.VBox([self.diff_view]), W.VBox([self.chain_view])])
        for i, title in enumerate(['fields', 'diff vs loaded', 'inheritance']):
            tabs.set_title(i, title)
        super().__init__([self.status, self.signature, tabs, W.HBox([self.save_path, self.save_button])])
        self.refresh()

    def _chain_html(self) -> str:
        chain = self.original.base_chain or [self.original.filename or '<dict>']
        items = ''.join(f'<li><code>{f}</code></li>' for f in chain)
        return f'<b>_base_ chain</b> (merge order; later files override earlier ones):<ol>{items}</ol>'

    def _field_for(self, key, value):
        if key.endswith('.type') and isinstance(value, str):
            registry = registry_for_key(key)
            options = sorted(set(registry.list()) | {value})
            w = W.Dropdown(options=options, value=value)
        elif isinstance(value, bool):
            w = W.Checkbox(value=value, indent=False)
        elif isinstance(value, int):
            w = W.IntText(value=value)
        elif isinstance(value, float):
            w = W.FloatText(value=value)
        elif isinstance(value, str):
            w = W.Text(value=value)
        else:
            w = W.Text(value=repr(value), continuous_update=False)
        w.layout = W.Layout(width='320px')
        w.observe(lambda change, key=key: self._on_edit(key, change['new']), names='value')
        return w

    def _build_form(self):
        table = leaves_table(self.original)
        groups: Dict[str, list] = {}
        for key, value in leaves(self.original).items():
            field = self._field_for(key, value)
            self.fields[key] = field
            origin = table.loc[table.key == key, 'origin'].iloc[0]
            label = W.HTML(f'<code>{key}</code>', layout=W.Layout(width='340px'))
            src = W.HTML(f'<small style="color:#888">{origin}</small>')
            groups.setdefault(key.split('.')[0], []).append(W.HBox([label, field, src]))
        acc = W.Accordion([W.VBox(rows) for rows in groups.values()])
        for i, name in enumerate(groups):
            acc.set_title(i, name)
        return acc

    def _on_edit(self, key, new_value):
        current = leaves(self.cfg).get(key)
        try:
            value = parse_value(new_value, current) if isinstance(new_value, str) and not isinstance(
                current, str) else new_value
            self.cfg = set_by_key(self.cfg, key, value)
        except (ValueError, KeyError) as e:
            self.status.value = f'<span style="color:#c00">edit of <code>{key}</code> rejected: {e}</span>'
            return
        if key.endswith('.type'):
            try:
                self.signature.value = f'<code>{type_signature(registry_for_key(key), value)}</code>'
            except KeyError as e:
                self.signature.value = f'<span style="color:#c00">{e}</span>'
        self.refresh()

    def set(self, key: str, value):
        """Edit a field from code, exactly as typing in it would (the widget shows the new value)."""
        field = self.fields[key]
        field.value = value if not isinstance(field, W.Text) or isinstance(value, str) else repr(value)

    def refresh(self):
        self.diff = Config.diff(self.original, self.cfg)
        self.diff_view.value = ('<i>no changes</i>' if not self.diff else
                                f'<pre>{self.diff.replace("<", "&lt;")}</pre>')
        if self.auto_validate and 'model' in self.cfg:
            self.validation = validate_model(self.cfg, self.input_shape, self.count_flops)
            v = self.validation
            if v['ok']:
                flops = f', {v["flops"] / 1e9:.2f} GFLOPs at {self.input_shape}' if v['flops'] is not None else ''
                self.status.value = f'<span style="color:#080">model builds: {v["params"]:,} parameters{flops}</span>'
            else:
                where = f' at <code>{v["error_path"]}</code>' if v['error_path'] else ''
                self.status.value = f'<span style="color:#c00">model does not build{where}: {v["error"]}</span>'

    def save(self, path: str) -> Config:
        loaded = save_config(self.cfg, path)
        self.status.value += f'<br>saved to <code>{path}</code> (loads back identically)'
        return loaded
