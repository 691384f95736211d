"""How config/settings.py reads the environment: django-environ, and the variables production
must set.

With DEBUG=0 a variable read through `required` must be set (an empty value counts as unset):
each one missing is noted, the settings carry on with the local value so that every missing
variable is found in one pass, and `refuse_if_missing()` (the last line of the settings) then
stops start-up, `manage.py check --deploy` and every other command with ONE message naming them
all. With DEBUG=1 (the embedded first run, `./scripts/demo`) the local value is used quietly.
"""

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured


class _Environ(Mapping[str, str]):
    """The process's environment as django-environ reads it, a leading "$" escaped: django-environ
    takes "$OTHER" for a reference to another variable, so a password beginning with "$" would
    quietly become that variable's value, or the default."""

    def __getitem__(self, name: str) -> str:
        value = os.environ[name]
        return "\\" + value if value.startswith("$") else value

    def __iter__(self) -> Iterator[str]:
        return iter(os.environ)

    def __len__(self) -> int:
        return len(os.environ)


class Env(environ.Env):
    ENVIRON = _Environ()

    def __init__(self) -> None:
        super().__init__()
        self.escape_proxy = True  # the escaped "$" above read back as "$"


env = Env()

REFUSAL = (
    "Refusing to start: the service will not start with DEBUG=0 until these environment "
    "variables are set: {names}. The README's table of environment variables says what each "
    "one holds, with an example; DEBUG=1 runs the embedded local set-up instead."
)
INVALID = "Refusing to start: {problems}."


def is_set(name: str) -> bool:
    return bool(env.str(name, default="").strip())


class Required:
    """`required(name, local=..., parse=env.str)`: the variable parsed, or (unset) `local`,
    which DEBUG=0 refuses at the end of the settings."""

    def __init__(self, *, debug: bool) -> None:
        self.debug = debug
        self.missing: list[str] = []
        self.problems: list[str] = []

    def __call__(self, name: str, *, local: Any, parse: Callable[[str], Any] = env.str) -> Any:
        if is_set(name):
            return parse(name)
        if not self.debug and name not in self.missing:
            self.missing.append(name)
        return local

    def one_of(self, name: str, value: str, choices: list[str]) -> str:
        """A value that must be one of `choices`: anything else is refused, DEBUG or not."""
        if value not in choices:
            self.problems.append(f"{name} must be one of {', '.join(choices)}, not {value!r}")
        return value

    def refuse_if_missing(self) -> None:
        """One message: every missing variable, then every invalid value."""
        problems = "; ".join(self.problems)
        if self.missing:
            message = REFUSAL.format(names=", ".join(self.missing))
            raise ImproperlyConfigured(f"{message} Also: {problems}." if problems else message)
        if problems:
            raise ImproperlyConfigured(INVALID.format(problems=problems))
