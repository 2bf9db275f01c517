"""HTML of each layout family, rendered to PDF with WeasyPrint.

Families differ where readers stumble: where the seller and the buyer stand (letterhead left,
right, centred, in a sidebar, in the footer, "Van"/"Aan" columns, a DIN address window),
where the number stands (right of its label, below it, in a box, in the title, in a letter's
subject), and where the totals are (a totals block, the items table's footer, a summary box
with a deposit)."""

import random
from html import escape, unescape

from tests.documents.corpus import data
from tests.documents.corpus.catalogue import Invoice


def _e(text: object) -> str:
    return escape(str(text))


def money(x: Invoice, value: object, negate: bool = False) -> str:
    value = -value if negate else value  # type: ignore[operator]
    return _e(data.format_amount(value, x.amount_style, x.currency_style))  # type: ignore[arg-type]


def day(x: Invoice, value: object) -> str:
    return _e(data.format_date(value, x.date_style, x.language))  # type: ignore[arg-type]


def vat_text(x: Invoice, party: data.Party) -> str:
    vat = party.vat
    if party.country != "BE" or x.vat_style == "compact":
        return vat
    if x.vat_style == "dotted":
        return f"BE {party.enterprise_number}"
    return f"BE {vat[2:6]} {vat[6:9]} {vat[9:]}"


def w(x: Invoice, key: str) -> str:
    return _e(data.WORDS[x.language][key])


def label(x: Invoice, key: str) -> str:
    if key == "number" and x.credit_note:
        key = "credit_number"
    return _e(x.labels[key])


def title(x: Invoice) -> str:
    return _e(x.labels["credit_title" if x.credit_note else "invoice_title"])


def logo(x: Invoice, size: int = 46) -> str:
    rng = random.Random(x.seed)
    initials = "".join(word[0] for word in x.seller.name.split()[:2]).upper()
    shape = rng.choice(["circle", "rect", "diamond"])
    body = {
        "circle": f'<circle cx="25" cy="25" r="23" fill="{x.accent}"/>',
        "rect": f'<rect x="2" y="2" width="46" height="46" rx="8" fill="{x.accent}"/>',
        "diamond": f'<polygon points="25,1 49,25 25,49 1,25" fill="{x.accent}"/>',
    }[shape]
    # half of the logos carry the initials as text (as a PDF's text layer then shows them)
    text = (
        f'<text x="25" y="32" font-size="18" text-anchor="middle" fill="white" '
        f'font-family="DejaVu Sans" font-weight="bold">{_e(initials)}</text>'
        if rng.random() < 0.5
        else '<circle cx="25" cy="25" r="9" fill="white"/>'
    )
    return (
        f'<svg width="{size}" height="{size}" viewBox="0 0 50 50" xmlns="http://www.w3.org/2000/svg">'
        f"{body}{text}</svg>"
    )


def party(x: Invoice, who: data.Party, *, strong: bool = True, ids: bool = True) -> str:
    name = f"<strong>{_e(who.name)}</strong>" if strong else _e(who.name)
    lines = [name, _e(who.street), _e(who.city)]
    if who.country != "BE":
        lines.append({"NL": "Nederland", "FR": "France", "DE": "Deutschland"}[who.country])
    if ids:
        lines.append(f"{label(x, 'vat_id')} {_e(vat_text(x, who))}")
    return "<br>".join(lines)


def bank(x: Invoice, who: data.Party, separator: str = "<br>") -> str:
    parts = [f"{label(x, 'bank')}: {_e(data.format_iban(who.iban, x.iban_grouped))}"]
    if x.show_bic:
        parts.append(f"BIC: {_e(who.bic)}")
    return separator.join(parts)


def ogm_line(x: Invoice) -> str:
    if not x.ogm:
        return ""
    return f"<p>{label(x, 'ogm')}: <strong>{_e(data.format_ogm(x.ogm, x.ogm_stars))}</strong></p>"


