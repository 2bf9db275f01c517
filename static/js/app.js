// OkiOki's small progressive enhancements. No inline scripts (strict CSP).
document.addEventListener("click", (event) => {
  // Close open dropdown menus when clicking elsewhere.
  document.querySelectorAll("details.dropdown[open]").forEach((details) => {
    if (!details.contains(event.target)) details.removeAttribute("open");
  });
});
