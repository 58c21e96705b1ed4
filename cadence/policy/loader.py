"""Reading a policy file: YAML with the line and column of every node, validated into a
:class:`~cadence.policy.models.Policy`, every problem reported at once.

Only this module touches policy files. It composes the YAML node tree itself (PyYAML's composer)
so that each key and value keeps its position; pydantic's error locations and the semantic checks'
paths are then mapped back to ``file:line:column``.
"""

from __future__ import annotations

import copy
import difflib
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from cadence.errors import Location, PolicyError, Problem
from cadence.policy.checks import Path_, check_policy
from cadence.policy.models import Policy

_Marks = dict[Path_, tuple[int, int]]


class PolicyLoader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 reading of plain words: only true/false are
    booleans (YAML 1.1 also reads yes/no/on/off, so Norway's code NO became False), and
    21:00 is text, not the base-60 number 1260. Its resolver table is its own copy."""


PolicyLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)


class MarkedDocument:
    """The plain data of a YAML document and where each of its parts starts."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.key_marks: _Marks = {}
        self.value_marks: _Marks = {}
        self.problems: list[Problem] = []
        self._constructor = yaml.constructor.SafeConstructor()

    def location(self, path: Path_, *, key: bool = False) -> Location:
        """The position of the part at ``path`` (its key, when asked and known), or of the
        nearest enclosing part that has one."""
        marks = self.key_marks if key and path in self.key_marks else self.value_marks
        probe = path
        while probe not in marks and probe:
            probe = probe[:-1]
        line, column = marks.get(probe, (1, 1))
        return Location(self.file, line, column)

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.value_marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            own: set[str] = set()
            for key_node, _ in node.value:
                if (
                    isinstance(key_node, yaml.ScalarNode)
                    and key_node.tag != "tag:yaml.org,2002:merge"
                ):
                    if key_node.value in own:
                        self._problem(
                            key_node,
                            "duplicate-key",
                            f"the key '{key_node.value}' appears twice here; keep one",
                        )
                    own.add(key_node.value)
            self._constructor.flatten_mapping(node)
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                # Keys are words, read as written: YAML 1.1 would turn `on:` into True.
                if not isinstance(key_node, yaml.ScalarNode):
                    self._problem(key_node, "bad-value", "a key must be a plain word")
                    continue
                key = key_node.value
                child = (*path, key)
                self.key_marks[child] = (
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._constructor.construct_object(node, deep=True)

    def _problem(self, node: yaml.Node, code: str, message: str) -> None:
        mark = node.start_mark
        self.problems.append(
            Problem(Location(self.file, mark.line + 1, mark.column + 1), code, message)
        )


def load_policy(source: str | Path, *, text: str | None = None) -> Policy:
    """Read and validate a policy file; raise :class:`PolicyError` with every problem.

    ``text`` gives the YAML directly (``source`` then only names it in messages).
    """
    file = str(source)
    if text is None:
        try:
            text = Path(source).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PolicyError(
                [Problem(Location(file, 1, 1), "yaml-syntax", "no such file")]
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise PolicyError(
                [Problem(Location(file, 1, 1), "yaml-syntax", f"cannot read the file: {error}")]
            ) from None
    return parse_policy(text, file)


def parse_policy(text: str, file: str = "<policy>") -> Policy:
    """Validate a policy given as YAML text; ``file`` names it in messages."""
    return parse_policy_with_marks(text, file)[0]


def parse_policy_with_marks(text: str, file: str = "<policy>") -> tuple[Policy, MarkedDocument]:
    """Like :func:`parse_policy`, with the document that locates each part (for warnings)."""
    document = MarkedDocument(file)
    try:
        node = yaml.compose(text, Loader=PolicyLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(p for p in (error.context, error.problem) if p)
        raise PolicyError(
            [Problem(Location(file, line, column), "yaml-syntax", message or "not valid YAML")]
        ) from None
    if node is None or not isinstance(node, yaml.MappingNode):
        raise PolicyError(
            [
                Problem(
                    Location(file, 1, 1),
                    "not-a-mapping",
                    "a policy file is a mapping with at least 'policy', 'timezone' and 'rules'",
                )
            ]
        )
    data = document.build(node, ())
    problems = list(document.problems)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as error:
        problems.extend(_validation_problems(error, document))
        problems.extend(_salvaged_findings(data, error, document))
        raise PolicyError(problems) from None
    problems.extend(
        Problem(document.location(path, key=key), code, message)
        for path, key, code, message in check_policy(policy)
    )
    if problems:
        raise PolicyError(problems)
    return policy, document


_SECTIONS = ("rules", "stops", "caps", "grades", "quiet_hours")


def _salvaged_findings(
    data: dict[str, Any], error: ValidationError, document: MarkedDocument
) -> Iterator[Problem]:
    """The name checks of the parts that are well formed, so that a misspelt key in one rule
    does not hide an unknown channel in another: every problem at once.

    A misspelt key is read as the key it is closest to (``calender`` as ``calendar``, a rule's
    ``titel`` as ``title``; one with no close match is left out). The items of the policy's
    lists that have other structural problems are set aside (and so is an item whose keys,
    read so, still do not make sense). The rest is validated again and checked, and the paths
    are mapped back to the original items. Any other problem outside the lists leaves nothing
    sound to check against.
    """
    errors = error.errors(include_url=False)
    failing = [tuple(entry["loc"]) for entry in errors]
    broken: dict[str, set[int]] = {}
    misspelt: list[Path_] = []  # outside the lists
    in_items: dict[tuple[str, int], list[Path_]] = {}  # an item's misspelt keys
    for entry in errors:
        loc: Path_ = tuple(entry["loc"])
        if _items_failed(entry, failing):
            continue
        spelling = entry["type"] == "extra_forbidden"
        if len(loc) >= 2 and loc[0] in _SECTIONS and isinstance(loc[1], int):
            item = (str(loc[0]), loc[1])
            if spelling and item not in broken.get(item[0], ()):
                in_items.setdefault(item, []).append(loc)
            else:
                broken.setdefault(item[0], set()).add(item[1])
                in_items.pop(item, None)
        elif spelling:
            misspelt.append(loc)
        else:
            return  # a problem outside the lists: nothing sound to check against
    while True:
        repaired = [loc for locs in in_items.values() for loc in locs]
        found = _salvaged(data, broken, [*misspelt, *repaired])
        if found is None:
            return
        policy, kept = found
        if isinstance(policy, Policy):
            break
        # Items whose keys, read so, still do not make sense are set aside in turn.
        still = [item for item in _items_of(policy, kept) if item in in_items]
        if not still:
            return
        for section, index in still:
            in_items.pop((section, index), None)  # an item may fail more than once
            broken.setdefault(section, set()).add(index)
    for path, key, code, message in check_policy(policy):
        if len(path) >= 2 and path[0] in kept and isinstance(path[1], int):
            path = (path[0], kept[str(path[0])][path[1]], *path[2:])
        yield Problem(document.location(path, key=key), code, message)


def _salvaged(
    data: dict[str, Any], broken: dict[str, set[int]], misspelt: list[Path_]
) -> tuple[Policy | ValidationError, dict[str, list[int]]] | None:
    """The policy of ``data`` with its ``misspelt`` keys read as the keys they are closest to
    and the ``broken`` items of its lists left out (or the error when that is still not a valid
    policy), and, for each list with items left out, the original index of each item kept;
    ``None`` when a list is not a list."""
    salvaged = copy.deepcopy(data) if misspelt else dict(data)
    for loc in misspelt:
        parent: Any = salvaged
        for part in loc[:-1]:
            parent = parent[part]
        value = parent.pop(loc[-1])
        meant = _closest(str(loc[-1]), allowed_keys(loc[:-1]))
        if meant is not None and meant not in parent:
            parent[meant] = value
    kept: dict[str, list[int]] = {}
    for section, indices in broken.items():
        items = salvaged.get(section)
        if not isinstance(items, list):
            return None
        kept[section] = [i for i in range(len(items)) if i not in indices]
        salvaged[section] = [items[i] for i in kept[section]]
    try:
        return Policy.model_validate(salvaged), kept
    except ValidationError as error:
        return error, kept


def _items_of(error: ValidationError, kept: dict[str, list[int]]) -> list[tuple[str, int]]:
    """The items of the policy's lists, by their original index (``kept`` maps the indices of
    a list with items left out), that a salvaged policy still fails on."""
    found: list[tuple[str, int]] = []
    for entry in error.errors(include_url=False):
        loc = tuple(entry["loc"])
        if len(loc) >= 2 and loc[0] in _SECTIONS and isinstance(loc[1], int):
            section = str(loc[0])
            indices = kept.get(section)
            found.append((section, loc[1] if indices is None else indices[loc[1]]))
    return found


def _items_failed(entry: Any, failing: list[tuple[Any, ...]]) -> bool:
    """Whether a pydantic error is a list found too short only because its items failed (whose
    own problems say it)."""
    loc = tuple(entry["loc"])
    return entry["type"] == "too_short" and any(
        other[: len(loc)] == loc and other != loc for other in failing
    )


def _closest(key: str, allowed: list[str]) -> str | None:
    """The allowed key a misspelt one most likely meant, if one is close enough."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    return close[0] if close else None


def problems_of(policy: Policy) -> list[Problem]:
    """The semantic problems of a policy built in code (not from a file): located by path."""
    return [
        Problem(
            Location(f"<policy {policy.policy}>", 0, 0),
            code,
            f"{_describe(path) if path else 'the policy'}: {message}",
        )
        for path, _key, code, message in check_policy(policy)
    ]


def _validation_problems(
    error: ValidationError, document: MarkedDocument, root: type[BaseModel] = Policy
) -> Iterator[Problem]:
    """Pydantic's errors as located problems; ``root`` is the model the document was validated
    against (a policy, or another YAML file read the same way such as an export mapping)."""
    whole = "the policy" if root is Policy else "the file"
    errors = error.errors(include_url=False)
    failing = [tuple(e["loc"]) for e in errors]
    for entry in errors:
        loc: Path_ = tuple(entry["loc"])
        kind = entry["type"]
        if _items_failed(entry, failing):
            continue
        message = str(entry["msg"]).removeprefix("Value error, ")
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = allowed_keys(loc[:-1], root)
            message = f"unknown key '{key}' in {_describe(loc[:-1], whole)}"
            meant = _closest(key, allowed)
            if meant is not None:
                message += f"; did you mean '{meant}'?"
            if allowed:
                message += f" (expected one of: {', '.join(allowed)})"
            yield Problem(document.location(loc, key=True), "unknown-key", message)
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            message = (
                f"{_describe(loc, whole)} must be a mapping of keys to values "
                f"(key: value, or {{key: value}}), got {entry.get('input')!r}"
            )
            yield Problem(document.location(loc), "not-a-mapping", message)
        elif kind == "missing":
            message = f"{_describe(loc[:-1], whole)} needs the key '{loc[-1]}'"
            yield Problem(document.location(loc[:-1]), "missing-key", message)
        else:
            code = (
                "bad-duration"
                if "duration" in message
                else "bad-time"
                if "time of day" in message
                else "bad-value"
            )
            if kind not in ("value_error", "assertion_error"):
                message = f"{_describe(loc, whole)}: {message}, got {entry.get('input')!r}"
            yield Problem(document.location(loc), code, message)


def _describe(path: Path_, whole: str = "the policy") -> str:
    names = [p for p in path if isinstance(p, str)]
    if not names:
        return whole
    shown = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path)
    return f"'{shown.replace('.[', '[')}'"


def allowed_keys(path: Path_, root: type[BaseModel] = Policy) -> list[str]:
    """The keys the model at ``path`` of a policy (or of another ``root``) accepts (their YAML
    spelling)."""
    current: Any = root
    for part in path:
        current = _child_type(current, part)
        if current is None:
            return []
    model = _model_in(current)
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _child_type(annotation: Any, part: str | int) -> Any:
    model = _model_in(annotation)
    if isinstance(part, str) and model is not None:
        for name, field in model.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    if typing.get_origin(annotation) is dict:
        return typing.get_args(annotation)[1]
    for arg in _args(annotation):
        if arg is not type(None) and arg is not Ellipsis:
            found = arg if isinstance(part, int) else _child_type(arg, part)
            if found is not None:
                return found
    return None


def _args(annotation: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return (typing.get_args(annotation)[0],)
    return typing.get_args(annotation)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            model = _model_in(arg)
            if model is not None:
                return model
    return None