def meta(x: Invoice, *, with_number: bool = True) -> list[tuple[str, str]]:
    rows = []
    if with_number:
        rows.append((label(x, "number"), _e(x.number)))
    rows.append((label(x, "date"), day(x, x.issue_date)))
    if x.due_date:
        rows.append((label(x, "due"), day(x, x.due_date)))
    if x.customer_number:
        rows.append((w(x, "customer_no"), _e(x.customer_number)))
    if x.your_reference:
        rows.append((w(x, "your_ref"), _e(x.your_reference)))
    if x.original_number:
        rows.append((w(x, "about"), _e(x.original_number)))
    return rows


def meta_inline(x: Invoice, rows: list[tuple[str, str]]) -> str:
    return "".join(f"<div>{k}: {v}</div>" for k, v in rows)


def meta_table(rows: list[tuple[str, str]]) -> str:
    return (
        '<table class="meta">'
        + "".join(f"<tr><td>{k}</td><td><strong>{v}</strong></td></tr>" for k, v in rows)
        + "</table>"
    )


def meta_below(rows: list[tuple[str, str]]) -> str:
    """Labels in a header row, values on the row below."""
    head = "".join(f"<th>{k}</th>" for k, _v in rows)
    body = "".join(f"<td>{v}</td>" for _k, v in rows)
    return f'<table class="below"><tr>{head}</tr><tr>{body}</tr></table>'


def items(x: Invoice, *, tfoot: str = "") -> str:
    sign = x.credit_note and x.negative_credit
    rate = x.show_rate_column
    head = (
        f"<th>{w(x, 'description')}</th><th class=n>{w(x, 'qty')}</th>"
        f"<th class=n>{w(x, 'price')}</th>"
        + (f"<th class=n>{w(x, 'rate')}</th>" if rate else "")
        + f"<th class=n>{w(x, 'amount')}</th>"
    )
    rows = "".join(
        f"<tr><td>{_e(line.description)}</td><td class=n>{line.quantity}</td>"
        f"<td class=n>{money(x, line.unit_price)}</td>"
        + (f"<td class=n>{line.rate} %</td>" if rate else "")
        + f"<td class=n>{money(x, line.amount, sign)}</td></tr>"
        for line in x.money.lines
    )
    return (
        f'<table class="items"><thead><tr>{head}</tr></thead>{tfoot}<tbody>{rows}</tbody></table>'
    )


def total_rows(x: Invoice) -> list[tuple[str, str, bool]]:
    """(label, amount, emphasised) of the totals, as the invoice prints them."""
    sign = x.credit_note and x.negative_credit
    m = x.money
    rows: list[tuple[str, str, bool]] = []
    if m.discount_percent:
        words = {"nl": "Totaal artikelen", "fr": "Total articles", "en": "Items total"}
        rows.append(
            (_e(words.get(x.language, "Summe Positionen")), money(x, m.subtotal, sign), False)
        )
        rows.append(
            (f"{w(x, 'discount')} {m.discount_percent} %", money(x, m.discount, not sign), False)
        )
    rows.append((label(x, "net"), money(x, m.net, sign), False))
    for rate, (base, vat) in m.by_rate.items():
        text = f"{label(x, 'vat')} {rate} %"
        if len(m.by_rate) > 1:
            text += f" ({money(x, base, sign)})"
        rows.append((text, money(x, vat, sign), False))
    if m.deposit:
        rows.append((label(x, "gross_incl"), money(x, m.gross, sign), True))
        rows.append((w(x, "deposit"), money(x, m.deposit, not sign), False))
        rows.append((w(x, "to_pay"), money(x, m.to_pay, sign), True))
    else:
        rows.append((label(x, "gross"), money(x, m.gross, sign), True))
    return rows


def totals(x: Invoice, css: str = "totals") -> str:
    body = "".join(
        f"<tr{' class=strong' if strong else ''}><td>{k}</td><td class=n>{v}</td></tr>"
        for k, v, strong in total_rows(x)
    )
    return f'<table class="{css}">{body}</table>'


def notes(x: Invoice) -> str:
    parts = []
    if x.reverse_charge:
        parts.append(f"<p class=small>{w(x, 'reverse')}</p>")
    if not x.credit_note:
        parts.append(f"<p class=small>{w(x, 'terms')}</p>")
    return "".join(parts)


