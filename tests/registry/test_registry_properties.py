"""Property tests: scoped lookups through random registry trees."""
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.registry import Registry

names = st.text(string.ascii_letters, min_size=1, max_size=6)
scopes = st.lists(st.text(string.ascii_lowercase, min_size=2, max_size=5), min_size=1, max_size=5, unique=True)


@settings(max_examples=60, deadline=None)
@given(scopes=scopes, data=st.data())
def test_scoped_and_unscoped_lookups(scopes, data):
    # a root and a random tree of children, each child under an earlier registry
    root = Registry('model', scope='root')
    regs = [root]
    for scope in scopes:
        parent = data.draw(st.sampled_from(regs))
        regs.append(Registry('model', parent=parent, scope=scope))
    where = {}
    for reg in regs:
        for name in data.draw(st.lists(names, max_size=3, unique=True)):
            cls = type(name, (), {})
            reg.register_module(module=cls)
            where[(reg.scope, name)] = cls

    for (scope, name), cls in where.items():
        owner = next(r for r in regs if r.scope == scope)
        # 'scope.Name' resolves from every registry in the tree
        for reg in regs:
            assert reg.get(f'{scope}.{name}') is cls
        # a bare name resolves in its own registry
        assert owner.get(name) is cls
        # and from a descendant, unless a registry on the way up defines the same name first
        for reg in regs:
            chain, node = [], reg
            while node is not None:
                chain.append(node)
                node = node.parent
            if owner in chain:
                first = next(n for n in chain if name in n.module_dict)
                assert reg.get(name) is first.module_dict[name]
    assert root.get('nosuchscope.X') is None
