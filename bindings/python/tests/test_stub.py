# SPDX-License-Identifier: Apache-2.0
"""The type stub (vaccel.pyi) describes the module as built."""
import ast
import inspect
import pathlib

import vaccel

STUB = pathlib.Path(__file__).resolve().parent.parent / "vaccel.pyi"


def stub_tree():
    return ast.parse(STUB.read_text())


def public(names):
    return {n for n in names if not n.startswith("__")}


def module_nodes(tree):
    """The stub's top-level statements but Protocols: those describe what
    the module accepts (_DLPack) for type checkers, and are not in it."""
    return [n for n in tree.body
            if not (isinstance(n, ast.ClassDef)
                    and any(isinstance(b, ast.Name) and b.id == "Protocol" for b in n.bases))]


def test_stub_is_installed_next_to_the_module():
    built = pathlib.Path(vaccel.__file__).with_name("vaccel.pyi")
    assert built.read_text() == STUB.read_text()


def test_stub_names_match_the_module():
    top = set()
    for node in module_nodes(stub_tree()):
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            top.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            top.add(node.target.id)
    module = {n for n in dir(vaccel) if not n.startswith("__")} | {"__version__"}
    assert public(top) | {"__version__"} == module


def test_stub_members_match_the_classes():
    for node in module_nodes(stub_tree()):
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(vaccel, node.name)
        declared = set()
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                declared.add(item.name)
            elif isinstance(item, ast.Assign):
                declared.update(t.id for t in item.targets if isinstance(t, ast.Name))
            elif isinstance(item, ast.AnnAssign):
                declared.add(item.target.id)
        if issubclass(cls, BaseException):
            assert declared == {"code", "__init__"}
            continue
        if hasattr(cls, "__members__"):  # an enum: its values
            assert {k: int(v) for k, v in cls.__members__.items()} == {
                item.targets[0].id: ast.literal_eval(item.value)
                for item in node.body if isinstance(item, ast.Assign)}
            continue
        actual = {n for n, _ in inspect.getmembers(cls)
                  if not n.startswith("_") or n in ("__enter__", "__exit__")}
        assert public(declared) | ({"__enter__", "__exit__"} & declared) == actual, node.name


def test_everything_public_has_a_docstring():
    assert vaccel.__doc__
    for name in dir(vaccel):
        if name.startswith("__"):
            continue
        obj = getattr(vaccel, name)
        if callable(obj):
            assert obj.__doc__, name
        if inspect.isclass(obj) and not hasattr(obj, "__members__"):
            for member, value in vars(obj).items():
                if member.startswith("_"):
                    continue
                assert value.__doc__, f"{name}.{member}"