def css(x: Invoice, extra: str = "", margin: str = "16mm 15mm 20mm 15mm") -> str:
    return f"""<style>
@page {{ size: A4; margin: {margin}; }}
body {{ font-family: "{x.font}", sans-serif; font-size: {x.font_size}pt; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ padding: 1.2mm 1.5mm; vertical-align: top; }}
th {{ text-align: left; border-bottom: 1px solid #888; font-size: 0.9em; }}
.n {{ text-align: right; white-space: nowrap; }}
.items {{ margin: 6mm 0 4mm; }}
.items tbody tr td {{ border-bottom: 0.3px solid #ddd; }}
.totals {{ width: 55%; margin-left: 45%; }}
.totals .strong td {{ font-weight: bold; border-top: 1px solid #222; }}
.meta {{ width: auto; }} .meta td {{ padding: 0.4mm 3mm 0.4mm 0; }}
.below th {{ border: none; color: #666; font-weight: normal; }} .below td {{ font-weight: bold; }}
h1 {{ font-size: 1.9em; color: {x.accent}; margin: 4mm 0; }}
.small {{ font-size: 0.8em; color: #555; }}
.label {{ color: #666; font-size: 0.85em; }}
{extra}
</style>"""


def page(x: Invoice, style: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{x.language}"><head><meta charset="utf-8">{style}</head>'
        f"<body>{body}</body></html>"
    )


# --- the families -----------------------------------------------------------------------


def classic_left(x: Invoice) -> str:
    header = f"""<table><tr>
<td style="width:55%">{logo(x)}<br>{party(x, x.seller)}<br>{_e(x.seller.phone)}</td>
<td><span class=label>{label(x, "buyer")}</span><br>{party(x, x.buyer)}</td></tr></table>"""
    body = f"""{header}<h1>{title(x)}</h1>{meta_inline(x, meta(x))}{items(x)}{totals(x)}
<p>{bank(x, x.seller)}</p>{ogm_line(x)}{notes(x)}"""
    return page(x, css(x), body)


def letterhead_right(x: Invoice) -> str:
    header = f"""<table><tr>
<td style="width:50%; padding-top:28mm">{party(x, x.buyer, strong=False)}</td>
<td style="text-align:right">{logo(x, 56)}<br>{party(x, x.seller)}<br>{_e(x.seller.email)}</td>
</tr></table>"""
    body = f"""{header}<h1>{title(x)}</h1>{meta_table(meta(x))}{items(x)}{totals(x)}
{ogm_line(x)}<p class=small>{bank(x, x.seller, " — ")}</p>{notes(x)}"""
    return page(x, css(x), body)


def centred_title(x: Invoice) -> str:
    s = x.seller
    header = f"""<div style="text-align:center">{logo(x, 60)}<div style="font-size:1.5em">
<strong>{_e(s.name)}</strong></div>{_e(s.street)} – {_e(s.city)}<br>
{label(x, "vat_id")} {_e(vat_text(x, s))} – {_e(s.email)}</div><hr>"""
    buyer = f"<p><span class=label>{label(x, 'buyer')}:</span><br>{party(x, x.buyer)}</p>"
    body = f"""{header}<h1 style="text-align:center">{title(x)} {_e(x.number)}</h1>
{buyer}{meta_inline(x, meta(x, with_number=False))}{items(x)}{totals(x)}
<p>{bank(x, s)}</p>{ogm_line(x)}{notes(x)}"""
    return page(x, css(x), body)


def two_column(x: Invoice) -> str:
    header = f"""<table><tr>
<td style="width:50%"><span class=label>{label(x, "seller")}</span><br>{party(x, x.seller)}</td>
<td><span class=label>{label(x, "buyer")}</span><br>{party(x, x.buyer)}</td></tr></table>"""
    body = f"""<div style="text-align:right">{logo(x, 40)}</div><h1>{title(x)}</h1>{header}
{meta_below(meta(x))}{items(x)}{totals(x)}<p>{bank(x, x.seller)}</p>{ogm_line(x)}{notes(x)}"""
    return page(x, css(x), body)


