"""Form state to HTML: view objects per page, section and field, drawn by Jinja macros.

The engine decides (visible, required, value, errors); this module only turns that decision
into what a template needs: localized texts, input values as the person typed them, options,
and which errors to show. One macro per field type lives in ``templates/fields/``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from engine.compiler import CompiledForm, Node
from engine.evaluate import FormState
from engine.fieldtypes import media_type_names
from engine.messages import localize
from engine.model import GroupField, NoteField, Page, Section

from . import i18n
from .markup import render_markup

TEMPLATES = Path(__file__).resolve().parent / "templates"

# The anti-forgery token of the request being rendered; the application sets it per request
# and every form the templates draw carries it.
form_token: ContextVar[str] = ContextVar("form_token", default="")
# Whether the request being rendered is a parent's (a public link): their pages show no staff
# navigation (no way into the staff's part of POPO).
for_parents: ContextVar[bool] = ContextVar("for_parents", default=False)
# the logged-in person's unread notifications, for the header (counted before a page's handler)
unread_notifications: ContextVar[int] = ContextVar("unread_notifications", default=0)


def html_id(key: str) -> str:
    """A key such as ``toetsen[0].score`` as an HTML id: ``toetsen-0-score``."""
    return key.replace("[", "-").replace("].", "-").replace("]", "").replace(".", "-")


@dataclass
class Option:
    value: str
    label: str
    hint: str = ""
    selected: bool = False


@dataclass
class FieldView:
    key: str
    id: str
    type: str
    label: str = ""
    hint: str = ""
    visible: bool = True
    required: bool = False
    enabled: bool = True
    errors: list[str] = field(default_factory=list)
    value: str = ""
    display: str = ""  # the value as text, for read-only fields and answer summaries
    options: list[Option] = field(default_factory=list)
    appearance: str = ""
    unit: str = ""
    max_length: int | None = None
    rows: int = 5
    note: Markup = field(default_factory=Markup)
    style: str = "info"
    accept: str = ""
    accept_names: str = ""  # a file field's allowed types as people know them: PDF, JPG
    max_size: str = ""  # a file field's largest file in MB, as a number in the language
    files: list[dict[str, Any]] = field(default_factory=list)
    group_rows: list[RowView] = field(default_factory=list)
    add_label: str = ""
    can_add: bool = True
    can_remove: bool = True
    # another person's newer answer that this person's post did not overwrite: the saved and
    # the posted value as text, and the revision of the saved one (set by the runtime)
    conflict: dict[str, Any] | None = None

    @property
    def describedby(self) -> str:
        parts = []
        if self.hint:
            parts.append(f"{self.id}-hint")
        if self.accept_names:
            parts.append(f"{self.id}-limits")
        if self.errors:
            parts.append(f"{self.id}-error")
        return " ".join(parts)


@dataclass
class RowView:
    index: int
    key: str
    label: str
    fields: list[FieldView]


@dataclass
class SectionView:
    id: str
    title: str
    description: str
    visible: bool
    fields: list[FieldView]


class AnswerRow(NamedTuple):
    """One answer in a summary (check answers, the PDF)."""

    label: str
    answer: str
    page_id: str
    anchor: str  # the html id of the field on its page
    changeable: bool  # a person answers it; calculated and generated fields are not changed


@dataclass
class PageView:
    id: str
    number: int
    title: str
    visible: bool
    complete: bool
    sections: list[SectionView] = field(default_factory=list)


def input_value(value: Any, language: str) -> str:
    """A clean value as a person would type it again."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text.replace(".", ",") if language == "nl" else text
    return str(value)


