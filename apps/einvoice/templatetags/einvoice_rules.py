"""The release of the e-invoice rules in use, for the footer (``{% rules_release %}``), and a
rule explained in plain words (``{{ rule|rule_explanation }}``)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from apps.einvoice.explanations import explain
from apps.einvoice.validation import rules_in_use

register = template.Library()


@register.simple_tag
def rules_release() -> SafeString:
    in_use = rules_in_use()
    if not in_use.release:
        return format_html(
            '<span class="rules-release rules-missing">{}</span>',
            _(
                "E-invoice rules missing or refused: every check says “invalid”. "
                "Run “make install” or set PEPPOL_RULES_DIR."
            ),
        )
    if in_use.is_pinned:
        return format_html(
            '<span class="rules-release">{}</span>',
            _("E-invoice rules: %(release)s") % {"release": in_use.release},
        )
    return format_html(
        '<span class="rules-release rules-older">{}</span>',
        _("E-invoice rules: %(release)s, older than the expected release %(pinned)s")
        % {"release": in_use.release, "pinned": in_use.pinned},
    )


@register.filter
def rule_explanation(rule: str, side: str = "sales") -> str:
    """A validation rule in plain words, in the active language ('' for a rule never seen), for
    the user on ``side``: ``{{ rule|rule_explanation:"received" }}`` on a received document."""
    message = explain(rule, side)
    return str(message) if message else ""