def footer_identity(x: Invoice) -> str:
    s = x.seller
    footer = f"""<div class="foot"><strong>{_e(s.name)}</strong> · {_e(s.street)} · {_e(s.city)}<br>
{label(x, "vat_id")} {_e(vat_text(x, s))} · {bank(x, s, " · ")}</div>"""
    extra = """.foot { position: fixed; bottom: -12mm; left: 0; right: 0; text-align: center;
font-size: 0.8em; border-top: 1px solid #aaa; padding-top: 2mm; }"""
    header = f"""<table><tr><td>{logo(x, 70)}</td>
<td style="padding-top:20mm; width:45%">{label(x, "buyer")}:<br>{party(x, x.buyer)}</td>
</tr></table>"""
    body = f"""{footer}{header}<h1>{title(x)}</h1>{meta_inline(x, meta(x))}{items(x)}{totals(x)}
{ogm_line(x)}{notes(x)}"""
    return page(x, css(x, extra, margin="15mm 15mm 30mm 15mm"), body)


def boxed_meta(x: Invoice) -> str:
    boxes = "".join(
        f'<td class="box"><div class=label>{k}</div><div><strong>{v}</strong></div></td>'
        for k, v in meta(x)
    )
    extra = """.box { border: 1px solid #555; padding: 2mm; }
.boxes { border-spacing: 2mm; border-collapse: separate; }"""
    header = f"""<table><tr><td style="width:55%">{logo(x)} <strong style="font-size:1.3em">
{_e(x.seller.name)}</strong><br>{_e(x.seller.street)}, {_e(x.seller.city)}<br>{label(x, "vat_id")}
{_e(vat_text(x, x.seller))}</td><td>{label(x, "buyer")}<br>{party(x, x.buyer)}</td></tr></table>"""
    body = f"""{header}<h1>{title(x)}</h1><table class="boxes"><tr>{boxes}</tr></table>
{items(x)}{totals(x)}<p>{bank(x, x.seller)}</p>{ogm_line(x)}{notes(x)}"""
    return page(x, css(x, extra), body)


def table_footer(x: Invoice) -> str:
    span = 4 if x.show_rate_column else 3
    foot = "".join(
        f'<tr class="{"strong" if strong else "sum"}"><td colspan="{span}" class=n>{k}</td>'
        f"<td class=n>{v}</td></tr>"
        for k, v, strong in total_rows(x)
    )
    extra = "tfoot .strong td { font-weight: bold; border-top: 1px solid #222; }"
    header = f"""<table><tr><td style="width:50%">{label(x, "buyer")}:<br>{party(x, x.buyer)}</td>
<td style="text-align:right">{logo(x)}<br>{party(x, x.seller)}</td></tr></table>"""
    table = items(x, tfoot=f"<tfoot>{foot}</tfoot>")  # printed under the items
    body = f"""{header}<h1>{title(x)}</h1>{meta_table(meta(x))}{table}
<p>{bank(x, x.seller)}</p>{ogm_line(x)}{notes(x)}"""
    return page(x, css(x, extra), body)


def multi_page(x: Invoice) -> str:
    number = f"{label(x, 'number')} {x.number}".replace('"', "")
    extra = f"""@page {{ @top-right {{ content: "{number}"; font-size: 8pt; }}
@bottom-right {{ content: "{w(x, "page")} " counter(page) " / " counter(pages); font-size: 8pt; }}
@bottom-left {{ content: "{_e(x.seller.name)} · {_e(x.seller.vat)}"; font-size: 8pt; }} }}
.items tr {{ page-break-inside: avoid; }}"""
    header = f"""<table><tr><td style="width:55%">{logo(x)}<br>{party(x, x.seller)}</td>
<td>{label(x, "buyer")}<br>{party(x, x.buyer)}</td></tr></table>"""
    body = f"""{header}<h1>{title(x)}</h1>{meta_inline(x, meta(x))}{items(x)}
<div style="page-break-inside: avoid">{totals(x)}<p>{bank(x, x.seller)}</p>{ogm_line(x)}
{notes(x)}</div>"""
    return page(x, css(x, extra), body)