class FormView:
    """Builds the views of one form state in one language."""

    def __init__(
        self,
        form: CompiledForm,
        state: FormState,
        language: str,
        show_errors: Iterable[str] = (),
        files: Mapping[str, list[dict[str, Any]]] | None = None,
        held: Iterable[str] = (),
        sent: bool = False,
    ) -> None:
        self.form = form
        self.sent = sent  # a sent form: a generated field without a value was given apart
        self.state = state
        self.language = i18n.normalize(language)
        self.show_errors = set(show_errors)  # page ids whose errors are shown
        self.held = set(held)  # fields whose errors wait: the person has not seen them yet
        self.files = files or {}

    def t(self, text: Any) -> str:
        return localize(text, self.language)

    # ------------------------------------------------------------------ pages

    def pages(self) -> list[PageView]:
        views = []
        number = 0
        for page in self.form.definition.pages:
            page_state = self.state.pages[page.id]
            if page_state.visible:
                number += 1
            views.append(
                PageView(
                    page.id,
                    number,
                    self.t(page.title),
                    page_state.visible,
                    page_state.complete,
                )
            )
        return views

    def page(self, page_id: str) -> PageView:
        page = self.page_model(page_id)
        view = next(p for p in self.pages() if p.id == page_id)
        view.sections = [self.section(section, page_id) for section in page.sections]
        return view

    def page_model(self, page_id: str) -> Page:
        for page in self.form.definition.pages:
            if page.id == page_id:
                return page
        raise KeyError(page_id)

    def section(self, section: Section, page_id: str) -> SectionView:
        return SectionView(
            section.id,
            self.t(section.title),
            self.t(section.description),
            self.state.visible.get(f"section:{section.id}", False),
            [self.field(element.id, "", page_id) for element in section.fields],
        )

    # ------------------------------------------------------------------ fields

    def field(self, field_id: str, prefix: str, page_id: str) -> FieldView:
        node = self.form.by_key[field_id]
        key = prefix + field_id
        state = self.state
        element = node.element
        view = FieldView(key, html_id(key), node.kind)
        view.visible = state.visible.get(key, False)
        if not view.visible:
            return view
        view.label = self.t(getattr(element, "label", None))
        view.hint = self.t(getattr(element, "hint", None))
        view.required = key in state.required
        view.enabled = state.is_enabled(key)
        if page_id in self.show_errors and key not in self.held:
            view.errors = [m.text(self.language) for m in state.errors.get(key, ())]
        value = state.value.get(key)
        invalid = state.raw.get(key)
        view.value = str(invalid[0]) if invalid is not None else input_value(value, self.language)
        view.display = self.display(node, value)
        if isinstance(element, NoteField):
            view.note = render_markup(self.t(element.text))
            view.style = element.style
        elif isinstance(element, GroupField):
            self.group(view, node, key, page_id)
        else:
            self.options(view, node, key, value)
            view.appearance = getattr(element, "appearance", "")
            view.unit = self.t(getattr(element, "unit", None))
            view.max_length = getattr(element, "max_length", None)
            view.rows = getattr(element, "rows", 5)
            if node.kind == "file":
                view.accept = ",".join(element.accept)
                view.accept_names = media_type_names(element.accept)
                view.max_size = i18n.format_number(element.max_size_mb, self.language)
                view.files = self.files.get(key, [])
        return view

    def options(self, view: FieldView, node: Node, key: str, value: Any) -> None:
        if node.kind == "yesno":
            labels = getattr(node.element, "labels", None) or {}
            yes = self.t(labels.get("yes")) or i18n.gettext(self.language, "Yes")
            no = self.t(labels.get("no")) or i18n.gettext(self.language, "No")
            view.options = [
                Option("true", yes, selected=view.value == "true"),
                Option("false", no, selected=view.value == "false"),
            ]
            return
        if not node.choices:
            return
        allowed = self.state.options.get(key)
        chosen = set(value) if isinstance(value, list) else {view.value}
        view.options = [
            Option(c.value, self.t(c.label), self.t(c.hint), c.value in chosen)
            for c in node.choices
            if allowed is None or c.value in allowed
        ]

    def group(self, view: FieldView, node: Node, key: str, page_id: str) -> None:
        element = node.element
        count = self.state.value.get(key) or 0
        view.add_label = self.t(element.add_label) or i18n.gettext(self.language, "Add a row")
        view.can_add = element.max_rows is None or count < element.max_rows
        view.can_remove = count > element.min_rows
        # a group that needs rows is not optional, whether or not it is marked required
        view.required = view.required or (view.enabled and element.min_rows >= 1)
        for index in range(count):
            row_prefix = f"{key}[{index}]."
            view.group_rows.append(
                RowView(
                    index,
                    f"{key}[{index}]",
                    f"{view.label} {index + 1}",
                    [self.field(child, row_prefix, page_id) for child in node.children],
                )
            )

    def display(self, node: Node, value: Any) -> str:
        if value is None:
            return ""
        if node.kind == "yesno" or isinstance(value, bool):
            yes, no = i18n.gettext(self.language, "Yes"), i18n.gettext(self.language, "No")
            return yes if value else no
        if isinstance(value, date):
            return i18n.format_date(value, self.language)
        if isinstance(value, int | Decimal) and node.kind != "group":
            return i18n.format_number(value, self.language)
        if node.choices:
            labels = {c.value: self.t(c.label) for c in node.choices}
            if isinstance(value, list):
                return ", ".join(labels.get(v, v) for v in value)
            return labels.get(value, str(value))
        if node.kind == "file":
            files = value if isinstance(value, list) else [value]
            return ", ".join(str(f.get("name", "")) for f in files)
        return str(value)

    # ------------------------------------------------------------------ summaries

    def error_summary(self, page_id: str) -> list[tuple[str, str]]:
        """(html id, message) for every error on a page whose errors are shown."""
        if page_id not in self.show_errors:
            return []
        fields = set(self.form.page_fields.get(page_id, ()))
        items = []
        for key, messages in self.state.errors.items():
            node = self.state.error_nodes[key]
            if node.key in fields and key not in self.held:
                label = self.t(getattr(node.element, "label", None))
                row = re.search(r"\[(\d+)\]\.[^.\[]+$", key)
                if row:
                    label = f"{label} ({int(row.group(1)) + 1})"
                for msg in messages:
                    text = msg.text(self.language)
                    items.append((html_id(key), f"{label}: {text}" if label else text))
        order = {html_id(k): i for i, k in enumerate(self.state.visible)}
        return sorted(items, key=lambda item: order.get(item[0], 0))

    def answers(
        self, sections: Collection[str] | None = None
    ) -> list[tuple[PageView, list[AnswerRow]]]:
        """Per visible page: an answer row for each visible field; with ``sections``, only
        the fields of those sections (what parents consented to), and only pages with any."""
        result = []
        for page in self.pages():
            if not page.visible:
                continue
            rows: list[AnswerRow] = []
            for section in self.page_model(page.id).sections:
                if not self.state.visible.get(f"section:{section.id}"):
                    continue
                if sections is not None and section.id not in sections:
                    continue
                for element in section.fields:
                    self._answer_rows(element.id, "", page.id, rows)
            if sections is None or rows:
                result.append((page, rows))
        return result

    def sections_with_answers(self) -> list[tuple[str, str]]:
        """The visible sections that show an answer, as (id, title), in the form's order."""
        found = []
        for page in self.pages():
            if not page.visible:
                continue
            for section in self.page_model(page.id).sections:
                if not self.state.visible.get(f"section:{section.id}"):
                    continue
                rows: list[AnswerRow] = []
                for element in section.fields:
                    self._answer_rows(element.id, "", page.id, rows)
                # a section of what POPO made alone (the aanmeldcode) holds no answer of anyone
                if any(row.answer and row.changeable for row in rows):
                    found.append((section.id, self.t(section.title) or page.title))
        return found

    def _answer_rows(self, field_id: str, prefix: str, page_id: str, rows: list[AnswerRow]) -> None:
        node = self.form.by_key[field_id]
        key = prefix + field_id
        if not self.state.visible.get(key) or node.kind == "note":
            return
        label = self.t(getattr(node.element, "label", None))
        if node.kind == "group":
            count = self.state.value.get(key) or 0
            if count == 0:
                rows.append(AnswerRow(label, "", page_id, html_id(key), True))
            for index in range(count):
                for child in node.children:
                    before = len(rows)
                    self._answer_rows(child, f"{key}[{index}].", page_id, rows)
                    for position in range(before, len(rows)):
                        row = rows[position]
                        rows[position] = row._replace(label=f"{label} {index + 1}: {row.label}")
            return
        answer = self.display(node, self.state.value.get(key))
        if node.read_only and not answer:  # generated: POPO fills it in when the form is sent
            if self.sent:  # the aanmeldcode: on its own letter, not in the archive
                answer = i18n.gettext(self.language, "Given to the parents separately")
            else:
                answer = i18n.gettext(self.language, "Created when the form is sent")
        changeable = node.is_input and not node.read_only
        rows.append(AnswerRow(label, answer, page_id, html_id(key), changeable))


def environment(language: str, extra_templates: Iterable[Path] = ()) -> Environment:
    """A Jinja environment for one interface language, with the field macros and gettext."""
    loader = ChoiceLoader(
        [FileSystemLoader([str(p) for p in extra_templates]), FileSystemLoader(str(TEMPLATES))]
    )
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["html_id"] = html_id
    env.globals["csrf_token"] = form_token.get
    env.globals["for_parents"] = for_parents.get
    env.globals["unread_notifications"] = unread_notifications.get
    env.globals["language"] = i18n.normalize(language)
    env.install_gettext_translations(i18n.translations(i18n.normalize(language)), newstyle=True)  # type: ignore[attr-defined]
    env.filters["date"] = lambda value: i18n.format_date(value, language)
    env.filters["datetime"] = lambda value: i18n.format_datetime(value, language)
    return env
