"""POPO's form-definition engine: load → model → check → compile → evaluate.

The engine is pure: it knows no web framework and no database. Its public API:

* :func:`load_form` / :func:`compile_file`: a definition file to a :class:`CompiledForm`
  (or a :class:`DefinitionError` listing every problem with file, line and column);
* :func:`evaluate` and :func:`reevaluate`: answers to a :class:`FormState`;
* :mod:`engine.versions`: content hashes, the lock file, diffs and migrations;
* :mod:`engine.scenarios`: author test scenarios;
* :mod:`engine.procedures`: procedures (``*.procedure.yaml``): statuses, transitions, terms
  and tasks of a case, through the same stages;
* :mod:`engine.calendar` and :mod:`engine.terms`: school days per vakantieregio, and terms
  ("5 schooldagen") counted in them.
"""

from .api import CheckResult, check_file, compile_file, compile_model
from .compiler import CompiledForm
from .errors import DefinitionError, Diagnostic, EngineError, EvaluationError, ExpressionError
from .evaluate import FieldState, FormState, changed_keys, evaluate, reevaluate, template_of

__all__ = [
    "CheckResult",
    "CompiledForm",
    "DefinitionError",
    "Diagnostic",
    "EngineError",
    "EvaluationError",
    "ExpressionError",
    "FieldState",
    "FormState",
    "changed_keys",
    "check_file",
    "compile_file",
    "compile_model",
    "evaluate",
    "reevaluate",
    "template_of",
]