def letter(x: Invoice) -> str:
    s = x.seller
    city = s.city.split(" ", 1)[-1] if s.country == "BE" else s.city
    body = f"""<table><tr><td>{logo(x, 40)} <strong style="font-size:1.4em">{_e(s.name)}</strong>
<br><span class=small>{_e(s.street)} · {_e(s.city)} · {_e(s.phone)} · {_e(s.email)}</span>
</td></tr></table>
<div style="margin: 14mm 0 8mm 95mm">{party(x, x.buyer, strong=False, ids=False)}</div>
<p style="text-align:right">{_e(city)}, {day(x, x.issue_date)}</p>
<p>{w(x, "greeting")}</p><p>{w(x, "letter")}</p>
<div style="border:1px solid #999; padding: 4mm; margin: 4mm 0">
<strong>{title(x)}</strong> — {label(x, "number")} {_e(x.number)}<br>
{meta_inline(x, meta(x, with_number=False)[1:])}
{items(x)}{totals(x)}{ogm_line(x)}</div>
<p>{w(x, "regards")}</p><p><em>{_e(s.name.split()[0])}</em><br>{_e(s.name)}</p>
<p class=small>{label(x, "vat_id")} {_e(vat_text(x, s))} · {bank(x, s, " · ")}</p>
<p class=small>{label(x, "buyer")}: {_e(x.buyer.name)}, {label(x, "vat_id")}
{_e(vat_text(x, x.buyer))}</p>
{notes(x)}"""
    return page(x, css(x), body)


def sidebar(x: Invoice) -> str:
    s = x.seller
    side = f"""<td class="side">{logo(x, 60)}<br><br><strong>{_e(s.name)}</strong><br>
{_e(s.street)}<br>
{_e(s.city)}<br><br>{label(x, "vat_id")}<br>{_e(vat_text(x, s))}<br><br>{bank(x, s)}<br><br>
{_e(s.phone)}<br>{_e(s.email)}</td>"""
    extra = f""".side {{ width: 32%; background: {x.accent}; color: white; padding: 6mm 4mm;
font-size: 0.85em; }} .main {{ padding-left: 6mm; }}"""
    main = f"""<td class="main"><h1>{title(x)}</h1>
<p><span class=label>{label(x, "buyer")}</span><br>
{party(x, x.buyer)}</p>{meta_table(meta(x))}{items(x)}{totals(x, "totals wide")}{ogm_line(x)}
{notes(x)}</td>"""
    extra += ".wide { width: 80%; margin-left: 20%; }"
    return page(x, css(x, extra), f"<table><tr>{side}{main}</tr></table>")


def plain_mono(x: Invoice) -> str:
    """A text-only invoice from a small tool: columns padded with spaces, dotted labels."""
    width = 78

    def pair(k: str, v: str) -> str:
        k, v = escape_plain(k), escape_plain(v)
        return f"{k} {'.' * max(2, 22 - len(k))} {v}"

    lines = [x.seller.name.upper(), f"{x.seller.street}, {x.seller.city}"]
    lines += [f"{x.labels['vat_id']} {vat_text(x, x.seller)}", "", title_plain(x), "=" * 20, ""]
    lines += [f"{x.labels['buyer']}:", x.buyer.name, x.buyer.street, x.buyer.city]
    lines += [f"{x.labels['vat_id']} {vat_text(x, x.buyer)}", ""]
    lines += [pair(k, v) for k, v in meta(x)]
    lines += ["", "-" * width]
    for line in x.money.lines:
        amount = data.format_amount(
            -line.amount if x.credit_note and x.negative_credit else line.amount,
            x.amount_style,
            x.currency_style,
        )
        lines.append(
            f"{line.description[:40]:<40} {line.quantity:>5} {line.rate:>4} % {amount:>20}"
        )
    lines.append("-" * width)
    for k, v, _strong in total_rows(x):
        lines.append(f"{escape_plain(k):>50} {escape_plain(v):>20}")
    lines += ["", f"{x.labels['bank']}: {data.format_iban(x.seller.iban, x.iban_grouped)}"]
    if x.show_bic:
        lines.append(f"BIC: {x.seller.bic}")
    if x.ogm:
        lines.append(f"{x.labels['ogm']}: {data.format_ogm(x.ogm, x.ogm_stars)}")
    if x.reverse_charge:
        lines.append(data.WORDS[x.language]["reverse"])
    text = "\n".join(lines)
    return page(x, css(x, "pre { font-family: inherit; }"), f"<pre>{_e(text)}</pre>")


