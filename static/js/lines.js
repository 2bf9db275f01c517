// The lines of a quote or an invoice (templates/sales/_lines_formset.html).
// - "Add a line" adds an empty row in the page. Without JavaScript the button posts the form
//   and the server adds the row.
// - Each line shows its amount excl. VAT, and the lines their running total, counted as the
//   e-invoice engine does (apps/sales/einvoicing.py, apps/einvoice/totals.py): each line rounded
//   to the cent, its discount rounded, the discount on the total per VAT rate, VAT per rate on
//   the rounded base, and VAT only for a domestic customer. The page's totals after saving are
//   the engine's; these only follow the typing.
(() => {
  const SCALE = 8; // decimals kept while counting (quantities have 3, prices 4, rates 2)
  const ONE = 10n ** BigInt(SCALE);
  const CENT = 10n ** BigInt(SCALE - 2);

  // "12,5" or "12.5" → 12.5 × 10^SCALE as a BigInt; null when it is no number
  const parse = (text) => {
    const value = String(text ?? "").trim().replace(",", ".");
    const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value);
    if (!value || !match || (!match[2] && !match[3])) return null;
    const decimals = (match[3] || "").slice(0, SCALE).padEnd(SCALE, "0");
    const number = BigInt(match[2] || "0") * ONE + BigInt(decimals);
    return match[1] ? -number : number;
  };
  const multiply = (a, b) => (a * b) / ONE; // exact: quantities × prices have 7 decimals
  const roundCents = (value) => {
    const negative = value < 0n;
    const rounded = (((negative ? -value : value) + CENT / 2n) / CENT) * CENT; // half up
    return negative ? -rounded : rounded;
  };
  const times = (a, b) => roundCents(multiply(a, b));
  const percent = (base, rate) => roundCents(multiply(base, rate) / 100n);

  const formatter = (fieldset) => {
    const sample = fieldset.dataset.money || "1.00 €"; // the server's 1 in this language
    const number = new Intl.NumberFormat(document.documentElement.lang || undefined, {
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    return (value) => {
      const amount = Number(value / CENT) / 100;
      const text = number.format(Math.abs(amount));
      return (amount < 0 ? "−" : "") + sample.replace(/1[.,]00/, text);
    };
  };

  const products = (fieldset) => {
    const data = document.getElementById(`${fieldset.dataset.lines}-products`);
    try {
      return data ? JSON.parse(data.textContent) : {};
    } catch {
      return {};
    }
  };

  // the customer's VAT treatment, unless the document sets its own
  const treatment = (form) => {
    const own = form.elements.namedItem("vat_treatment");
    if (own && own.value) return own.value;
    const customer = form.elements.namedItem("customer");
    const option = customer && customer.selectedOptions && customer.selectedOptions[0];
    return (option && option.dataset.vatTreatment) || "domestic";
  };

  const field = (row, name) => row.querySelector(`[name$="-${name}"]`);

  const count = (fieldset) => {
    const form = fieldset.form || fieldset.closest("form");
    if (!form) return;
    const known = products(fieldset);
    const money = formatter(fieldset);
    const domestic = treatment(form) === "domestic";
    const bases = new Map(); // VAT rate → sum of the lines' amounts
    let complete = true;
    fieldset.querySelectorAll("tr.line").forEach((row) => {
      const output = row.querySelector("[data-line-amount]");
      const remove = field(row, "DELETE");
      const product = known[(field(row, "product") || {}).value || ""] || null;
      const quantity = parse((field(row, "quantity") || {}).value);
      let price = parse((field(row, "unit_price") || {}).value);
      if (price === null && product) price = parse(product.price);
      if (output) output.textContent = "—";
      if (quantity === null || price === null || (remove && remove.checked)) return;
      const gross = times(quantity, price);
      const discount = parse((field(row, "discount_percent") || {}).value) || 0n;
      const net = gross - (discount ? percent(gross, discount) : 0n);
      if (output) output.textContent = money(net);
      let rate = parse((field(row, "vat_rate") || {}).value);
      if (rate === null && product) rate = parse(product.rate);
      if (!domestic) rate = 0n;
      if (rate === null) complete = false;
      const key = rate === null ? "?" : String(rate);
      bases.set(key, (bases.get(key) || 0n) + net);
    });
    const discountField = form.elements.namedItem("discount_percent");
    const discount = parse(discountField && discountField.value) || 0n;
    let excl = 0n;
    let vat = 0n;
    bases.forEach((base, key) => {
      const taxable = base - (discount ? percent(base, discount) : 0n);
      excl += taxable;
      if (key !== "?") vat += percent(taxable, BigInt(key));
    });
    const total = fieldset.querySelector("[data-lines-total]");
    if (!total) return;
    total.querySelector('[data-total="excl"]').textContent = money(excl);
    total.querySelector('[data-total="vat"]').textContent = complete ? money(vat) : "…";
    total.querySelector('[data-total="incl"]').textContent = complete ? money(excl + vat) : "…";
    total.hidden = false;
    fieldset.classList.add("is-counted");
  };

  const renumber = (rows) => {
    rows.querySelectorAll("tr.line .line-n").forEach((number, index) => {
      number.textContent = String(index + 1);
    });
  };

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-add-line]");
    if (!button) return;
    const prefix = button.dataset.addLine;
    const template = document.getElementById(`${prefix}-empty-row`);
    const rows = document.getElementById(`${prefix}-rows`);
    const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
    const max = document.getElementById(`id_${prefix}-MAX_NUM_FORMS`);
    if (!template || !rows || !total) return;
    const index = Number(total.value);
    if (max && index >= Number(max.value)) return; // the server says why
    event.preventDefault();
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
    total.value = String(index + 1);
    renumber(rows);
    const first = rows.lastElementChild && rows.lastElementChild.querySelector("input, select");
    if (first) first.focus();
  });

  const recount = (event) => {
    const form = event.target.form || event.target.closest("form");
    if (form) form.querySelectorAll("fieldset[data-lines]").forEach(count);
  };
  document.addEventListener("input", recount);
  document.addEventListener("change", recount);
  const start = () => document.querySelectorAll("fieldset[data-lines]").forEach(count);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
