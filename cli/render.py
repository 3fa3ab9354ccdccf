"""Terminal rendering: WhatsApp markup (*bold*, _italic_, ~strike~, ```mono```) as rich text, tool calls in a line."""

from __future__ import annotations

import json
import re
from typing import Any

from rich.text import Text

# WhatsApp applies a style when the marker hugs a word on both sides: "*$4,605.82*" is bold, "2 * 3" is not.
_MARKUP = re.compile(
    r"```(?P<mono>.+?)```"
    r"|(?<![\w*])\*(?P<bold>\S(?:.*?\S)?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>\S(?:.*?\S)?)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>\S(?:.*?\S)?)~(?![\w~])",
    re.DOTALL,
)
STYLES = {"mono": "cyan", "bold": "bold", "italic": "italic", "strike": "strike"}


def whatsapp_text(text: str, style: str = "") -> Text:
    """`text` with WhatsApp's markers turned into styles (and removed); nested markers are applied too."""
    out = Text(style=style)
    position = 0
    for match in _MARKUP.finditer(text):
        out.append(text[position : match.start()])
        kind = match.lastgroup or "bold"
        inner = match.group(kind)
        out.append_text(Text(inner, style=STYLES[kind]) if kind == "mono" else whatsapp_text(inner, STYLES[kind]))
        position = match.end()
    out.append(text[position:])
    return out


def tool_summary(name: str, output: Any) -> str:
    """A few words about a tool's result: counts, the payment, the booking; any other tool gets its keys."""
    if not isinstance(output, dict):
        return "no output" if output is None else str(output)[:60]
    if output.get("error"):
        return f"error: {output['error']}"[:80]
    if name == "search_inventory" or isinstance(output.get("results"), list):
        shown = len(output.get("results") or [])
        total = output.get("total", shown)
        return f"{total} result{'s' if total != 1 else ''}" + (f", {shown} shown" if shown != total else "")
    if name == "calculate_financing" and "monthly_payment" in output:
        return f"${float(output['monthly_payment']):,.2f}/month over {output.get('term_months')} months"
    if name == "schedule_visit" and "visit_id" in output:
        return f"visit {output['visit_id']} {output.get('status', '')}".strip()
    if name == "normalize_brand":
        found = " ".join(str(output[k]) for k in ("make", "model") if output.get(k))
        return f"{found} ({output.get('method', '?')})" if found else "unknown brand"
    return ", ".join(list(output)[:5]) or "{}"


def tool_line(call: dict[str, Any]) -> Text:
    """`search_inventory make=Chevrolet max_price=300000 → 7 results`."""
    args = " ".join(f"{k}={_short(v)}" for k, v in (call.get("args") or {}).items() if v is not None)
    line = Text(call.get("name", "?"), style="bold magenta")
    line.append(f" {args}" if args else "", style="dim")
    line.append(f" → {tool_summary(call.get('name', ''), call.get('output'))}", style="magenta")
    return line


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"