def escape_plain(text: str) -> str:
    return unescape(text)


def title_plain(x: Invoice) -> str:
    return x.labels["credit_title" if x.credit_note else "invoice_title"].upper()


def deposit_summary(x: Invoice) -> str:
    stacked = "".join(
        f"<div class=label>{k}</div><div><strong>{v}</strong></div>" for k, v in meta(x)
    )
    header = f"""<table><tr><td style="width:60%">{logo(x)}<br>{party(x, x.seller)}<br>
{_e(x.seller.phone)}</td><td>{stacked}</td></tr></table>"""
    extra = f""".summary {{ width: 50%; margin-left: 50%; border: 2px solid {x.accent}; }}
.summary .strong td {{ font-weight: bold; background: #eee; }}"""
    body = f"""{header}<h1>{title(x)}</h1>
<p>{label(x, "buyer")}: <strong>{_e(x.buyer.name)}</strong>,
{_e(x.buyer.street)}, {_e(x.buyer.city)} — {label(x, "vat_id")} {_e(vat_text(x, x.buyer))}</p>
{items(x)}{totals(x, "summary")}<p>{bank(x, x.seller)}</p>{ogm_line(x)}{notes(x)}"""
    return page(x, css(x, extra), body)


def din_window(x: Invoice) -> str:
    s = x.seller
    sender = f"{_e(s.name)} · {_e(s.street)} · {_e(s.city)}"
    info = meta_table(meta(x))
    footer = f"""<table class="foot"><tr><td>{_e(s.name)}<br>{_e(s.street)}<br>{_e(s.city)}</td>
<td>{bank(x, s)}</td><td>{label(x, "vat_id")} {_e(vat_text(x, s))}<br>{_e(s.email)}</td>
</tr></table>"""
    extra = """.foot { position: fixed; bottom: -18mm; font-size: 0.75em; color: #444;
border-top: 1px solid #999; } .sender { font-size: 0.7em; text-decoration: underline; }"""
    body = f"""{footer}<div style="text-align:right">{logo(x, 50)}</div>
<table><tr><td style="width:55%; padding-top: 12mm"><div class=sender>{sender}</div>
{party(x, x.buyer, strong=False)}</td><td style="padding-top: 12mm">{info}</td></tr></table>
<p style="margin-top:10mm"><strong>{title(x)} {_e(x.number)}</strong></p>
{items(x)}{totals(x)}{ogm_line(x)}{notes(x)}"""
    return page(x, css(x, extra, margin="15mm 20mm 35mm 25mm"), body)


def header_band(x: Invoice) -> str:
    """A coloured band with the seller's name and the title; the number and dates in a grid of
    small boxes, label above value; the seller's identity and bank only in a footer of three
    columns (as many invoicing tools print them)."""
    s = x.seller
    cells = "".join(f"<td><div class=label>{k}</div><div>{v}</div></td>" for k, v in meta(x))
    footer = f"""<table class="foot"><tr><td>{_e(s.name)}<br>{_e(s.street)}<br>{_e(s.city)}</td>
<td>{label(x, "vat_id")} {_e(vat_text(x, s))}<br>{_e(s.email)}</td><td>{bank(x, s)}</td>
</tr></table>"""
    extra = f""".band {{ background: {x.accent}; color: white; padding: 4mm 5mm; }}
.band td {{ vertical-align: middle; }} .band .t {{ text-align: right; font-size: 1.8em; }}
.grid td {{ border-left: 2px solid {x.accent}; padding: 1mm 3mm; }}
.foot {{ position: fixed; bottom: -16mm; font-size: 0.75em; color: #444; }}"""
    body = f"""{footer}<table class="band"><tr><td>{logo(x, 36)}
<strong style="font-size:1.5em">{_e(s.name)}</strong></td><td class="t">{title(x)}</td>
</tr></table><table style="margin-top:6mm"><tr><td style="width:45%">
<span class=label>{label(x, "buyer")}</span><br>{party(x, x.buyer)}</td><td>
<table class="grid"><tr>{cells}</tr></table></td></tr></table>
{items(x)}{totals(x)}{ogm_line(x)}{notes(x)}"""
    return page(x, css(x, extra, margin="14mm 15mm 32mm 15mm"), body)


