// "Add a line" in a lines table (templates/sales/_lines_formset.html) adds an empty row in the
// page. Without JavaScript the button posts the form and the server adds the row.
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
  const first = rows.lastElementChild && rows.lastElementChild.querySelector("input, select");
  if (first) first.focus();
});
