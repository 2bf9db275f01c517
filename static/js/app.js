// OkiOki's small progressive enhancements. No inline scripts (strict CSP).
document.addEventListener("click", (event) => {
  // Close open dropdown menus when clicking elsewhere.
  document.querySelectorAll("details.dropdown[open]").forEach((details) => {
    if (!details.contains(event.target)) details.removeAttribute("open");
  });
});

// The phone's header menu (a checkbox, so it opens without JavaScript): Escape closes it, and
// a page shown again from the back button starts with it closed.
const siteMenu = () => document.getElementById("site-menu-toggle");
document.addEventListener("keydown", (event) => {
  const toggle = siteMenu();
  if (event.key === "Escape" && toggle && toggle.checked) {
    toggle.checked = false;
    toggle.focus();
  }
});
window.addEventListener("pageshow", () => {
  const toggle = siteMenu();
  if (toggle) toggle.checked = false;
});