def vat_summary(x: Invoice) -> str:
    """A bordered form: the title box holds the number and dates, the buyer has a box of its
    own, and the totals are a summary table (headers over values, one row per VAT rate) with
    the amount to pay on its own line."""
    s = x.seller
    sign = x.credit_note and x.negative_credit
    m = x.money
    rows = "".join(
        f"<tr><td class=n>{money(x, base, sign)}</td><td class=n>{rate} %</td>"
        f"<td class=n>{money(x, vat, sign)}</td><td class=n>{money(x, base + vat, sign)}</td></tr>"
        for rate, (base, vat) in m.by_rate.items()
    )
    summary = f"""<table class="summary"><tr><th class=n>{label(x, "net")}</th>
<th class=n>%</th><th class=n>{label(x, "vat")}</th><th class=n>{label(x, "gross")}</th></tr>
{rows}</table>"""
    if len(m.by_rate) > 1:
        summary += (
            f"<p class=n>{label(x, 'net')} {money(x, m.net, sign)} · "
            f"{label(x, 'vat')} {money(x, m.vat, sign)}</p>"
        )
    due = f"<p class=pay>{label(x, 'gross')}: <strong>{money(x, m.gross, sign)}</strong></p>"
    extra = """.form td.box, .bbox { border: 1px solid #333; padding: 2mm 3mm; }
.summary { width: 70%; margin-left: 30%; } .summary td, .summary th { border: 1px solid #999; }
.pay { text-align: right; font-size: 1.3em; }"""
    header = f"""<table class="form"><tr><td style="width:55%">{party(x, s)}<br>
{_e(s.phone)}</td><td class="box"><strong style="font-size:1.4em">{title(x)}</strong><br>
{meta_table(meta(x))}</td></tr></table>
<div class="bbox" style="margin: 5mm 0 0 50%">{label(x, "buyer")}<br>{party(x, x.buyer)}</div>"""
    body = f"""{header}{items(x)}{summary}{due}<p>{bank(x, s)}</p>{ogm_line(x)}{notes(x)}"""
    return page(x, css(x, extra), body)


def subject_letter(x: Invoice) -> str:
    """A letter: the seller's letterhead on the right, the addressee in the window, the place
    and date on a line of their own, and the document named in a subject line ("Betreft:
    Factuur 2026-F0817"), after the title and a dash ("FACTUUR — 2026-F0817"), in a sentence
    ("Hierbij ontvangt u onze factuur 2026-F0817.") or in a row of boxes (title, label,
    number). The payment is asked in running text; the seller's
    VAT number and bank stand in the signature."""
    s = x.seller
    how = random.Random(x.seed + 1).choice(["subject", "sentence", "boxes", "dash"])
    doc = title(x).lower()
    if how == "subject":
        named = f"<p><strong>{w(x, 'subject')}: {title(x)} {_e(x.number)}</strong></p>"
    elif how == "sentence":
        named = f"<p>{w(x, 'enclosed').format(doc=doc, number=_e(x.number))}</p>"
    elif how == "dash":
        named = f"<p><strong>{title(x)}</strong> — {_e(x.number)}</p>"
    else:
        named = (
            f'<table class="nbox"><tr><td><strong>{title(x)}</strong></td>'
            f"<td>{label(x, 'number')}</td><td><strong>{_e(x.number)}</strong></td></tr></table>"
        )
    amount = money(x, x.money.gross)
    iban = _e(data.format_iban(s.iban, x.iban_grouped))
    pay = w(x, "pay").format(amount=amount, iban=iban)
    if x.ogm:
        pay += " " + w(x, "quoting").format(ogm=_e(data.format_ogm(x.ogm, x.ogm_stars)))
    pay = f"<p>{pay}.</p>" if not x.credit_note else ""
    extra = """.head { text-align: right; } .nbox { width: auto; margin: 3mm 0; }
.nbox td { border: 1px solid #444; padding: 1.5mm 3mm; }"""
    body = f"""<div class="head">{logo(x, 44)}<br><strong style="font-size:1.3em">{_e(s.name)}
</strong><br>{_e(s.street)}<br>{_e(s.city)}<br>{_e(s.phone)}</div>
<div style="margin: 8mm 0 8mm 0; width: 50%">{party(x, x.buyer, strong=False)}</div>
<p style="text-align:right">{_e(s.city.split(" ", 1)[-1])}, {day(x, x.issue_date)}</p>
{named}<p>{w(x, "greeting")}</p>{meta_inline(x, meta(x, with_number=how == "sentence"))}
{items(x)}{totals(x)}{pay}<p>{w(x, "regards")}</p>
<p>{_e(s.name)}<br><span class=small>{label(x, "vat_id")} {_e(vat_text(x, s))} ·
{bank(x, s, " · ")}</span></p>{notes(x)}"""
    return page(x, css(x, extra), body)


