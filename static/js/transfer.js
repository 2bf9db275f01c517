// Transfer settings: show the hint of the chosen accounting package only (all hints stay in
// the page without JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  const select = document.querySelector("select[name=package]");
  const hints = document.querySelectorAll(".package-hint");
  if (!select || !hints.length) return;
  const show = () => {
    hints.forEach((hint) => {
      hint.hidden = hint.dataset.package !== select.value;
    });
  };
  select.addEventListener("change", show);
  show();
});