def dotted_form(x: Invoice) -> str:
    """A form from a small invoicing tool, in a proportional font: each value after its label
    and a row of dots ("Factuurnummer ........ 2026-F0817"), the totals the same way with the
    amounts to the right, and the seller's identity on one line under a rule at the end."""
    s = x.seller
    dots = random.Random(x.seed + 2).choice([". " * 12, "." * 24, "…" * 8])

    def row(k: str, v: str) -> str:
        return f"<tr><td>{k} <span class=dots>{dots}</span></td><td>{v}</td></tr>"

    rows = "".join(row(k, f"<strong>{v}</strong>") for k, v in meta(x))
    sums = "".join(
        f"<tr><td>{k} <span class=dots>{dots}</span></td><td class=n>{v}</td></tr>"
        for k, v, _strong in total_rows(x)
    )
    pay = row(label(x, "bank"), _e(data.format_iban(s.iban, x.iban_grouped)))
    if x.show_bic:
        pay += row("BIC", _e(s.bic))
    if x.ogm:
        pay += row(label(x, "ogm"), _e(data.format_ogm(x.ogm, x.ogm_stars)))
    extra = """.form { width: auto; } .form td { padding: 0.6mm 2mm 0.6mm 0; }
.dots { color: #999; } .sums { width: 60%; margin-left: 40%; }
.rule { border-top: 1px solid #777; margin-top: 8mm; padding-top: 2mm; font-size: 0.8em; }"""
    body = f"""<p><strong style="font-size:1.4em">{_e(s.name)}</strong><br>{_e(s.email)}</p>
<h1>{title(x)}</h1>
<p>{label(x, "buyer")}: <strong>{_e(x.buyer.name)}</strong><br>{_e(x.buyer.street)},
{_e(x.buyer.city)}<br>{label(x, "vat_id")} {_e(vat_text(x, x.buyer))}</p>
<table class="form">{rows}</table>{items(x)}<table class="form sums">{sums}</table>
<table class="form">{pay}</table>{notes(x)}
<div class="rule">{_e(s.name)} · {_e(s.street)} · {_e(s.city)} · {label(x, "vat_id")}
{_e(vat_text(x, s))} · {_e(s.phone)}</div>"""
    return page(x, css(x, extra), body)


FAMILIES = {
    "classic_left": classic_left,
    "letterhead_right": letterhead_right,
    "centred_title": centred_title,
    "two_column": two_column,
    "footer_identity": footer_identity,
    "boxed_meta": boxed_meta,
    "table_footer": table_footer,
    "multi_page": multi_page,
    "header_band": header_band,
    "vat_summary": vat_summary,
    "subject_letter": subject_letter,
    "dotted_form": dotted_form,
    "letter": letter,
    "sidebar": sidebar,
    "plain_mono": plain_mono,
    "deposit_summary": deposit_summary,
    "din_window": din_window,
}


def html(x: Invoice) -> str:
    return FAMILIES[x.family](x)


def pdf(x: Invoice) -> bytes:
    from weasyprint import HTML

    return HTML(string=html(x)).write_pdf()
